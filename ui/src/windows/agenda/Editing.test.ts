import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CalendarInfo, EventForm } from '../../platform/ipc';
import { ipc } from '../../test/platform';
import { detailOf, entry } from '../../test/fixtures';
import AgendaWindow from './AgendaWindow.svelte';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);

// Monday 23 November 2026, 10:30 in Berlin (the tests' zone).
const NOW = new Date('2026-11-23T10:30:00+01:00');

const CALDAV: CalendarInfo = { id: 7, source_id: 3, name: 'Alice', color: '#3b82f6', read_only: false, direction: 'two_way', source_kind: 'caldav', shown: true, default: false };
const FEED: CalendarInfo = { id: 1, source_id: 1, name: 'Holidays', color: null, read_only: true, direction: 'pull_only', source_kind: 'ics', shown: true, default: false };
const SHARED: CalendarInfo = { id: 8, source_id: 3, name: 'Boss', color: null, read_only: true, direction: 'pull_only', source_kind: 'caldav', shown: true, default: false };

const meeting = entry('2026-11-23T14:00:00+01:00', '2026-11-23T15:00:00+01:00', {
  summary: 'Planning',
  event_id: 11,
  uid: 'planning@x',
  calendar: 'Alice',
  calendar_id: 7,
});
const standup = entry('2026-11-24T09:00:00+01:00', '2026-11-24T09:15:00+01:00', {
  summary: 'Standup',
  event_id: 12,
  uid: 'standup@x',
  recurrence_id: '2026-11-24T08:00:00Z',
  calendar: 'Alice',
  calendar_id: 7,
});
const holiday = entry('2026-11-25', '2026-11-26', { summary: 'Public holiday', event_id: 13, calendar: 'Holidays', calendar_id: 1 });
const bossMeeting = entry('2026-11-25T10:00:00+01:00', '2026-11-25T11:00:00+01:00', {
  summary: 'Boss meeting',
  event_id: 14,
  calendar: 'Boss',
  calendar_id: 8,
});
const unsynced = entry('2026-11-26T10:00:00+01:00', '2026-11-26T11:00:00+01:00', {
  summary: 'Draft',
  event_id: 15,
  calendar: 'Alice',
  calendar_id: 7,
  pending: true,
});
const ALL = [meeting, standup, holiday, bossMeeting, unsynced];

const form = (over: Partial<EventForm> = {}): EventForm => ({
  uid: 'standup@x',
  calendar_id: 7,
  occurrence: null,
  title: 'Standup',
  start: '2026-11-24T09:00',
  end: '2026-11-24T09:15',
  all_day: false,
  zone: 'Europe/Berlin',
  location: null,
  description: null,
  repeat: null,
  reminder_minutes: null,
  ...over,
});

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, shouldAdvanceTime: true });
  ipc.agenda.mockImplementation(async () => ({ from: '', to: '', entries: ALL, query_ms: 1 }));
  ipc.calendars.mockResolvedValue([FEED, CALDAV, SHARED]);
  ipc.eventDetail.mockImplementation(async (id: number) => {
    const e = ALL.find((x) => x.event_id === id)!;
    return detailOf(e, { recurring: e.recurrence_id !== '' });
  });
  ipc.appState.mockResolvedValue({
    version: '0',
    data_dir: '/tmp',
    sources: 2,
    tray: 'idle',
    last_error: null,
    autostart: false,
    now: Math.floor(Date.now() / 1000),
    display: { hour12: false, week_start: 1, locale: 'en-GB', settings: { clock: 'system', week_start: 'system' } },
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.clearAllMocks();
});

const user = () => userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

async function openEntry(title: string) {
  await waitFor(() => expect(screen.getAllByTestId('agenda-entry').length).toBeGreaterThan(0));
  const el = screen.getAllByTestId('agenda-entry').find((e) => e.textContent?.includes(title))!;
  await user().click(el);
  await screen.findByTestId('event-detail');
}

describe('new event', () => {
  it('opens from the toolbar at the next whole hour in the only writable calendar, and saves everything', async () => {
    render(AgendaWindow);
    await user().click(await screen.findByTestId('new-event'));
    const editor = await screen.findByTestId('event-editor');
    await waitFor(() => expect((within(editor).getByTestId('editor-calendar') as HTMLSelectElement).value).toBe('7'));
    // Only the CalDAV calendar that may be written is offered.
    expect(within(editor).getAllByRole('option', { name: /Alice|Holidays|Boss/ }).map((o) => o.textContent)).toEqual(['Alice']);
    expect((within(editor).getByTestId('editor-start-date') as HTMLInputElement).value).toBe('2026-11-23');
    expect((within(editor).getByTestId('editor-start-time') as HTMLInputElement).value).toBe('11:00');
    expect((within(editor).getByTestId('editor-end-time') as HTMLInputElement).value).toBe('12:00');
    await user().type(within(editor).getByTestId('editor-title'), 'Lunch');
    await user().selectOptions(within(editor).getByTestId('editor-repeat'), 'weekly');
    await user().selectOptions(within(editor).getByTestId('editor-reminder'), '10');
    await user().type(within(editor).getByTestId('editor-location'), 'Canteen');
    await user().click(within(editor).getByTestId('editor-save'));
    await waitFor(() => expect(screen.queryByTestId('event-editor')).toBeNull());
    expect(ipc.createEvent).toHaveBeenCalledWith(7, {
      title: 'Lunch',
      start: '2026-11-23T11:00',
      end: '2026-11-23T12:00',
      zone: 'Europe/Berlin',
      location: 'Canteen',
      description: null,
      repeat: 'FREQ=WEEKLY',
      reminder: { minutes: 10 },
    });
    expect((await screen.findByTestId('agenda-notice')).textContent).toMatch(/next sync/);
  });

  it('opens with the n key and closes with Esc without saving', async () => {
    render(AgendaWindow);
    await screen.findByTestId('new-event');
    await user().keyboard('n');
    await screen.findByTestId('event-editor');
    await user().keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('event-editor')).toBeNull());
    expect(ipc.createEvent).not.toHaveBeenCalled();
  });

  it('refuses an end before the start in plain words, without calling the shell', async () => {
    render(AgendaWindow);
    await user().click(await screen.findByTestId('new-event'));
    const editor = await screen.findByTestId('event-editor');
    const end = within(editor).getByTestId('editor-end-time') as HTMLInputElement;
    await user().clear(end);
    await user().type(end, '10:00');
    await user().click(within(editor).getByTestId('editor-save'));
    expect((await within(editor).findByTestId('editor-problem')).textContent).toMatch(/ends before it starts/);
    expect(ipc.createEvent).not.toHaveBeenCalled();
  });

  it('says why when no calendar can take new events', async () => {
    ipc.calendars.mockResolvedValue([FEED]);
    render(AgendaWindow);
    await user().click(await screen.findByTestId('new-event'));
    expect((await screen.findByTestId('editor-no-calendar')).textContent).toMatch(/Add a CalDAV account/);
    expect((screen.getByTestId('editor-save') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('editing from the detail pane', () => {
  it('edits a one-off event, sending only what changed', async () => {
    ipc.eventForm.mockResolvedValue(form({ title: 'Planning', start: '2026-11-23T14:00', end: '2026-11-23T15:00' }));
    render(AgendaWindow);
    await openEntry('Planning');
    await user().click(screen.getByTestId('event-edit'));
    const title = (await screen.findByTestId('editor-title')) as HTMLInputElement;
    expect(ipc.eventForm).toHaveBeenCalledWith({ uid: 'planning@x', calendar_id: 7, recurrence_id: null });
    await waitFor(() => expect(title.value).toBe('Planning'));
    await user().clear(title);
    await user().type(title, 'Planning (moved)');
    await user().keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(ipc.editEvent).toHaveBeenCalled());
    expect(ipc.editEvent).toHaveBeenCalledWith({ uid: 'planning@x', calendar_id: 7, recurrence_id: null }, 'all', {
      title: 'Planning (moved)',
      start: null,
      end: null,
      zone: null,
      location: null,
      description: null,
      repeat: null,
      reminder: null,
    });
  });

  it('asks which occurrences, then edits this one only (no repeat rule offered)', async () => {
    ipc.eventForm.mockResolvedValue(form());
    render(AgendaWindow);
    await openEntry('Standup');
    await user().click(screen.getByTestId('event-edit'));
    const question = await screen.findByTestId('scope-question');
    expect(question.textContent).toMatch(/repeats/);
    await user().click(within(question).getByTestId('scope-this'));
    const start = (await screen.findByTestId('editor-start-time')) as HTMLInputElement;
    expect(ipc.eventForm).toHaveBeenCalledWith({ uid: 'standup@x', calendar_id: 7, recurrence_id: '2026-11-24T08:00:00Z' });
    await waitFor(() => expect(start.value).toBe('09:00'));
    expect((screen.getByTestId('editor-repeat') as HTMLSelectElement).disabled).toBe(true);
    await user().clear(start);
    await user().type(start, '09:30');
    const end = screen.getByTestId('editor-end-time') as HTMLInputElement;
    await user().clear(end);
    await user().type(end, '09:45');
    await user().click(screen.getByTestId('editor-save'));
    await waitFor(() => expect(ipc.editEvent).toHaveBeenCalled());
    expect(ipc.editEvent).toHaveBeenCalledWith(
      { uid: 'standup@x', calendar_id: 7, recurrence_id: '2026-11-24T08:00:00Z' },
      'this',
      expect.objectContaining({ start: '2026-11-24T09:30', end: '2026-11-24T09:45', zone: 'Europe/Berlin', title: null, repeat: null }),
    );
  });

  it('"this and following" keeps the series rule unless it is changed', async () => {
    // The occurrence's form carries the series' rule.
    ipc.eventForm.mockResolvedValue(form({ occurrence: '2026-11-24T08:00:00Z', repeat: 'FREQ=DAILY' }));
    render(AgendaWindow);
    await openEntry('Standup');
    await user().click(screen.getByTestId('event-edit'));
    await user().click(await screen.findByTestId('scope-following'));
    const repeat = (await screen.findByTestId('editor-repeat')) as HTMLSelectElement;
    await waitFor(() => expect(repeat.value).toBe('daily'));
    await user().selectOptions(repeat, 'weekdays');
    await user().click(screen.getByTestId('editor-save'));
    await waitFor(() => expect(ipc.editEvent).toHaveBeenCalled());
    expect(ipc.editEvent).toHaveBeenCalledWith(
      expect.objectContaining({ uid: 'standup@x' }),
      'following',
      expect.objectContaining({ repeat: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', title: null, start: null }),
    );
  });

  it('deletes a one-off event after a confirmation', async () => {
    render(AgendaWindow);
    await openEntry('Planning');
    await user().click(screen.getByTestId('event-delete'));
    const question = await screen.findByTestId('scope-question');
    expect(question.textContent).toMatch(/Delete “Planning”\?/);
    expect(ipc.deleteEvent).not.toHaveBeenCalled();
    await user().click(within(question).getByTestId('scope-all'));
    await waitFor(() => expect(ipc.deleteEvent).toHaveBeenCalledWith({ uid: 'planning@x', calendar_id: 7, recurrence_id: null }, 'all'));
    await waitFor(() => expect(screen.queryByTestId('event-detail')).toBeNull());
    expect((await screen.findByTestId('agenda-notice')).textContent).toMatch(/^Deleted here/);
  });

  it('deletes one occurrence with the Delete key and the 1 key', async () => {
    render(AgendaWindow);
    await openEntry('Standup');
    await user().keyboard('{Delete}');
    await screen.findByTestId('scope-question');
    await user().keyboard('1');
    await waitFor(() =>
      expect(ipc.deleteEvent).toHaveBeenCalledWith({ uid: 'standup@x', calendar_id: 7, recurrence_id: '2026-11-24T08:00:00Z' }, 'this'),
    );
  });

  it('undoes a delete from the notice, and with Ctrl+Z', async () => {
    render(AgendaWindow);
    await openEntry('Planning');
    await user().click(screen.getByTestId('event-delete'));
    await user().click(await screen.findByTestId('scope-all'));
    await user().click(await screen.findByTestId('undo'));
    await waitFor(() => expect(ipc.undoChange).toHaveBeenCalledWith(3));
    expect((await screen.findByTestId('agenda-notice')).textContent).toMatch(/^Undone here/);
    // An undo is not offered for the undo itself.
    expect(screen.queryByTestId('undo')).toBeNull();
    ipc.undoChange.mockClear();
    await user().keyboard('{Control>}z{/Control}');
    expect(ipc.undoChange).not.toHaveBeenCalled();

    await openEntry('Planning');
    await user().keyboard('{Delete}');
    await user().click(await screen.findByTestId('scope-all'));
    await screen.findByTestId('undo');
    // With Caps Lock on, the key is "Z".
    await user().keyboard('{Control>}Z{/Control}');
    await waitFor(() => expect(ipc.undoChange).toHaveBeenCalledWith(3));
  });

  it('shows why an undo was refused', async () => {
    ipc.undoChange.mockRejectedValueOnce({ code: 'invalid_input', message: 'the event planning@x changed since (perhaps on the server), so the change cannot be undone' });
    render(AgendaWindow);
    await openEntry('Planning');
    await user().click(screen.getByTestId('event-delete'));
    await user().click(await screen.findByTestId('scope-all'));
    await user().click(await screen.findByTestId('undo'));
    expect((await screen.findByText(/changed since/)).textContent).toMatch(/cannot be undone/);
    expect(screen.queryByTestId('undo')).toBeNull();
  });

  it('keeps the question open with the error when a delete fails', async () => {
    ipc.deleteEvent.mockRejectedValueOnce({ code: 'store.busy', message: 'The calendar is busy; try again.' });
    render(AgendaWindow);
    await openEntry('Planning');
    await user().click(screen.getByTestId('event-delete'));
    await user().click(await screen.findByTestId('scope-all'));
    expect((await screen.findByTestId('scope-error')).textContent).toMatch(/busy/);
    expect(screen.getByTestId('scope-question')).toBeTruthy();
  });

  it('says why a feed event or a read-only calendar cannot be changed, and offers no edit', async () => {
    render(AgendaWindow);
    await openEntry('Public holiday');
    expect((await screen.findByTestId('event-read-only')).textContent).toMatch(/subscribed feed/);
    expect(screen.queryByTestId('event-edit')).toBeNull();
    await user().keyboard('e');
    expect(screen.queryByTestId('scope-question')).toBeNull();
    expect(screen.queryByTestId('event-editor')).toBeNull();
    await openEntry('Boss meeting');
    expect((await screen.findByTestId('event-read-only')).textContent).toMatch(/server does not let/);
  });

  it('marks an edit that has not reached the server yet', async () => {
    render(AgendaWindow);
    await waitFor(() => expect(screen.getAllByTestId('entry-pending')).toHaveLength(1));
    await openEntry('Draft');
    expect((await screen.findByTestId('event-pending')).textContent).toBe('Not yet synced');
  });
});

describe('the default calendar', () => {
  it('is the one a new event starts in', async () => {
    const second: CalendarInfo = { ...CALDAV, id: 9, name: 'Family', default: true };
    ipc.calendars.mockResolvedValue([FEED, CALDAV, second]);
    render(AgendaWindow);
    await user().click(await screen.findByTestId('new-event'));
    const select = (await screen.findByTestId('editor-calendar')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('9'));
  });
});

describe('dragging out a new event on the week grid', () => {
  it('opens the editor with the dragged time, in quarter hours', async () => {
    render(AgendaWindow);
    await user().click(await screen.findByTestId('view-week'));
    await waitFor(() => expect(screen.getAllByTestId('week-day').length).toBe(7));
    // Calendars known: the grid takes drags.
    await waitFor(() => expect(ipc.calendars).toHaveBeenCalled());
    const tuesday = screen.getAllByTestId('week-day').find((d) => d.dataset.date === '2026-11-24')!;
    const hour = 48; // HOUR_PX
    await fireEvent.mouseDown(tuesday, { button: 0, clientY: 14 * hour + 5 });
    await fireEvent.mouseMove(window, { clientY: 15.5 * hour + 3 });
    expect((await screen.findByTestId('week-draft')).textContent).toMatch(/14:00.*15:30/);
    await fireEvent.mouseUp(window);
    const editor = await screen.findByTestId('event-editor');
    expect((within(editor).getByTestId('editor-start-date') as HTMLInputElement).value).toBe('2026-11-24');
    expect((within(editor).getByTestId('editor-start-time') as HTMLInputElement).value).toBe('14:00');
    expect((within(editor).getByTestId('editor-end-time') as HTMLInputElement).value).toBe('15:30');
  });

  it('does nothing when no calendar can take events', async () => {
    ipc.calendars.mockResolvedValue([FEED]);
    render(AgendaWindow);
    await user().click(await screen.findByTestId('view-week'));
    await waitFor(() => expect(ipc.calendars).toHaveBeenCalled());
    const day = (await screen.findAllByTestId('week-day'))[1];
    await fireEvent.mouseDown(day, { button: 0, clientY: 100 });
    expect(screen.queryByTestId('week-draft')).toBeNull();
    await fireEvent.mouseUp(window);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('event-editor')).toBeNull();
  });
});

describe('an open editor', () => {
  it('keeps what was typed when the minute turns', async () => {
    render(AgendaWindow);
    await user().click(await screen.findByTestId('new-event'));
    const title = (await screen.findByTestId('editor-title')) as HTMLInputElement;
    await user().type(title, 'Half typed');
    const start = screen.getByTestId('editor-start-time') as HTMLInputElement;
    await user().clear(start);
    await user().type(start, '16:45');
    // Two minutes pass: the agenda's clock ticks (and would move "the next hour").
    await vi.advanceTimersByTimeAsync(2 * 60_000 + 1000);
    expect((screen.getByTestId('editor-title') as HTMLInputElement).value).toBe('Half typed');
    expect((screen.getByTestId('editor-start-time') as HTMLInputElement).value).toBe('16:45');
  });
});
