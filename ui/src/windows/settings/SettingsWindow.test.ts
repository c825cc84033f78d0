import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emitMirrorChanged, emitSyncProgress, ipc } from '../../test/platform';
import { sourceInfo, sourceStatus } from '../../test/fixtures';
import type { LogLine } from '../../platform/ipc';
import SettingsWindow from './SettingsWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);
// The native file chooser (Tauri's dialog plugin) is not there in tests.
const { chooseCalendarFile } = vi.hoisted(() => ({ chooseCalendarFile: vi.fn<() => Promise<string | null>>() }));
vi.mock('../../platform/files', () => ({ chooseCalendarFile }));

const FEED = 'https://example.com/team.ics';
const PREVIEW = {
  url: FEED,
  suggested_name: 'Team calendar',
  events: 128,
  upcoming: 12,
  first: [
    { summary: 'Kick-off', start: '2026-11-24T09:00:00+01:00', all_day: false },
    { summary: 'Offsite', start: '2026-11-27', all_day: true },
  ],
  diagnostics: ['line 42: VEVENT without UID dropped'],
};

// Monday 23 November 2026, 10:30 in Berlin (the tests' zone).
const NOW = new Date('2026-11-23T10:30:00+01:00');

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, shouldAdvanceTime: true });
});
afterEach(() => {
  vi.useRealTimers();
});

function rows() {
  return screen.queryAllByTestId('source-row');
}

function logLine(over: Partial<LogLine> = {}): LogLine {
  return {
    at: '2026-11-23T09:20:00Z',
    source_id: 7,
    source: 'Work',
    outcome: 'updated',
    added: 1, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0,
    diagnostics: 0,
    duration_ms: 100,
    error: null,
    error_code: null,
    error_detail: null,
    notes: null,
    ...over,
  };
}

async function renderWith(sources = [sourceStatus({ id: 7, name: 'Work' })]) {
  ipc.sourcesStatus.mockResolvedValue(sources);
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  render(SettingsWindow);
  await waitFor(() => expect(rows()).toHaveLength(sources.length));
  return user;
}

describe('sources list', () => {
  it('shows each source with its status and its error', async () => {
    await renderWith([
      sourceStatus({ id: 7, name: 'Work', events: 42 }),
      sourceStatus({
        id: 8,
        name: 'Rota',
        kind: 'ics',
        events: 3,
        last_error: 'The server answered 404 Not Found',
        last_error_code: 'http_status',
        consecutive_failures: 3,
      }),
    ]);
    const [work, rota] = rows();
    expect(work.dataset.sourceId).toBe('7');
    expect(within(work).getByText('Work')).toBeTruthy();
    expect(within(work).getByText('ICS')).toBeTruthy();
    expect(work.textContent).toContain('42 events');
    expect(work.textContent).toContain('last sync 10 min ago');
    expect(work.textContent).toContain('next in 5 min');
    expect(work.style.getPropertyValue('--cal-color')).toBe('#3b82f6');
    expect(within(work).queryByTestId('source-error')).toBeNull();
    const error = within(rota).getByTestId('source-error');
    expect(error.textContent).toContain('The server answered 404 Not Found');
    expect(error.textContent).toContain('http_status');
    expect(rota.textContent).toContain('3 failures in a row');
  });

  it('shows a source error in plain words, its code and detail behind a disclosure', async () => {
    await renderWith([
      sourceStatus({
        id: 8,
        name: 'Rota',
        last_error: 'Could not reach 127.0.0.1:9: nothing answered there. Is the server running?',
        last_error_code: 'network',
        last_error_detail: 'error sending request for url (http://127.0.0.1:9/rota.ics): connection refused',
        consecutive_failures: 1,
      }),
    ]);
    const error = screen.getByTestId('source-error');
    const details = error.querySelector('details')!;
    expect(details.querySelector('summary')?.textContent).toBe('Technical details');
    expect(details.textContent).toContain('connection refused');
    expect(details.textContent).toContain('network');
    // Outside the disclosure: the plain message only, no code.
    const visible = [...error.children].filter((e) => e !== details).map((e) => e.textContent).join(' ');
    expect(visible).toBe('Could not reach 127.0.0.1:9: nothing answered there. Is the server running?');
  });

  it('measures relative times from when the statuses arrived, not the last minute tick', async () => {
    await renderWith();
    await vi.advanceTimersByTimeAsync(50_000); // 09:30:50Z; the next tick is at 09:31:00Z
    ipc.sourcesStatus.mockResolvedValue([sourceStatus({ id: 7, last_sync: '2026-11-23T09:29:45Z' })]);
    emitMirrorChanged('sync');
    await waitFor(() => expect(rows()[0].textContent).toContain('last sync 1 min ago'));
  });

  it('counts one event in the singular', async () => {
    await renderWith([sourceStatus({ id: 7, name: 'Work', events: 1 })]);
    expect(rows()[0].textContent).toMatch(/\b1 event(?!s)/);
  });

  it('enables and disables a source', async () => {
    const user = await renderWith();
    await user.click(screen.getByRole('switch'));
    expect(ipc.updateSource).toHaveBeenCalledWith(7, {
      name: null,
      color: null,
      interval_minutes: null,
      enabled: false,
      include: null,
      exclude: null,
    });
  });

  it('edits name, colour, interval and filters', async () => {
    const user = await renderWith([
      sourceStatus({
        id: 7,
        name: 'Work',
        interval_secs: 1800,
        filters: { include: [], exclude: [{ field: 'summary', pattern: 'lunch', regex: false }] },
      }),
    ]);
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const name = screen.getByLabelText('Name');
    expect((name as HTMLInputElement).value).toBe('Work');
    expect((screen.getByLabelText('Sync') as HTMLSelectElement).value).toBe('30');
    expect((screen.getByLabelText('Leave out events matching') as HTMLTextAreaElement).value).toBe('summary:lunch');
    await user.clear(name);
    await user.type(name, 'Office');
    await user.click(screen.getByRole('button', { name: 'Green' }));
    await user.selectOptions(screen.getByLabelText('Sync'), '360');
    await user.type(screen.getByLabelText('Only events matching'), 'location:/room\\s*4/');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(ipc.updateSource).toHaveBeenCalledWith(7, {
      name: 'Office',
      color: '#10b981',
      interval_minutes: 360,
      enabled: null,
      include: ['location:/room\\s*4/'],
      exclude: ['summary:lunch'],
    });
  });

  it('shows the colour a source is painted with in the picker when editing', async () => {
    // No colour chosen: the list paints one picked from the name; the picker shows it too.
    const user = await renderWith([sourceStatus({ id: 7, name: 'Work', color: null })]);
    const painted = rows()[0].style.getPropertyValue('--cal-color');
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const pressed = screen.getAllByRole('button', { pressed: true });
    expect(pressed).toHaveLength(1);
    expect(pressed[0].style.getPropertyValue('--cal-color')).toBe(painted);
    expect(screen.getByLabelText<HTMLInputElement>('Custom colour').value).toBe(painted);
    // Saving without touching the colour leaves it unset (it still follows the name).
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(ipc.updateSource).toHaveBeenCalledWith(7, expect.objectContaining({ color: null }));
  });

  it('matches a stored #RGB or upper-case colour with its swatch', async () => {
    const user = await renderWith([sourceStatus({ id: 7, name: 'Work', color: '#8B5CF6' })]);
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    expect(screen.getByRole('button', { name: 'Violet' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Edit' }));

    ipc.sourcesStatus.mockResolvedValue([sourceStatus({ id: 7, name: 'Work', color: '#F00' })]);
    emitMirrorChanged('source_edited');
    await waitFor(() => expect(rows()[0].style.getPropertyValue('--cal-color')).toBe('#F00'));
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    expect(screen.queryAllByRole('button', { pressed: true })).toHaveLength(0);
    expect(screen.getByLabelText<HTMLInputElement>('Custom colour').value).toBe('#ff0000');
  });

  it('removes a source only after confirmation', async () => {
    const user = await renderWith();
    await user.click(screen.getByTestId('source-remove'));
    expect(ipc.removeSource).not.toHaveBeenCalled();
    const confirm = screen.getByTestId('confirm-remove');
    expect(screen.getByRole('alertdialog').textContent).toContain('Remove “Work”');

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('confirm-remove')).toBeNull();
    expect(ipc.removeSource).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('source-remove'));
    ipc.sourcesStatus.mockResolvedValue([]);
    await user.click(screen.getByTestId('confirm-remove'));
    expect(ipc.removeSource).toHaveBeenCalledWith(7);
    await waitFor(() => expect(rows()).toHaveLength(0));
    expect(confirm.isConnected).toBe(false);
  });

  it('syncs one source and all sources', async () => {
    const user = await renderWith();
    await user.click(screen.getByTestId('source-sync'));
    expect(ipc.syncNow).toHaveBeenCalledWith(7);
    await user.click(screen.getByTestId('sync-now'));
    expect(ipc.syncNow).toHaveBeenCalledWith(null);
  });

  it('shows a failing sync command inline, its code behind "Technical details"', async () => {
    const user = await renderWith();
    ipc.syncNow.mockRejectedValue({ code: 'network', message: 'No network connection', detail: 'dns error: no route' });
    await user.click(screen.getByTestId('sync-now'));
    const error = await screen.findByTestId('error');
    expect(error.querySelector('.message')?.textContent).toBe('No network connection');
    const details = error.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')?.textContent).toBe('Technical details');
    expect(details.textContent).toContain('dns error: no route');
    expect(details.querySelector('code')?.textContent).toBe('network');
  });

  it('shows the progress of a long sync, then clears it', async () => {
    await renderWith();
    emitSyncProgress({ source_id: 7, source_name: 'Work', phase: 'fetching', done: 0, total: null });
    const progress = await screen.findByTestId('sync-progress');
    expect(progress.textContent).toContain('Work: Downloading');
    expect(progress.querySelector('progress')?.hasAttribute('value')).toBe(false); // indeterminate

    emitSyncProgress({ source_id: 7, source_name: 'Work', phase: 'writing', done: 2500, total: 10000 });
    await waitFor(() => expect(screen.getByTestId('sync-progress').textContent).toContain('Saving 2500 / 10000'));
    const bar = screen.getByTestId('sync-progress').querySelector('progress')!;
    expect(bar.max).toBe(10000);
    expect(bar.value).toBe(2500);
    expect(within(rows()[0]).getByTestId('source-sync').hasAttribute('disabled')).toBe(true);

    emitSyncProgress({ source_id: 7, source_name: 'Work', phase: 'done', done: 10000, total: 10000 });
    await waitFor(() => expect(screen.getByTestId('sync-progress').textContent?.trim()).toBe('Work: Done'));
    expect(ipc.sourcesStatus.mock.calls.length).toBeGreaterThan(1);
    await vi.advanceTimersByTimeAsync(2500);
    await waitFor(() => expect(screen.queryByTestId('sync-progress')).toBeNull());
  });

  it('shows a source another process added (MirrorChanged "external")', async () => {
    await renderWith();
    const logCalls = ipc.syncLog.mock.calls.length;
    const reminderCalls = ipc.reminderSettings.mock.calls.length;
    ipc.sourcesStatus.mockResolvedValue([sourceStatus({ id: 7, name: 'Work' }), sourceStatus({ id: 12, name: 'From the CLI' })]);
    ipc.syncLog.mockResolvedValue([logLine({ source_id: 12, source: 'From the CLI' })]);
    emitMirrorChanged('external');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[1].textContent).toContain('From the CLI');
    expect(ipc.syncLog.mock.calls.length).toBe(logCalls + 1);
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(1));
    expect(ipc.reminderSettings.mock.calls.length).toBeGreaterThan(reminderCalls);
    // Its calendar can be picked in the log's filter at once.
    expect([...screen.getByTestId<HTMLSelectElement>('log-source').options].map((o) => o.textContent)).toContain('From the CLI');
  });

  it.each(['preferences', 'source_added', 'anything new'])('refreshes on MirrorChanged "%s" too', async (reason) => {
    await renderWith();
    const before = { sources: ipc.sourcesStatus.mock.calls.length, log: ipc.syncLog.mock.calls.length };
    emitMirrorChanged(reason);
    await waitFor(() => expect(ipc.sourcesStatus.mock.calls.length).toBe(before.sources + 1));
    expect(ipc.syncLog.mock.calls.length).toBe(before.log + 1);
  });

  it('reloads sources and log when the mirror changes', async () => {
    await renderWith();
    const before = ipc.sourcesStatus.mock.calls.length;
    emitMirrorChanged('sync');
    await waitFor(() => expect(ipc.sourcesStatus.mock.calls.length).toBe(before + 1));
    expect(ipc.syncLog).toHaveBeenLastCalledWith(null, 100);
  });
});

describe('what a sync held or cut', () => {
  it('asks before a sync deletes most events, and applies or keeps them', async () => {
    const user = await renderWith([
      sourceStatus({
        id: 7,
        name: 'Team',
        last_error:
          'Team: this sync would delete 100 of your 100 upcoming events (the feed no longer lists them), so nothing was changed.',
        last_error_code: 'mass_delete',
        consecutive_failures: 1,
      }),
    ]);
    const held = screen.getByTestId('source-held');
    expect(held.textContent).toContain('100 of your 100 upcoming events');
    expect(screen.queryByTestId('source-error')).toBeNull();
    await user.click(within(held).getByRole('button', { name: 'Keep my events' }));
    expect(ipc.decideDeletions).toHaveBeenCalledWith(7, 'keep');
    await user.click(within(held).getByRole('button', { name: 'Apply the deletions' }));
    expect(ipc.decideDeletions).toHaveBeenCalledWith(7, 'apply');
  });

  it('shows what the last sync left out', async () => {
    await renderWith([
      sourceStatus({
        id: 7,
        notice:
          'occurrence budget reached (1000000 occurrences per calendar): 2000 recurring series cut short\nmore than 50000 instances in the window: 1 series cut short',
      }),
    ]);
    const notice = screen.getByTestId('source-notice');
    expect(notice.textContent).toContain('Some events were left out');
    expect(notice.querySelectorAll('p')).toHaveLength(2);
  });

  it('shows the full feed URL only on request', async () => {
    const user = await renderWith([
      sourceStatus({ id: 7, url: 'https://example.com/…/cal.ics', secret_in: 'the GNOME keyring' }),
    ]);
    expect(screen.queryByTestId('source-full-url')).toBeNull();
    expect(screen.getByText('https://example.com/…/cal.ics')).toBeTruthy();
    await user.click(screen.getByTestId('source-show-url'));
    expect(ipc.revealSourceUrl).toHaveBeenCalledWith(7);
    expect((await screen.findByTestId('source-full-url')).textContent).toBe('https://example.com/feed/secret-key/cal.ics');
    await user.click(screen.getByRole('button', { name: 'Hide' }));
    expect(screen.queryByTestId('source-full-url')).toBeNull();
  });
});

describe('add subscription', () => {
  it('puts the cursor in the address field when there is no calendar yet', async () => {
    await renderWith([]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('add-url')));
  });

  it('leaves the focus alone when there are calendars', async () => {
    await renderWith();
    expect(document.activeElement).not.toBe(screen.getByTestId('add-url'));
  });

  it('tests, previews, then saves with the chosen settings', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockResolvedValue(PREVIEW);
    expect(screen.queryByTestId('add-save')).toBeNull();

    await user.type(screen.getByTestId('add-url'), `  ${FEED} `);
    await user.click(screen.getByTestId('add-test'));
    expect(ipc.previewFeed).toHaveBeenCalledWith(FEED);

    const preview = await screen.findByTestId('preview');
    expect(screen.getByTestId('preview-count').textContent).toContain('128');
    expect(preview.textContent).toContain('12 upcoming');
    expect(preview.textContent).toContain('Kick-off');
    expect(preview.textContent).toContain('Offsite');
    expect(preview.textContent).toContain('line 42: VEVENT without UID dropped');

    const name = screen.getByTestId('add-name') as HTMLInputElement;
    expect(name.value).toBe('Team calendar');
    await user.clear(name);
    await user.type(name, 'Team');
    await user.click(screen.getByRole('button', { name: 'Violet' }));
    await user.selectOptions(screen.getByLabelText('Sync'), '60');
    await user.type(screen.getByLabelText('Only events matching'), 'summary:standup\n\n  /review/  ');
    await user.type(screen.getByLabelText('Leave out events matching'), 'lunch');

    await user.click(screen.getByTestId('add-save'));
    expect(ipc.addFeed).toHaveBeenCalledWith({
      url: FEED,
      name: 'Team',
      color: '#8b5cf6',
      interval_minutes: 60,
      include: ['summary:standup', '/review/'],
      exclude: ['lunch'],
    });
    // The form is back to empty.
    await waitFor(() => expect(screen.queryByTestId('preview')).toBeNull());
    expect((screen.getByTestId('add-url') as HTMLInputElement).value).toBe('');
  });

  it('refuses only an empty address before asking the shell', async () => {
    const user = await renderWith([]);
    await user.click(screen.getByTestId('add-test'));
    expect((await screen.findByTestId('error')).textContent).toContain('Enter the address of a calendar feed');
    expect(ipc.previewFeed).not.toHaveBeenCalled();
  });

  it('tests a local path and a file:// URL as typed, and mentions files', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockResolvedValue({ ...PREVIEW, url: '~/cal.ics', suggested_name: 'cal' });
    const field = screen.getByTestId<HTMLInputElement>('add-url');
    expect(field.placeholder).toMatch(/file/);
    for (const address of ['/home/me/cal.ics', '~/cal.ics', 'file:///home/me/cal.ics']) {
      await user.clear(field);
      await user.type(field, address);
      await user.click(screen.getByTestId('add-test'));
      await waitFor(() => expect(ipc.previewFeed).toHaveBeenLastCalledWith(address));
      await screen.findByTestId('preview');
      expect(screen.queryByTestId('error')).toBeNull();
    }
    ipc.addFeed.mockResolvedValue(sourceInfo({ id: 9, name: 'cal' }));
    await user.click(screen.getByTestId('add-save'));
    expect(ipc.addFeed).toHaveBeenCalledWith(expect.objectContaining({ url: 'file:///home/me/cal.ics' }));
  });

  it('shows the engine\'s plain words for a missing file', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockRejectedValue({
      code: 'file_unreadable',
      message: 'There is no calendar file at /home/me/gone.ics (moved or deleted?).',
      detail: 'No such file or directory (os error 2)',
    });
    await user.type(screen.getByTestId('add-url'), '/home/me/gone.ics');
    await user.click(screen.getByTestId('add-test'));
    const error = await screen.findByTestId('error');
    expect(error.querySelector('.message')?.textContent).toBe('There is no calendar file at /home/me/gone.ics (moved or deleted?).');
    expect(error.querySelector('details')?.textContent).toContain('os error 2');
  });

  it('chooses a file: its path fills the field and is tested', async () => {
    const user = await renderWith([]);
    chooseCalendarFile.mockResolvedValue('/home/me/Downloads/team.ics');
    ipc.previewFeed.mockResolvedValue(PREVIEW);
    await user.click(screen.getByRole('button', { name: 'Choose a file…' }));
    expect(chooseCalendarFile).toHaveBeenCalled();
    await screen.findByTestId('preview');
    expect(ipc.previewFeed).toHaveBeenCalledWith('/home/me/Downloads/team.ics');
    expect(screen.getByTestId<HTMLInputElement>('add-url').value).toBe('/home/me/Downloads/team.ics');
  });

  it('keeps the field as it was when the file chooser is cancelled', async () => {
    const user = await renderWith([]);
    chooseCalendarFile.mockResolvedValue(null);
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(screen.getByTestId('add-choose-file'));
    await waitFor(() => expect(chooseCalendarFile).toHaveBeenCalled());
    expect(screen.getByTestId<HTMLInputElement>('add-url').value).toBe(FEED);
    expect(ipc.previewFeed).not.toHaveBeenCalled();
  });

  it('shows a failed test inline with its code', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockRejectedValue({ code: 'not_calendar', message: 'The address returned an HTML page, not a calendar', detail: null });
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(screen.getByTestId('add-test'));
    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('The address returned an HTML page, not a calendar');
    expect(error.textContent).toContain('not_calendar');
    expect(screen.queryByTestId('add-save')).toBeNull();
  });

  it('flags a rule without a pattern and shows the shell refusing a save', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockResolvedValue(PREVIEW);
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(screen.getByTestId('add-test'));
    await screen.findByTestId('preview');

    await user.type(screen.getByLabelText('Leave out events matching'), 'summary:');
    await user.click(screen.getByTestId('add-save'));
    expect((await screen.findByTestId('error')).textContent).toContain('has no pattern');
    expect(ipc.addFeed).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText('Leave out events matching'));
    await user.type(screen.getByLabelText('Leave out events matching'), 'summary:/[[/');
    ipc.addFeed.mockRejectedValue({ code: 'invalid_input', message: 'regex parse error: unclosed character class', detail: null });
    await user.click(screen.getByTestId('add-save'));
    await waitFor(() => expect(screen.getByTestId('error').textContent).toContain('unclosed character class'));
    expect(screen.getByTestId('error').textContent).toContain('invalid_input');
    // The preview stays so the user can fix the rule and save again.
    expect(screen.getByTestId('preview')).toBeTruthy();
  });

  it('asks for a new test when the URL changes', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockResolvedValue(PREVIEW);
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(screen.getByTestId('add-test'));
    await screen.findByTestId('preview');
    await user.type(screen.getByTestId('add-url'), 'x');
    expect(screen.queryByTestId('preview')).toBeNull();
    expect(screen.queryByTestId('add-save')).toBeNull();
  });

  it('reloads the list after saving', async () => {
    const user = await renderWith([]);
    ipc.previewFeed.mockResolvedValue(PREVIEW);
    ipc.addFeed.mockResolvedValue(sourceInfo({ id: 9, name: 'Team calendar' }));
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(screen.getByTestId('add-test'));
    await screen.findByTestId('preview');
    ipc.sourcesStatus.mockResolvedValue([sourceStatus({ id: 9, name: 'Team calendar' })]);
    await user.click(screen.getByTestId('add-save'));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0].dataset.sourceId).toBe('9');
  });
});

describe('sync log', () => {
  it('lists time, source, outcome, counts and error detail', async () => {
    ipc.syncLog.mockResolvedValue([
      {
        at: '2026-11-23T09:20:00Z',
        source_id: 7,
        source: 'Work',
        outcome: 'updated',
        added: 3, updated: 2, removed: 1, kept_as_history: 0, pushed: 0, conflicts: 0,
        diagnostics: 0,
        duration_ms: 120,
        error: null,
        error_code: null,
        error_detail: null,
        notes: 'line 4: VEVENT without DTSTART dropped',
      },
      {
        at: '2026-11-23T09:00:00Z',
        source_id: 8,
        source: 'Rota',
        outcome: 'failed',
        added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0,
        diagnostics: 0,
        duration_ms: 30,
        error: 'connection refused',
        error_code: 'network',
        error_detail: null,
        notes: null,
      },
    ]);
    const user = await renderWith();
    await user.click(screen.getByTestId('section-sync-log'));
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(2));
    expect(ipc.syncLog).toHaveBeenCalledWith(null, 100);
    const [ok, failed] = screen.getAllByTestId('log-row');
    expect(ok.textContent).toContain('Work');
    expect(ok.textContent).toContain('+3');
    expect(ok.textContent).toContain('~2');
    expect(ok.textContent).toContain('−1');
    expect(ok.textContent).toMatch(/Nov 23/);
    expect(failed.classList.contains('failed')).toBe(true);
    expect(failed.textContent).toContain('connection refused');
    expect(ok.querySelector('details')?.textContent).toContain('VEVENT without DTSTART dropped');
    // Outcomes in words, not their codes.
    expect(ok.querySelector('.outcome')?.textContent).toBe('Updated');
    expect(failed.querySelector('.outcome')?.textContent).toBe('Failed');
    // The code only behind the disclosure.
    const technical = within(failed).getByTestId('technical-details');
    expect(technical.querySelector('summary')?.textContent).toBe('Technical details');
    expect(technical.querySelector('code')?.textContent).toBe('network');
    expect(failed.querySelector('.error-text')?.textContent).toBe('connection refused');
  });

  it('shows what an account sync pushed and the conflicts it kept', async () => {
    ipc.syncLog.mockResolvedValue([
      logLine({ added: 0, updated: 1, removed: 0, kept_as_history: 0, pushed: 2, conflicts: 1 }),
      logLine({ added: 1, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0 }),
    ]);
    const user = await renderWith();
    await user.click(screen.getByTestId('section-sync-log'));
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(2));
    const [account, feed] = screen.getAllByTestId('log-row');
    expect(within(account).getByTestId('log-pushed').textContent).toBe('↑2');
    expect(within(account).getByTestId('log-conflicts').textContent).toBe('1 conflict');
    // A feed's line has neither.
    expect(within(feed).queryByTestId('log-pushed')).toBeNull();
    expect(within(feed).queryByTestId('log-conflicts')).toBeNull();
  });

  it('shows the technical detail of a failed sync behind the disclosure', async () => {
    ipc.syncLog.mockResolvedValue([
      {
        at: '2026-11-23T09:00:00Z',
        source_id: 8,
        source: 'Rota',
        outcome: 'failed',
        added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0,
        diagnostics: 0,
        duration_ms: 30,
        error: 'There is no calendar at this address on example.com (HTTP 404). Check the link.',
        error_code: 'http_status',
        error_detail: 'HTTP 404 Not Found from https://example.com/rota.ics',
        notes: null,
      },
    ]);
    await renderWith();
    const row = await screen.findByTestId('log-row');
    const technical = within(row).getByTestId('technical-details');
    expect(technical.textContent).toContain('HTTP 404 Not Found from https://example.com/rota.ics');
    expect(row.querySelector('.outcome')?.textContent).toBe('Failed');
  });
});

describe('reminder preferences', () => {
  const WORK = {
    calendar_id: 7,
    source_id: 3,
    calendar_name: 'Work',
    lead_secs: 300,
    honour_valarms: false,
    notify_declined: false,
    notify_cancelled: false,
    notify_free: false,
    notify_all_day: false,
  };

  it('shows each calendar with its lead time and saves a change', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    ipc.reminderSettings.mockResolvedValue([WORK]);
    render(SettingsWindow);
    await user.click(screen.getByTestId('section-reminders'));
    const row = await screen.findByTestId('reminder-row');
    expect(within(row).getByText('Work')).toBeTruthy();
    const lead = within(row).getByTestId<HTMLSelectElement>('reminder-lead');
    expect(lead.value).toBe('300');
    await user.selectOptions(lead, '600');
    await waitFor(() =>
      expect(ipc.setReminderSettings).toHaveBeenCalledWith(7, {
        lead_secs: 600,
        honour_valarms: false,
        notify_declined: false,
        notify_cancelled: false,
        notify_free: false,
        notify_all_day: false,
      }),
    );
    await user.click(within(row).getByLabelText("Use the event's own alarms"));
    await waitFor(() =>
      expect(ipc.setReminderSettings).toHaveBeenLastCalledWith(7, expect.objectContaining({ lead_secs: 600, honour_valarms: true })),
    );
  });

  it('says in words what each box does', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    ipc.reminderSettings.mockResolvedValue([WORK]);
    render(SettingsWindow);
    await user.click(screen.getByTestId('section-reminders'));
    const row = await screen.findByTestId('reminder-row');
    const declined = within(row).getByLabelText('Remind me of meetings I declined');
    expect(declined).toBe(within(row).getByTestId('reminder-notify_declined'));
    expect(within(row).getByLabelText('Remind me of cancelled events')).toBeTruthy();
    const free = within(row).getByLabelText('Remind me of events shown as free');
    expect(document.getElementById(free.getAttribute('aria-describedby')!)?.textContent).toMatch(/do not block my time/);
    expect(within(row).getByLabelText('Remind me of all-day events')).toBeTruthy();
    await user.click(declined);
    await waitFor(() =>
      expect(ipc.setReminderSettings).toHaveBeenCalledWith(7, expect.objectContaining({ notify_declined: true, notify_free: false })),
    );
  });

  it('shows a refused change inline', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    ipc.reminderSettings.mockResolvedValue([WORK]);
    ipc.setReminderSettings.mockRejectedValueOnce({ code: 'invalid_input', message: 'lead time not allowed', detail: null });
    render(SettingsWindow);
    await user.click(screen.getByTestId('section-reminders'));
    const row = await screen.findByTestId('reminder-row');
    await user.selectOptions(within(row).getByTestId('reminder-lead'), '900');
    expect((await screen.findAllByTestId('error')).some((e) => e.textContent?.includes('lead time not allowed'))).toBe(true);
  });
});

describe('start at login', () => {
  it('shows the current state and turns it on', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(SettingsWindow);
    const box = await screen.findByTestId<HTMLInputElement>('autostart');
    await waitFor(() => expect(ipc.appState).toHaveBeenCalled());
    expect(box.checked).toBe(false);
    await user.click(box);
    await waitFor(() => expect(ipc.setAutostart).toHaveBeenCalledWith(true));
    await waitFor(() => expect(box.checked).toBe(true));
  });
});

describe('sections', () => {
  const SECTIONS = ['calendars', 'reminders', 'shortcut', 'preferences', 'sync-log', 'about'];
  const entry = (id: string) => screen.getByTestId(`section-${id}`);
  const current = () => SECTIONS.filter((id) => entry(id).getAttribute('aria-current') === 'page');
  const shownPanels = () => SECTIONS.filter((id) => !screen.getByTestId(`panel-${id}`).hidden);

  it('opens on Calendars & accounts, with the add form and the sources in view', async () => {
    await renderWith();
    const nav = screen.getByRole('navigation', { name: 'Settings sections' });
    expect(within(nav).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual([
      'Calendars & accounts',
      'Reminders',
      'Shortcut',
      'Preferences',
      'Sync log',
      'About',
    ]);
    expect(current()).toEqual(['calendars']);
    expect(shownPanels()).toEqual(['calendars']);
    const calendars = screen.getByRole('region', { name: 'Calendars & accounts' });
    expect(within(calendars).getByTestId('add-url')).toBeTruthy();
    expect(within(calendars).getAllByTestId('source-row')).toHaveLength(1);
    expect(screen.queryByRole('region', { name: 'Reminders' })).toBeNull(); // hidden
  });

  it('shows the section picked in the sidebar', async () => {
    const user = await renderWith();
    await user.click(entry('reminders'));
    expect(current()).toEqual(['reminders']);
    expect(shownPanels()).toEqual(['reminders']);
    expect(screen.getByRole('region', { name: 'Reminders' })).toBeTruthy();
    expect(entry('reminders').getAttribute('aria-controls')).toBe('panel-reminders');
    expect(screen.queryByRole('region', { name: 'Calendars & accounts' })).toBeNull();
  });

  it('moves through the sidebar with the arrow keys, Home and End, and Tab', async () => {
    const user = await renderWith();
    entry('calendars').focus();
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(entry('reminders'));
    expect(current()).toEqual(['reminders']);
    expect(shownPanels()).toEqual(['reminders']);
    await user.keyboard('{End}');
    expect(document.activeElement).toBe(entry('about'));
    await user.keyboard('{ArrowDown}'); // wraps around
    expect(document.activeElement).toBe(entry('calendars'));
    await user.keyboard('{ArrowUp}');
    expect(current()).toEqual(['about']);
    await user.keyboard('{Home}');
    expect(current()).toEqual(['calendars']);
    // Every entry is a Tab stop; Tab alone does not change the section.
    await user.tab();
    expect(document.activeElement).toBe(entry('reminders'));
    expect(current()).toEqual(['calendars']);
    await user.keyboard('{Enter}');
    expect(current()).toEqual(['reminders']);
  });

  it('keeps the section and what was typed in others while the window is open', async () => {
    const user = await renderWith();
    await user.type(screen.getByTestId('add-url'), FEED);
    await user.click(entry('sync-log'));
    emitMirrorChanged('sync');
    await waitFor(() => expect(ipc.sourcesStatus.mock.calls.length).toBeGreaterThan(1));
    expect(current()).toEqual(['sync-log']);
    await user.click(entry('calendars'));
    expect(screen.getByTestId<HTMLInputElement>('add-url').value).toBe(FEED);
  });

  it('shows the version and the data folder in About', async () => {
    ipc.appState.mockResolvedValue({
      version: '0.4.2',
      data_dir: '/home/me/.local/share/traycal',
      sources: 1,
      tray: 'idle',
      last_error: null,
      autostart: false,
      now: Math.floor(Date.now() / 1000),
      display: { hour12: false, week_start: 1, locale: 'de-DE', settings: { clock: 'system', week_start: 'system' } },
    });
    const user = await renderWith();
    await user.click(entry('about'));
    const about = screen.getByRole('region', { name: 'About' });
    await waitFor(() => expect(within(about).getByTestId('about-version').textContent).toBe('Traycal 0.4.2'));
    expect(within(about).getByTestId('about-data-dir').textContent).toBe('/home/me/.local/share/traycal');
  });
});

describe('sync log times', () => {
  it('follow the clock chosen in Preferences', async () => {
    ipc.syncLog.mockResolvedValue([logLine({ at: '2026-11-23T13:20:00Z' })]);
    ipc.appState.mockResolvedValue({
      version: '0',
      data_dir: '/tmp',
      sources: 1,
      tray: 'idle',
      last_error: null,
      autostart: false,
      now: Math.floor(Date.now() / 1000),
      display: { hour12: false, week_start: 1, locale: 'en-US', settings: { clock: '24h', week_start: 'system' } },
    });
    await renderWith();
    const row = await screen.findByTestId('log-row');
    await waitFor(() => expect(row.querySelector('td')?.textContent).toMatch(/14:20/));
    expect(row.querySelector('td')?.textContent).not.toMatch(/PM/);
  });
});

describe('sync log filters', () => {
  const LINES = [
    logLine({ source_id: 7, source: 'Work', outcome: 'updated', added: 2, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0 }),
    logLine({ source_id: 8, source: 'Rota', outcome: 'not_modified', added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0 }),
    logLine({ source_id: 8, source: 'Rota', outcome: 'failed', added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0, error: 'The server is down', error_code: 'http_status' }),
  ];

  async function openLog() {
    ipc.syncLog.mockResolvedValue(LINES);
    const user = await renderWith([sourceStatus({ id: 7, name: 'Work' }), sourceStatus({ id: 8, name: 'Rota' })]);
    await user.click(screen.getByTestId('section-sync-log'));
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(3));
    return user;
  }
  const outcomes = () => screen.queryAllByTestId('log-row').map((r) => r.querySelector('.outcome')?.textContent);

  it('shows changes only, or failures only', async () => {
    const user = await openLog();
    await user.click(screen.getByLabelText('Changes'));
    expect(outcomes()).toEqual(['Updated']);
    await user.click(screen.getByLabelText('Failures'));
    expect(outcomes()).toEqual(['Failed']);
    await user.click(screen.getByLabelText('All'));
    expect(outcomes()).toEqual(['Updated', 'No changes', 'Failed']);
  });

  it('asks for the log of one calendar, and keeps that choice on refreshes', async () => {
    const user = await openLog();
    const select = screen.getByTestId<HTMLSelectElement>('log-source');
    expect([...select.options].map((o) => o.textContent)).toEqual(['All calendars', 'Work', 'Rota']);
    ipc.syncLog.mockResolvedValue(LINES.slice(1));
    await user.selectOptions(select, 'Rota');
    expect(ipc.syncLog).toHaveBeenLastCalledWith(8, 100);
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(2));
    emitMirrorChanged('sync');
    await waitFor(() => expect(ipc.syncLog.mock.calls.length).toBeGreaterThan(2));
    expect(ipc.syncLog).toHaveBeenLastCalledWith(8, 100);
    await user.selectOptions(select, 'All calendars');
    expect(ipc.syncLog).toHaveBeenLastCalledWith(null, 100);
  });

  it('says when nothing matches', async () => {
    const user = await openLog();
    ipc.syncLog.mockResolvedValue([LINES[0]]);
    await user.selectOptions(screen.getByTestId('log-source'), 'Work');
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(1));
    await user.click(screen.getByLabelText('Failures'));
    expect(screen.getByTestId('log-empty').textContent).toBe('No syncs match these filters.');
  });

  it('goes back to every calendar when the chosen one is removed', async () => {
    const user = await openLog();
    await user.selectOptions(screen.getByTestId('log-source'), 'Rota');
    ipc.sourcesStatus.mockResolvedValue([sourceStatus({ id: 7, name: 'Work' })]);
    emitMirrorChanged('external');
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>('log-source').value).toBe(''));
    await waitFor(() => expect(ipc.syncLog).toHaveBeenLastCalledWith(null, 100));
  });
});
