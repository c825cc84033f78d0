import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DisplayPrefs } from '../../platform/ipc';
import { DISPLAY, emitMirrorChanged, emitShowEvent, ipc } from '../../test/platform';
import { detailOf, entry, joinLink } from '../../test/fixtures';
import { addDays } from '../../shared/time';
import AgendaWindow from './AgendaWindow.svelte';
import { scrollTopFor } from './layout';

vi.mock('../../platform/ipc', async (orig) => ({
  ...(await orig<typeof import('../../platform/ipc')>()),
  ipc: (await import('../../test/platform')).ipc,
}));
vi.mock('../../platform/events', async () => (await import('../../test/platform')).events);

// Monday 23 November 2026, 10:30 in Berlin (the tests' zone).
const NOW = new Date('2026-11-23T10:30:00+01:00');
const sec = (iso: string) => Date.parse(iso) / 1000;

const standup = entry('2026-11-23T09:00:00+01:00', '2026-11-23T09:15:00+01:00', { summary: 'Standup', event_id: 1 });
const review = entry('2026-11-23T10:00:00+01:00', '2026-11-23T11:00:00+01:00', {
  summary: 'Design review',
  event_id: 2,
  location: 'Room 4.2',
  calendar: 'Team',
  color: '#10b981',
});
const holiday = entry('2026-11-24', '2026-11-25', { summary: 'Public holiday', event_id: 3, calendar: 'Holidays' });
const late = entry('2026-11-24T23:00:00+01:00', '2026-11-25T01:00:00+01:00', { summary: 'Night deploy', event_id: 4 });
const thursday = entry('2026-11-26T14:00:00+01:00', '2026-11-26T15:00:00+01:00', { summary: 'Thursday sync', event_id: 5 });
const ALL = [standup, review, holiday, late, thursday];

function withEntries(entries = ALL) {
  ipc.agenda.mockImplementation(async () => ({ from: '', to: '', entries, query_ms: 1 }));
}

/** appState() answers with these display preferences (by default en-US, 12-hour, weeks from Sunday). */
function withDisplay(over: Partial<DisplayPrefs> = {}, sources = 1) {
  ipc.appState.mockResolvedValue({
    version: '0',
    data_dir: '/tmp',
    sources,
    tray: 'idle',
    last_error: null,
    autostart: false,
    now: Math.floor(Date.now() / 1000),
    display: { ...DISPLAY, ...over },
  });
}

const entries = () => screen.queryAllByTestId('agenda-entry');
const titles = () => entries().map((e) => e.querySelector('.title')?.textContent);

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, shouldAdvanceTime: true });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('day list', () => {
  it('asks for today + 6 days from local midnight and groups by day', async () => {
    withEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6)); // the night deploy shows on two days
    expect(ipc.agenda).toHaveBeenCalledWith(sec('2026-11-23T00:00:00+01:00'), sec('2026-11-30T00:00:00+01:00'));

    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent?.trim());
    expect(headings).toEqual(['Today', 'Tomorrow', 'Wednesday, November 25', 'Thursday, November 26']);
    expect(titles()).toEqual(['Standup', 'Design review', 'Public holiday', 'Night deploy', 'Night deploy', 'Thursday sync']);

    const tomorrow = screen.getByRole('region', { name: 'Tomorrow' });
    expect(within(tomorrow).getByText('All day')).toBeTruthy();
    expect(within(tomorrow).getByText('11:00 PM →')).toBeTruthy();
    const wednesday = screen.getByRole('region', { name: 'Wednesday, November 25' });
    expect(within(wednesday).getByText('until 1:00 AM')).toBeTruthy();
  });

  it('marks the running event, shows colour, badge and the now marker', async () => {
    withEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    const reviewEl = entries().find((e) => e.dataset.eventId === '2')!;
    expect(reviewEl.classList.contains('running')).toBe(true);
    expect(within(reviewEl).getByText('Now')).toBeTruthy();
    expect(reviewEl.style.getPropertyValue('--cal-color')).toBe('#10b981');
    expect(within(reviewEl).getByText('Team')).toBeTruthy();
    expect(entries().find((e) => e.dataset.eventId === '1')!.classList.contains('running')).toBe(false);

    // The now marker sits after both started events of today, before tomorrow.
    const today = screen.getByRole('region', { name: 'Today' });
    const items = [...today.querySelectorAll('li')];
    expect(items.map((li) => (li.dataset.testid === 'now-line' ? 'NOW' : li.textContent?.includes('Standup') ? 'S' : 'R'))).toEqual(['S', 'R', 'NOW']);
  });

  it('says there are no calendars and offers the sample or adding one', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({}, 0);
    withEntries([]);
    render(AgendaWindow);
    const empty = await screen.findByTestId('no-calendars');
    expect(within(empty).getByRole('heading', { name: 'No calendars yet' })).toBeTruthy();
    expect(screen.queryByText('Nothing on these days')).toBeNull();

    await user.click(within(empty).getByRole('button', { name: 'Add a calendar…' }));
    expect(ipc.openWindow).toHaveBeenCalledWith('settings');

    // The sample is subscribed to; the agenda counts it and shows its events.
    withDisplay({}, 1);
    const loads = ipc.agenda.mock.calls.length;
    await user.click(within(empty).getByRole('button', { name: 'Try the sample calendar' }));
    expect(ipc.loadSample).toHaveBeenCalledTimes(1);
    withEntries([review]);
    emitMirrorChanged('source_added');
    await waitFor(() => expect(entries()).toHaveLength(1));
    expect(ipc.agenda.mock.calls.length).toBeGreaterThan(loads);
    expect(screen.queryByTestId('no-calendars')).toBeNull();
  });

  it('shows a failing sample inline', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({}, 0);
    withEntries([]);
    ipc.loadSample.mockRejectedValue({ code: 'store.busy', message: 'The mirror is busy', detail: null });
    render(AgendaWindow);
    await user.click(await screen.findByRole('button', { name: 'Try the sample calendar' }));
    expect((await screen.findByTestId('error')).textContent).toContain('The mirror is busy');
  });

  it('says there is nothing on these days when there are calendars', async () => {
    withDisplay({}, 2);
    withEntries([]);
    render(AgendaWindow);
    expect(await screen.findByText('Nothing on these days')).toBeTruthy();
    expect(screen.queryByTestId('no-calendars')).toBeNull();
  });

  it('does not claim there are no calendars when it cannot tell', async () => {
    ipc.appState.mockRejectedValue({ code: 'ipc', message: 'no bridge', detail: null });
    withEntries([]);
    render(AgendaWindow);
    expect(await screen.findByText('Nothing on these days')).toBeTruthy();
    expect(screen.queryByTestId('no-calendars')).toBeNull();
  });

  it('offers the same in the week grid when there are no calendars', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({}, 0);
    withEntries([]);
    render(AgendaWindow);
    await screen.findByTestId('no-calendars');
    await user.keyboard('w');
    expect(screen.getByTestId('no-calendars')).toBeTruthy();
    expect(document.querySelector('.hours')).toBeNull();
  });

  it('keeps each time range on one line, in one column that fits the longest range', async () => {
    withEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    for (const el of entries()) {
      expect(getComputedStyle(el).gridTemplateColumns).toMatch(/^4px max-content /);
      const time = el.querySelector('.time')!;
      expect(getComputedStyle(time).whiteSpace).toBe('nowrap');
      const sizers = [...time.querySelectorAll('.time-sizer')];
      expect(sizers.map((s) => s.textContent?.replace(/\s/g, ' '))).toEqual(['10:00 AM – 11:00 AM', '10:00 PM – 11:00 PM']);
      expect(sizers.every((s) => s.getAttribute('aria-hidden') === 'true')).toBe(true);
    }
  });

  it('shows the calendar badge whole under the title, with its name as tooltip', async () => {
    const long = entry('2026-11-23T14:00:00+01:00', '2026-11-23T15:00:00+01:00', {
      summary: 'Roadmap',
      calendar: 'Google planning and roadmap',
      location: 'Room 4.2',
    });
    withEntries([long]);
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(1));
    const badge = within(entries()[0]).getByText('Google planning and roadmap');
    expect(badge.title).toBe('Google planning and roadmap');
    expect(getComputedStyle(badge).maxWidth).toBe('none');
    // Beside the place, under the title: the title keeps the row's width.
    expect(badge.closest('.meta')?.querySelector('.location')?.textContent).toBe('Room 4.2');
    expect(badge.closest('.main')?.querySelector('.title')?.textContent).toBe('Roadmap');
  });

  it('shows a failing agenda query inline', async () => {
    ipc.agenda.mockRejectedValue({ code: 'store.busy', message: 'The mirror is busy', detail: null });
    render(AgendaWindow);
    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('The mirror is busy');
    expect(error.textContent).toContain('store.busy');
  });
});

describe('meetings in the list', () => {
  const meetUrl = 'https://meet.google.com/abc-defg-hij?authuser=0&hs=122&ijlm=1700000000000';
  const sync = entry('2026-11-23T14:00:00+01:00', '2026-11-23T14:30:00+01:00', { summary: 'Weekly sync', event_id: 7, location: meetUrl });
  const ended = entry('2026-11-23T08:00:00+01:00', '2026-11-23T08:30:00+01:00', { summary: 'Early call', event_id: 8, location: meetUrl });
  const meet = joinLink({ url: meetUrl, service_id: 'google_meet', service_name: 'Google Meet', meeting_id: 'abc-defg-hij', passcode: null, dial_in: null });

  function withMeetings() {
    withEntries([ended, review, sync]);
    ipc.joinLinks.mockResolvedValue([
      { event_id: 7, link: meet },
      { event_id: 8, link: meet },
    ]);
  }

  it('names the service instead of the raw URL and offers Join', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withMeetings();
    ipc.joinEvent.mockResolvedValue(meet);
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(3));
    expect(ipc.joinLinks).toHaveBeenCalledWith([8, 2, 7]);

    const row = entries().find((e) => e.dataset.eventId === '7')!;
    expect(row.querySelector('.location')?.textContent).toBe('Google Meet');
    expect(document.body.textContent).not.toContain('https://');
    // Only for meetings still to come.
    expect(screen.getAllByTestId('entry-join')).toHaveLength(1);
    const join = screen.getByRole('button', { name: 'Join Google Meet: Weekly sync' });
    expect(join.textContent?.trim()).toBe('Join');
    await user.click(join);
    expect(ipc.joinEvent).toHaveBeenCalledWith(7);
    // Joining is not opening the details.
    expect(screen.queryByTestId('event-detail')).toBeNull();
  });

  it('offers Join on the week grid’s blocks too', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withMeetings();
    ipc.joinEvent.mockResolvedValue(meet);
    render(AgendaWindow);
    await user.click(await screen.findByTestId('view-week'));
    // The meeting still to come has one; the one that ended has none.
    await waitFor(() => expect(screen.getAllByTestId('week-join')).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Join Google Meet: Weekly sync' }));
    expect(ipc.joinEvent).toHaveBeenCalledWith(7);
    expect(screen.queryByTestId('event-detail')).toBeNull();
  });

  it('shows a failed join inline', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withMeetings();
    ipc.joinEvent.mockRejectedValue({ code: 'refused_link', message: 'This link cannot be opened', detail: null });
    render(AgendaWindow);
    await user.click(await screen.findByRole('button', { name: 'Join Google Meet: Weekly sync' }));
    expect((await screen.findByTestId('error')).textContent).toContain('This link cannot be opened');
  });

  it('still lists the entries when the join links cannot be read', async () => {
    withMeetings();
    ipc.joinLinks.mockRejectedValue({ code: 'store.busy', message: 'busy', detail: null });
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(3));
    expect(screen.queryAllByTestId('entry-join')).toHaveLength(0);
    // A URL that is not known as a meeting reads as its site.
    expect(entries().find((e) => e.dataset.eventId === '7')!.querySelector('.location')?.textContent).toBe('meet.google.com');
  });
});

describe('week grid', () => {
  it('places entries by time in day columns with an all-day strip and a now line', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    await user.click(screen.getByTestId('view-week'));
    expect(screen.getByTestId('view-week').getAttribute('aria-pressed')).toBe('true');
    // The all-day strip comes first, then the timed columns Monday to Sunday.
    await waitFor(() => expect(titles()).toEqual(['Public holiday', 'Standup', 'Design review', 'Night deploy', 'Night deploy', 'Thursday sync']));

    const block = (id: number, nth = 0) => entries().filter((e) => e.dataset.eventId === String(id))[nth].closest('li')!;
    expect(block(1).style.getPropertyValue('--start')).toBe('540');
    expect(block(1).style.getPropertyValue('--end')).toBe('555');
    expect(block(4, 0).style.getPropertyValue('--start')).toBe('1380');
    expect(block(4, 0).style.getPropertyValue('--end')).toBe('1440');
    expect(block(4, 1).style.getPropertyValue('--start')).toBe('0');
    expect(block(4, 1).style.getPropertyValue('--end')).toBe('60');
    // The all-day entry is in Tuesday's strip cell, not in a timed column.
    expect(block(3).closest('ul')!.getAttribute('aria-label')).toBe('All day, Tue 24');

    const nowLine = screen.getByTestId('now-line');
    expect(Number(nowLine.style.getPropertyValue('--now-at'))).toBeCloseTo((10.5 / 24) * 100, 1);
    expect(nowLine.closest('.col')!.classList.contains('today')).toBe(true);
  });

  it('navigates weeks with the buttons and back to today', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay();
    withEntries([]);
    render(AgendaWindow);
    await user.click(screen.getByTestId('view-week'));
    // en-US weeks start on Sunday (DISPLAY.week_start 0).
    await waitFor(() =>
      expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-22T00:00:00+01:00'), sec('2026-11-29T00:00:00+01:00')),
    );
    await user.click(screen.getByRole('button', { name: 'Next week (→)' }));
    await waitFor(() =>
      expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')),
    );
    expect(screen.queryByTestId('now-line')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Today' }));
    await waitFor(() =>
      expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-22T00:00:00+01:00'), sec('2026-11-29T00:00:00+01:00')),
    );
    expect(screen.getByTestId('now-line')).toBeTruthy();
  });
});

describe('display preferences', () => {
  it('writes times, dates and weekdays with the preferred clock and locale', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({ hour12: false, locale: 'de-DE', week_start: 1 });
    withEntries();
    ipc.eventDetail.mockImplementation(async (id: number) =>
      detailOf(ALL.find((e) => e.event_id === id)!, { organizer: { name: 'Ada', email: null, partstat: null, role: null } }),
    );
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));

    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent?.trim());
    // Dates in the locale's language; the UI's own words stay as they are.
    expect(headings).toEqual(['Today', 'Tomorrow', 'Mittwoch, 25. November', 'Donnerstag, 26. November']);
    expect(within(entries()[0]).getByText('9:00 – 9:15')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Tomorrow' })).getByText('23:00 →')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Mittwoch, 25. November' })).getByText('until 1:00')).toBeTruthy();
    expect(screen.getByTestId('now-line').getAttribute('aria-label')).toBe('Now, 10:30');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('23.–29. Nov. 2026');

    await user.click(entries()[1]);
    const pane = await screen.findByTestId('event-detail');
    expect(pane.textContent).toContain('Montag, 23. November · 10:00 – 11:00');
    await within(pane).findByText('Ada');
    expect(within(pane).getByRole('heading', { name: 'Organizer' })).toBeTruthy();
  });

  it('starts the week grid on the preferred first day', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries([]);
    const heads = () => [...document.querySelectorAll('.day-head')].map((h) => h.textContent);
    for (const [weekStart, from, firstHead] of [
      [0, '2026-11-22', 'Sun 22'],
      [1, '2026-11-23', 'Mon 23'],
      [6, '2026-11-21', 'Sat 21'],
    ] as const) {
      withDisplay({ week_start: weekStart });
      const { unmount } = render(AgendaWindow);
      await user.click(await screen.findByTestId('view-week'));
      await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec(`${from}T00:00:00+01:00`), sec(`${addDays(from, 7)}T00:00:00+01:00`)));
      expect(heads()[0]).toBe(firstHead);
      expect(heads()).toHaveLength(7);
      unmount();
    }
  });

  it('follows a change of preferences without reloading the agenda', async () => {
    withEntries();
    render(AgendaWindow);
    const tomorrow = () => screen.getByRole('region', { name: 'Tomorrow' });
    await waitFor(() => expect(within(tomorrow()).getByText('11:00 PM →')).toBeTruthy());
    const loads = ipc.agenda.mock.calls.length;

    withDisplay({ hour12: false });
    emitMirrorChanged('preferences');
    await waitFor(() => expect(within(tomorrow()).getByText('23:00 →')).toBeTruthy());
    expect(ipc.appState).toHaveBeenCalledTimes(2);
    expect(ipc.agenda).toHaveBeenCalledTimes(loads);
  });

  it('uses the system locale and clock when the preferences cannot be read', async () => {
    ipc.appState.mockRejectedValue({ code: 'ipc', message: 'no bridge', detail: null });
    withEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    expect(screen.queryByTestId('error')).toBeNull();
  });
});

describe('week grid on the last day of the week', () => {
  it('shows today and the coming days, and steps calendar weeks from there', async () => {
    // Sunday 29 November, 20:00, with weeks from Monday: the calendar week is all past.
    vi.setSystemTime(new Date('2026-11-29T20:00:00+01:00'));
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({ week_start: 1 });
    withEntries([]);
    render(AgendaWindow);
    await user.click(await screen.findByTestId('view-week'));
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')));
    const heads = () => [...document.querySelectorAll('.day-head')].map((h) => h.textContent);
    expect(heads()).toEqual(['Sun 29', 'Mon 30', 'Tue 1', 'Wed 2', 'Thu 3', 'Fri 4', 'Sat 5']);
    expect(screen.getByTestId('now-line').closest('.col')!.classList.contains('today')).toBe(true);

    await user.keyboard('{ArrowRight}');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-30T00:00:00+01:00'), sec('2026-12-07T00:00:00+01:00')));
    await user.keyboard('{ArrowLeft}');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-23T00:00:00+01:00'), sec('2026-11-30T00:00:00+01:00')));
    await user.keyboard('t');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')));
  });
});

describe("the engine's clock", () => {
  it('follows a pinned engine clock rather than the machine', async () => {
    // The machine says Monday 23 November; the engine is pinned to Sunday 29, 20:00.
    const pinned = sec('2026-11-29T20:00:00+01:00');
    ipc.appState.mockImplementation(async () => ({
      version: '0',
      data_dir: '/tmp',
      sources: 1,
      tray: 'idle',
      last_error: null,
      autostart: false,
      display: { ...DISPLAY, week_start: 1 },
      now: pinned,
    }));
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries([]);
    render(AgendaWindow);
    await user.click(await screen.findByTestId('view-week'));
    await waitFor(() =>
      expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')),
    );
  });
});

describe('week grid drawing', () => {
  async function openWeek(entries = ALL) {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries(entries);
    render(AgendaWindow);
    await user.click(await screen.findByTestId('view-week'));
    await waitFor(() => expect(document.querySelector('.hours')).toBeTruthy());
    return user;
  }
  const hourLabels = () => [...document.querySelectorAll('.hour-label')].map((l) => l.textContent?.replace(/\s/g, ' '));

  it('labels every hour, midnight included, on the chosen clock', async () => {
    await openWeek();
    const labels = hourLabels();
    expect(labels).toHaveLength(24);
    expect(labels.slice(0, 3)).toEqual(['12 AM', '1 AM', '2 AM']);
    expect(labels[12]).toBe('12 PM');
    expect(labels[23]).toBe('11 PM');
  });

  it('labels 24-hour clocks 00:00 to 23:00', async () => {
    withDisplay({ hour12: false });
    await openWeek();
    expect(hourLabels()[0]).toBe('00:00');
    expect(hourLabels()[23]).toBe('23:00');
  });

  it('sizes the gutter to its widest label in every row, so the column line cuts none', async () => {
    await openWeek();
    const rows = [...document.querySelectorAll('.week .row')];
    expect(rows).toHaveLength(3); // heads, all-day strip, hours
    for (const row of rows) {
      expect(getComputedStyle(row).gridTemplateColumns).toMatch(/^max-content /);
      const sizer = row.querySelector('.gutter .sizer')!;
      expect([...sizer.children].map((c) => c.textContent?.replace(/\s/g, ' '))).toEqual([...hourLabels(), 'All day']);
      expect(sizer.getAttribute('aria-hidden')).toBe('true');
    }
  });

  it('shows a short event by its title, with everything in a tooltip', async () => {
    await openWeek();
    const standup = entries().find((e) => e.dataset.eventId === '1')!;
    expect(standup.classList.contains('short')).toBe(true);
    expect(standup.querySelector('.time')).toBeNull();
    expect(standup.querySelector('.title')!.textContent).toBe('Standup');
    expect(standup.title.replace(/\s/g, ' ')).toBe('Standup 9:00 AM – 9:15 AM Work');

    const review = entries().find((e) => e.dataset.eventId === '2')!;
    expect(review.classList.contains('short')).toBe(false);
    expect(review.querySelector('.time-text')!.textContent).toMatch(/^10:00\sAM – 11:00\sAM$/);
    expect(review.title.split('\n')).toEqual(['Design review', review.querySelector('.time-text')!.textContent, 'Room 4.2', 'Team']);
  });

  it('opens scrolled to the current time, also in another week', async () => {
    withDisplay();
    const user = await openWeek([]);
    const body = () => document.querySelector<HTMLElement>('.week .body')!;
    // 10:30 with an hour of context above (jsdom has no layout: the view's height is 0).
    expect(body().scrollTop).toBe(scrollTopFor(10.5 * 60, 0));
    await user.keyboard('d{ArrowRight}w');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')));
    expect(screen.queryByTestId('now-line')).toBeNull();
    expect(body().scrollTop).toBe(scrollTopFor(10.5 * 60, 0));
  });
});

describe('keyboard', () => {
  it('moves with j/k and arrows, opens with Enter, closes with Escape', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries();
    ipc.eventDetail.mockImplementation(async (id: number) => detailOf(ALL.find((e) => e.event_id === id)!));
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));

    await user.keyboard('j');
    expect(document.activeElement).toBe(entries()[0]);
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(entries()[1]);
    await user.keyboard('jk');
    expect(document.activeElement).toBe(entries()[1]);
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(document.activeElement).toBe(entries()[0]);

    await user.keyboard('{Enter}');
    const pane = await screen.findByTestId('event-detail');
    expect(within(pane).getByTestId('event-title').textContent?.trim()).toBe('Standup');
    // The occurrence's own start goes along (a recurring event's details follow it).
    const first = ALL.find((e) => e.event_id === 1)!;
    expect(ipc.eventDetail).toHaveBeenCalledWith(1, first.start_utc);

    // Moving while the pane is open follows the selection.
    await user.keyboard('j');
    await waitFor(() => expect(screen.getByTestId('event-title').textContent?.trim()).toBe('Design review'));

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('event-detail')).toBeNull();
    expect(document.activeElement).toBe(entries()[1]);
  });

  it('switches views with w/d and weeks with the arrow keys, t for today', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withDisplay({}, 1);
    withEntries([]);
    render(AgendaWindow);
    await screen.findByText('Nothing on these days');

    await user.keyboard('w');
    expect(screen.getByTestId('view-week').getAttribute('aria-pressed')).toBe('true');
    await user.keyboard('{ArrowRight}');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00')));
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-15T00:00:00+01:00'), sec('2026-11-22T00:00:00+01:00')));
    await user.keyboard('d');
    expect(screen.getByTestId('view-day').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('Nothing on these days')).toBeTruthy();
    await user.keyboard('t');
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-23T00:00:00+01:00'), sec('2026-11-30T00:00:00+01:00')));
  });

  it('ignores shortcuts while typing in a field', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries([]);
    const { container } = render(AgendaWindow);
    const input = document.createElement('input');
    container.append(input);
    input.focus();
    await user.keyboard('w');
    expect(screen.getByTestId('view-day').getAttribute('aria-pressed')).toBe('true');
  });
});

describe('refresh', () => {
  it('reloads when the mirror changes and when the minute turns', async () => {
    withEntries([]);
    render(AgendaWindow);
    await waitFor(() => expect(ipc.agenda).toHaveBeenCalledTimes(1));
    emitMirrorChanged('sync');
    await waitFor(() => expect(ipc.agenda).toHaveBeenCalledTimes(2));
    await vi.advanceTimersByTimeAsync(60_000);
    await waitFor(() => expect(ipc.agenda).toHaveBeenCalledTimes(3));
  });

  it('moves to the new day at midnight when following today', async () => {
    vi.setSystemTime(new Date('2026-11-23T23:59:30+01:00'));
    withEntries([]);
    render(AgendaWindow);
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-23T00:00:00+01:00'), sec('2026-11-30T00:00:00+01:00')));
    await vi.advanceTimersByTimeAsync(31_000);
    await waitFor(() => expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-24T00:00:00+01:00'), sec('2026-12-01T00:00:00+01:00')));
  });
});

describe('detail pane', () => {
  async function openDetail(detail: ReturnType<typeof detailOf>) {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withEntries([review]);
    ipc.eventDetail.mockResolvedValue(detail);
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(1));
    await user.click(entries()[0]);
    await screen.findByTestId('event-detail');
    return user;
  }

  it('renders a hostile description as literal text', async () => {
    const hostile = 'Agenda:\n<img src=x onerror=alert(1)>\n<script>alert(1)</script>\n<b>bold</b>';
    await openDetail(detailOf(review, { description: hostile, summary: '<img src=y onerror=alert(2)>' }));
    const description = await screen.findByTestId('event-description');
    expect(description.textContent).toBe(hostile);
    expect(screen.getByTestId('event-title').textContent?.trim()).toBe('<img src=y onerror=alert(2)>');
    const pane = screen.getByTestId('event-detail');
    expect(pane.querySelectorAll('img, script, b')).toHaveLength(0);
    expect(document.querySelectorAll('img, script')).toHaveLength(0);
    expect(getComputedStyle(description).whiteSpace).toBe('pre-wrap');
  });

  it('shows time, location, organiser and attendees with their replies', async () => {
    await openDetail(
      detailOf(review, {
        organizer: { name: 'Ada Lovelace', email: 'mailto:ada@example.com', partstat: null, role: null },
        attendees: [
          { name: 'Bob', email: 'bob@example.com', partstat: 'ACCEPTED', role: null },
          { name: null, email: 'mailto:carol@example.com', partstat: 'DECLINED', role: null },
          { name: 'Dan', email: null, partstat: 'TENTATIVE', role: null },
          { name: 'Eve', email: null, partstat: 'NEEDS-ACTION', role: null },
        ],
      }),
    );
    const pane = screen.getByTestId('event-detail');
    await within(pane).findByText('Ada Lovelace');
    expect(pane.textContent).toContain('Monday, November 23 · 10:00 AM – 11:00 AM');
    expect(pane.textContent).toContain('Happening now');
    expect(within(pane).getByText('Room 4.2')).toBeTruthy();
    const rows = within(pane)
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(rows).toEqual(['✓ Bob Accepted', '✕ carol@example.com Declined', '? Dan Tentative', '… Eve No reply yet']);
  });

  it('spells its words as the US dates beside them do', async () => {
    await openDetail(detailOf(review, { status: 'CANCELLED', organizer: { name: 'Ada', email: null, partstat: null, role: null } }));
    const pane = screen.getByTestId('event-detail');
    await within(pane).findByText('Ada');
    expect(within(pane).getByText('Canceled')).toBeTruthy();
    expect(within(pane).getByRole('heading', { name: 'Organizer' })).toBeTruthy();
    expect(pane.textContent).not.toMatch(/Organiser|Cancelled/);
  });

  it('adds the time in the event zone when it differs', async () => {
    await openDetail(
      detailOf(review, {
        tzid: 'America/New_York',
        start_in_event_zone: '2026-11-23T04:00:00-05:00',
        end_in_event_zone: '2026-11-23T05:00:00-05:00',
      }),
    );
    const zone = await screen.findByTestId('event-zone-time');
    expect(zone.textContent?.replace(/\s+/g, ' ').trim()).toBe('4:00 AM – 5:00 AM America/New_York');
  });

  it('leaves out the event zone when it says the same as the user zone', async () => {
    await openDetail(detailOf(review, { tzid: 'Europe/Berlin', start_in_event_zone: review.start, end_in_event_zone: review.end }));
    await screen.findByTestId('event-title');
    expect(screen.queryByTestId('event-zone-time')).toBeNull();
  });

  it('joins the meeting and copies ID, passcode and dial-in', async () => {
    const user = await openDetail(detailOf(review, { join: joinLink() }));
    const join = await screen.findByTestId('event-join');
    expect(join.textContent?.trim()).toBe('Join Zoom');
    ipc.joinEvent.mockResolvedValue(joinLink());
    await user.click(join);
    expect(ipc.joinEvent).toHaveBeenCalledWith(2);

    await user.click(screen.getByRole('button', { name: 'Copy meeting ID' }));
    expect(await navigator.clipboard.readText()).toBe('123 456 789');
    expect(screen.getByRole('button', { name: 'Copy meeting ID' }).textContent?.trim()).toBe('Copied');
    await user.click(screen.getByRole('button', { name: 'Copy passcode' }));
    expect(await navigator.clipboard.readText()).toBe('abc123');
    await user.click(screen.getByRole('button', { name: 'Copy dial-in' }));
    expect(await navigator.clipboard.readText()).toBe('+1 555 0100');
  });

  it('shows a failed join inline', async () => {
    const user = await openDetail(detailOf(review, { join: joinLink() }));
    ipc.joinEvent.mockRejectedValue({ code: 'refused_link', message: 'This link cannot be opened', detail: null });
    await user.click(await screen.findByTestId('event-join'));
    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('This link cannot be opened');
    expect(error.textContent).toContain('refused_link');
  });

  it('sits beside the list, not in its scroller, with its own scroll and long URLs wrapping', async () => {
    const url = `https://example.com/${'very-long-path-segment/'.repeat(12)}?and=a&long=query`;
    await openDetail(detailOf(review, { url }));
    const pane = screen.getByTestId('event-detail');
    const list = document.querySelector('main')!;
    // Not inside the list's scrolling element: it never scrolls away with the list.
    expect(list.contains(pane)).toBe(false);
    expect(pane.parentElement).toBe(list.parentElement);
    expect(getComputedStyle(pane).overflowY).toBe('auto');
    // The list stays as it was (its entries, badges and buttons are still there).
    expect(entries()).toHaveLength(1);
    const link = await within(pane).findByText(url);
    expect(getComputedStyle(link).overflowWrap).toBe('anywhere');
  });

  it('closes with its button and hands focus back to the entry', async () => {
    const user = await openDetail(detailOf(review));
    await user.click(screen.getByRole('button', { name: 'Close details (Esc)' }));
    expect(screen.queryByTestId('event-detail')).toBeNull();
    expect(document.activeElement).toBe(entries()[0]);
  });
});

describe('showing a requested occurrence', () => {
  // Next week's Wednesday: outside the days shown at first.
  const nextWeek = entry('2026-12-02T15:00:00+01:00', '2026-12-02T16:00:00+01:00', { summary: 'Retro', event_id: 6 });
  const EVERYTHING = [...ALL, nextWeek];

  /** The agenda answers with the entries overlapping the asked range. */
  function withRangedEntries(list = EVERYTHING) {
    ipc.agenda.mockImplementation(async (from: number, to: number) => ({
      from: '',
      to: '',
      entries: list.filter((e) => e.start_utc < to && e.end_utc > from),
      query_ms: 1,
    }));
    ipc.eventDetail.mockImplementation(async (id: number) => {
      const found = list.find((e) => e.event_id === id);
      if (!found) throw { code: 'store.not_found', message: `No event ${id}`, detail: null };
      return detailOf(found);
    });
  }

  const paneTitle = () => screen.getByTestId('event-title').textContent?.trim();

  it('opens the detail of the occurrence taken on load', async () => {
    withRangedEntries();
    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 5, occurrence_start: thursday.start_utc });
    render(AgendaWindow);
    const pane = await screen.findByTestId('event-detail');
    expect(within(pane).getByTestId('event-title').textContent?.trim()).toBe('Thursday sync');
    expect(ipc.eventDetail).toHaveBeenCalledWith(5, thursday.start_utc);
    // Already in view: the days shown stay as they were.
    expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-23T00:00:00+01:00'), sec('2026-11-30T00:00:00+01:00'));
    const selected = entries().find((e) => e.getAttribute('aria-current') === 'true');
    expect(selected?.dataset.eventId).toBe('5');
    expect(document.activeElement).toBe(within(pane).getByTestId('event-title'));
  });

  it('moves to the occurrence day when it is not in view', async () => {
    withRangedEntries();
    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 6, occurrence_start: nextWeek.start_utc });
    render(AgendaWindow);
    await waitFor(() => expect(screen.queryByTestId('event-detail')).toBeTruthy());
    expect(paneTitle()).toBe('Retro');
    expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-12-02T00:00:00+01:00'), sec('2026-12-09T00:00:00+01:00'));
    expect(screen.getAllByRole('heading', { level: 2 })[0].textContent?.trim()).toBe('Wednesday, December 2');
    expect(ipc.eventDetail).toHaveBeenCalledWith(6, nextWeek.start_utc);
  });

  it('shows the week of the occurrence in the week grid', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withRangedEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    await user.keyboard('w');
    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 6, occurrence_start: nextWeek.start_utc });
    emitShowEvent({ event_id: 6, occurrence_start: nextWeek.start_utc });
    await waitFor(() => expect(screen.queryByTestId('event-detail')).toBeTruthy());
    expect(paneTitle()).toBe('Retro');
    expect(screen.getByTestId('view-week').getAttribute('aria-pressed')).toBe('true');
    expect(ipc.agenda).toHaveBeenLastCalledWith(sec('2026-11-29T00:00:00+01:00'), sec('2026-12-06T00:00:00+01:00'));
  });

  it('takes the request when the shell announces it, and keyboard navigation goes on from there', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    withRangedEntries();
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    expect(ipc.takeShownEvent).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('event-detail')).toBeNull();

    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 4, occurrence_start: late.start_utc });
    emitShowEvent({ event_id: 4, occurrence_start: late.start_utc });
    await waitFor(() => expect(screen.queryByTestId('event-detail')).toBeTruthy());
    expect(ipc.takeShownEvent).toHaveBeenCalledTimes(2);
    expect(paneTitle()).toBe('Night deploy');
    expect(ipc.eventDetail).toHaveBeenCalledWith(4, late.start_utc);
    // The slot on the day it starts (it goes on past midnight).
    const selected = entries().filter((e) => e.getAttribute('aria-current') === 'true');
    expect(selected).toHaveLength(1);
    expect(selected[0].closest('section')?.getAttribute('aria-labelledby')).toBe('day-2026-11-24');

    await user.keyboard('j');
    await waitFor(() => expect(paneTitle()).toBe('Night deploy')); // its second day
    await user.keyboard('j');
    await waitFor(() => expect(paneTitle()).toBe('Thursday sync'));
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('event-detail')).toBeNull();
    expect(document.activeElement).toBe(entries().find((e) => e.dataset.eventId === '5'));
  });

  it('ignores an announcement whose request was already taken', async () => {
    withRangedEntries();
    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 1, occurrence_start: standup.start_utc });
    render(AgendaWindow);
    await screen.findByTestId('event-detail');
    // The announcement of the same request comes second: nothing is waiting any more.
    emitShowEvent({ event_id: 1, occurrence_start: standup.start_utc });
    await waitFor(() => expect(ipc.takeShownEvent).toHaveBeenCalledTimes(2));
    expect(paneTitle()).toBe('Standup');
    expect(ipc.eventDetail).toHaveBeenCalledTimes(1);
  });

  it('says so inline when the event no longer exists', async () => {
    withRangedEntries();
    ipc.takeShownEvent.mockResolvedValueOnce({ event_id: 99, occurrence_start: sec('2026-11-25T09:00:00+01:00') });
    render(AgendaWindow);
    const error = await screen.findByTestId('error');
    expect(error.textContent).toContain('No event 99');
    expect(error.textContent).toContain('store.not_found');
    expect(ipc.eventDetail).toHaveBeenCalledWith(99, sec('2026-11-25T09:00:00+01:00'));
    expect(screen.queryByTestId('event-detail')).toBeNull();
    expect(entries()).toHaveLength(6);
  });

  it('opens an occurrence missing from the agenda from its details', async () => {
    withRangedEntries();
    // The event exists but the agenda does not list this occurrence (e.g. it changed since).
    const moved = { event_id: 5, occurrence_start: sec('2026-11-26T16:00:00+01:00') };
    ipc.takeShownEvent.mockResolvedValueOnce(moved);
    render(AgendaWindow);
    const pane = await screen.findByTestId('event-detail');
    await waitFor(() => expect(within(pane).getByTestId('event-title').textContent?.trim()).toBe('Thursday sync'));
    expect(pane.textContent).toContain('Thursday, November 26 · 4:00 PM – 5:00 PM');
    expect(ipc.eventDetail).toHaveBeenCalledWith(5, moved.occurrence_start);
  });

  it('survives a failing take', async () => {
    withRangedEntries();
    ipc.takeShownEvent.mockRejectedValueOnce({ code: 'ipc', message: 'no bridge', detail: null });
    render(AgendaWindow);
    await waitFor(() => expect(entries()).toHaveLength(6));
    expect(screen.queryByTestId('error')).toBeNull();
  });
});
