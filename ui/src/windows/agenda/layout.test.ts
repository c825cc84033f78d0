import { describe, expect, it } from 'vitest';
import { entry } from '../../test/fixtures';
import {
  assignLanes,
  dayPercent,
  entryDays,
  groupByDay,
  HOUR_PX,
  isRunning,
  isShortBlock,
  nowIndex,
  scrollTopFor,
  slotsOf,
  stepWeek,
  weekColumns,
  weekOrder,
  weekViewStart,
} from './layout';

const MONDAY = '2026-11-23';

describe('day grouping', () => {
  it('groups by the date written in the entry, sorted with all-day first', () => {
    const a = entry('2026-11-23T14:00:00+01:00', '2026-11-23T15:00:00+01:00', { summary: 'Afternoon' });
    const b = entry('2026-11-23T09:00:00+01:00', '2026-11-23T09:30:00+01:00', { summary: 'Standup' });
    const c = entry('2026-11-23', '2026-11-24', { summary: 'Holiday' });
    const d = entry('2026-11-25T08:00:00+01:00', '2026-11-25T09:00:00+01:00', { summary: 'Wed' });
    const groups = groupByDay([a, b, c, d], MONDAY, 7);
    expect(groups.map((g) => g.date)).toEqual(['2026-11-23', '2026-11-25']);
    expect(groups[0].slots.map((s) => s.entry.summary)).toEqual(['Holiday', 'Standup', 'Afternoon']);
  });

  it('keeps an all-day date on its date whatever the zone (no conversion)', () => {
    // An all-day date string parsed as UTC midnight and shown in a zone west of
    // UTC would land on the previous day; here it must not move.
    const allDay = entry('2026-11-24', '2026-11-25', { summary: 'Tuesday all day' });
    const [group] = groupByDay([allDay], MONDAY, 7);
    expect(group.date).toBe('2026-11-24');
    expect(group.slots).toHaveLength(1);
  });

  it('puts a multi-day all-day event on each day, end exclusive', () => {
    const trip = entry('2026-11-22', '2026-11-25', { summary: 'Trip' });
    expect(entryDays(trip)).toEqual(['2026-11-22', '2026-11-24']);
    const groups = groupByDay([trip], MONDAY, 7);
    // Sunday the 22nd is before the range: only Mon and Tue show.
    expect(groups.map((g) => g.date)).toEqual(['2026-11-23', '2026-11-24']);
    expect(groups[0].slots[0].fromBefore).toBe(true);
    expect(groups[1].slots[0].goesOn).toBe(false);
  });

  it('shows an event crossing midnight on both days', () => {
    const late = entry('2026-11-23T23:00:00+01:00', '2026-11-24T01:30:00+01:00', { summary: 'Late' });
    const groups = groupByDay([late], MONDAY, 7);
    expect(groups.map((g) => g.date)).toEqual(['2026-11-23', '2026-11-24']);
    const [first, second] = groups.map((g) => g.slots[0]);
    expect(first).toMatchObject({ startMin: 23 * 60, endMin: 1440, goesOn: true, fromBefore: false });
    expect(second).toMatchObject({ startMin: 0, endMin: 90, goesOn: false, fromBefore: true });
    expect(first.key).not.toBe(second.key);
  });

  it('does not put an event ending exactly at midnight on the next day', () => {
    const e = entry('2026-11-23T22:00:00+01:00', '2026-11-24T00:00:00+01:00');
    expect(groupByDay([e], MONDAY, 7).map((g) => g.date)).toEqual(['2026-11-23']);
    expect(slotsOf(e, MONDAY, 7)[0].endMin).toBe(1440);
  });

  it('drops entries outside the range', () => {
    const before = entry('2026-11-22T10:00:00+01:00', '2026-11-22T11:00:00+01:00');
    const after = entry('2026-11-30T10:00:00+01:00', '2026-11-30T11:00:00+01:00');
    expect(groupByDay([before, after], MONDAY, 7)).toEqual([]);
  });

  it('places the now marker after what has started', () => {
    const a = entry('2026-11-23', '2026-11-24');
    const b = entry('2026-11-23T09:00:00+01:00', '2026-11-23T10:00:00+01:00');
    const c = entry('2026-11-23T11:00:00+01:00', '2026-11-23T12:00:00+01:00');
    const [g] = groupByDay([a, b, c], MONDAY, 7);
    expect(nowIndex(g.slots, 10 * 60 + 30)).toBe(2);
    expect(nowIndex(g.slots, 8 * 60)).toBe(1);
    expect(nowIndex(g.slots, 23 * 60)).toBe(3);
  });
});

describe('running events', () => {
  const now = Date.parse('2026-11-23T10:30:00+01:00') / 1000;
  it('uses instants for timed events and dates for all-day ones', () => {
    expect(isRunning(entry('2026-11-23T10:00:00+01:00', '2026-11-23T11:00:00+01:00'), now, MONDAY)).toBe(true);
    expect(isRunning(entry('2026-11-23T11:00:00+01:00', '2026-11-23T12:00:00+01:00'), now, MONDAY)).toBe(false);
    expect(isRunning(entry('2026-11-23T09:00:00+01:00', '2026-11-23T10:30:00+01:00'), now, MONDAY)).toBe(false);
    expect(isRunning(entry('2026-11-22', '2026-11-24'), now, MONDAY)).toBe(true);
    expect(isRunning(entry('2026-11-22', '2026-11-23'), now, MONDAY)).toBe(false);
  });
});

describe('week grid placement', () => {
  it('builds seven columns with all-day and timed entries on their dates', () => {
    const cols = weekColumns(
      [
        entry('2026-11-25', '2026-11-26', { summary: 'All day Wed' }),
        entry('2026-11-24T09:00:00+01:00', '2026-11-24T10:30:00+01:00', { summary: 'Tue 9' }),
        entry('2026-11-29T23:00:00+01:00', '2026-11-30T02:00:00+01:00', { summary: 'Sun night' }),
      ],
      MONDAY,
    );
    expect(cols.map((c) => c.date)).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
    ]);
    expect(cols[2].allDay.map((s) => s.entry.summary)).toEqual(['All day Wed']);
    expect(cols[1].timed[0]).toMatchObject({ startMin: 540, endMin: 630, lane: 0, lanes: 1 });
    // Crossing into next week: only the part on Sunday shows.
    expect(cols[6].timed[0]).toMatchObject({ startMin: 1380, endMin: 1440, goesOn: true });
  });

  it('lays overlapping events side by side and reuses free lanes', () => {
    const mk = (s: string, e: string, summary: string) =>
      slotsOf(entry(`2026-11-23T${s}:00+01:00`, `2026-11-23T${e}:00+01:00`, { summary }), MONDAY, 7)[0];
    const blocks = assignLanes([mk('09:00', '10:00', 'A'), mk('09:30', '11:00', 'B'), mk('10:00', '10:30', 'C'), mk('12:00', '13:00', 'D')]);
    const by = Object.fromEntries(blocks.map((b) => [b.entry.summary, b]));
    expect([by.A.lane, by.B.lane, by.C.lane]).toEqual([0, 1, 0]);
    expect([by.A.lanes, by.B.lanes, by.C.lanes]).toEqual([2, 2, 2]);
    expect([by.D.lane, by.D.lanes]).toEqual([0, 1]);
  });

  it('walks the week column by column for the keyboard', () => {
    const cols = weekColumns(
      [
        entry('2026-11-24T08:00:00+01:00', '2026-11-24T09:00:00+01:00', { summary: 'Tue' }),
        entry('2026-11-23T15:00:00+01:00', '2026-11-23T16:00:00+01:00', { summary: 'Mon late' }),
        entry('2026-11-23', '2026-11-24', { summary: 'Mon all day' }),
      ],
      MONDAY,
    );
    expect(weekOrder(cols).map((s) => s.entry.summary)).toEqual(['Mon all day', 'Mon late', 'Tue']);
  });

  it('positions the now line by minutes of the day', () => {
    expect(dayPercent(0)).toBe(0);
    expect(dayPercent(12 * 60)).toBe(50);
    expect(dayPercent(18 * 60)).toBe(75);
    expect(dayPercent(2000)).toBe(100);
  });
});

describe('which week the grid shows', () => {
  // Saturday 28 and Sunday 29 November 2026.
  it('shows the calendar week, from the preferred first day', () => {
    expect(weekViewStart('2026-11-25', 1)).toBe('2026-11-23');
    expect(weekViewStart('2026-11-25', 0)).toBe('2026-11-22');
    expect(weekViewStart('2026-11-28', 1)).toBe('2026-11-23');
    expect(weekViewStart('2026-11-29', 0)).toBe('2026-11-29');
  });

  it('rolls to today and the coming days on the last day of the week', () => {
    expect(weekViewStart('2026-11-29', 1)).toBe('2026-11-29');
    expect(weekViewStart('2026-11-28', 0)).toBe('2026-11-28');
    expect(weekViewStart('2026-11-27', 6)).toBe('2026-11-27');
  });

  it('steps whole calendar weeks, also from a rolling window', () => {
    expect(stepWeek('2026-11-23', 1, 1)).toBe('2026-11-30');
    expect(stepWeek('2026-11-23', -1, 1)).toBe('2026-11-16');
    // From Sunday's rolling window: next week, or back to this week.
    expect(stepWeek('2026-11-29', 1, 1)).toBe('2026-11-30');
    expect(stepWeek('2026-11-29', -1, 1)).toBe('2026-11-23');
  });
});

describe('week grid sizes', () => {
  const block = (s: string, e: string) =>
    slotsOf(entry(`2026-11-23T${s}:00+01:00`, `2026-11-23T${e}:00+01:00`), MONDAY, 7)[0];

  it('gives short blocks one line', () => {
    expect(isShortBlock(block('09:00', '09:00'))).toBe(true);
    expect(isShortBlock(block('09:00', '09:15'))).toBe(true);
    expect(isShortBlock(block('09:00', '09:30'))).toBe(true);
    expect(isShortBlock(block('09:00', '09:45'))).toBe(false);
    expect(isShortBlock(block('09:00', '10:00'))).toBe(false);
  });

  it('scrolls to the current time with some of the past above it', () => {
    expect(scrollTopFor(10.5 * 60, 0)).toBe(10.5 * HOUR_PX - HOUR_PX);
    expect(scrollTopFor(21 * 60, 600)).toBe(21 * HOUR_PX - 200);
    expect(scrollTopFor(20, 600)).toBe(0);
  });
});
