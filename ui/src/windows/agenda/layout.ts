/**
 * Pure placement of agenda entries: into day groups for the list and into the
 * columns of the week grid. Days come from the wall-clock dates written in the
 * entries (see shared/time.ts); an entry that spans several days appears on each
 * of them, marked as continuing.
 */
import type { AgendaEntry, JoinLink } from '../../platform/ipc';
import {
  addDays,
  datePart,
  isDateOnly,
  MINUTES_PER_DAY,
  minutesOfDay,
  startOfWeek,
  type DateStr,
} from '../../shared/time';

/** One appearance of an entry on one day. */
export type DaySlot = {
  /** Unique among all slots of a view; also the keyboard-selection key. */
  key: string;
  entry: AgendaEntry;
  date: DateStr;
  /** Started on an earlier day. */
  fromBefore: boolean;
  /** Goes on after this day. */
  goesOn: boolean;
  /** Minutes since midnight this slot starts and ends on its day (0..1440). */
  startMin: number;
  endMin: number;
};

export type DayGroup = { date: DateStr; slots: DaySlot[] };

/** First and last calendar date an entry occupies (inclusive). */
export function entryDays(entry: AgendaEntry): [DateStr, DateStr] {
  const first = datePart(entry.start);
  if (entry.all_day || isDateOnly(entry.start)) {
    // All-day end is exclusive; a missing or inverted end is a one-day event.
    const end = datePart(entry.end);
    const last = isDateOnly(end) && end > first ? addDays(end, -1) : first;
    return [first, last];
  }
  let last = datePart(entry.end);
  // Ending exactly at midnight does not put the event on the next day.
  if (last > first && minutesOfDay(entry.end) === 0) last = addDays(last, -1);
  return [first, last < first ? first : last];
}

export function entryKey(entry: AgendaEntry): string {
  return `${entry.source_id}:${entry.event_id}:${entry.recurrence_id}:${entry.start}`;
}

/** The slots of one entry on the days it covers within [firstDay, firstDay + days). */
export function slotsOf(entry: AgendaEntry, firstDay: DateStr, days: number): DaySlot[] {
  const [first, last] = entryDays(entry);
  const viewLast = addDays(firstDay, days - 1);
  const from = first > firstDay ? first : firstDay;
  const to = last < viewLast ? last : viewLast;
  const allDay = entry.all_day || isDateOnly(entry.start);
  const slots: DaySlot[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const fromBefore = d > first;
    const goesOn = d < last;
    slots.push({
      key: `${entryKey(entry)}@${d}`,
      entry,
      date: d,
      fromBefore,
      goesOn,
      startMin: allDay || fromBefore ? 0 : minutesOfDay(entry.start),
      // Not going on but ending on a later date means ending at that midnight.
      endMin: allDay || goesOn || datePart(entry.end) > d ? MINUTES_PER_DAY : minutesOfDay(entry.end),
    });
  }
  return slots;
}

export function isAllDay(entry: AgendaEntry): boolean {
  return entry.all_day || isDateOnly(entry.start);
}

function compareSlots(a: DaySlot, b: DaySlot): number {
  const allDay = Number(isAllDay(b.entry)) - Number(isAllDay(a.entry));
  if (allDay !== 0) return allDay;
  return a.startMin - b.startMin || a.endMin - b.endMin || a.entry.summary.localeCompare(b.entry.summary);
}

/** Day groups for the list: only days with something on them, each sorted (all-day first, then by time). */
export function groupByDay(entries: AgendaEntry[], firstDay: DateStr, days: number): DayGroup[] {
  const byDate = new Map<DateStr, DaySlot[]>();
  for (const entry of entries) {
    for (const slot of slotsOf(entry, firstDay, days)) {
      const list = byDate.get(slot.date);
      if (list) list.push(slot);
      else byDate.set(slot.date, [slot]);
    }
  }
  return [...byDate.keys()]
    .sort()
    .map((date) => ({ date, slots: byDate.get(date)!.sort(compareSlots) }));
}

/** Is the entry happening at `nowSec` (unix seconds) / on `today`? */
export function isRunning(entry: AgendaEntry, nowSec: number, today: DateStr): boolean {
  if (isAllDay(entry)) {
    const [first, last] = entryDays(entry);
    return first <= today && today <= last;
  }
  return entry.start_utc <= nowSec && nowSec < entry.end_utc;
}

/** Index in a sorted day's slots before which the "now" marker goes: after everything already started. */
export function nowIndex(slots: DaySlot[], nowMin: number): number {
  let i = 0;
  while (i < slots.length && (isAllDay(slots[i].entry) || slots[i].startMin <= nowMin)) i++;
  return i;
}

/** A timed slot placed in a week-grid column. */
export type GridBlock = DaySlot & {
  /** Side-by-side placement among overlapping blocks. */
  lane: number;
  lanes: number;
};

export type WeekColumn = { date: DateStr; allDay: DaySlot[]; timed: GridBlock[] };

/** Shortest drawn block, so a zero-length event is still clickable. */
export const MIN_BLOCK_MINUTES = 20;

/** Lays overlapping blocks of one column side by side: greedy lanes per cluster of overlaps. */
export function assignLanes(slots: DaySlot[]): GridBlock[] {
  const sorted = [...slots].sort(compareSlots);
  const blocks: GridBlock[] = [];
  let cluster: GridBlock[] = [];
  let laneEnds: number[] = [];
  let clusterEnd = -1;
  const close = () => {
    for (const b of cluster) b.lanes = laneEnds.length;
    cluster = [];
    laneEnds = [];
  };
  for (const slot of sorted) {
    const end = Math.max(slot.endMin, slot.startMin + MIN_BLOCK_MINUTES);
    if (slot.startMin >= clusterEnd) close();
    let lane = laneEnds.findIndex((e) => e <= slot.startMin);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(end);
    } else {
      laneEnds[lane] = end;
    }
    const block: GridBlock = { ...slot, lane, lanes: 1 };
    cluster.push(block);
    blocks.push(block);
    clusterEnd = Math.max(clusterEnd, end);
  }
  close();
  return blocks;
}

/**
 * The first day the week grid shows while it follows today.
 *
 * Normally the calendar week holding today, starting on the user's first day of
 * the week: "this week" stays put all week and ←/→ step whole weeks. On the last
 * day of that week, though, it would be six past days and one evening; the grid is
 * for what is coming, so it rolls instead: today and the six days after it (most
 * of next week). A rolling window every day would move the columns under the
 * user daily; a jump to next week would hide tonight. ←/→ from there go back to
 * calendar weeks (see `stepWeek`).
 */
export function weekViewStart(today: DateStr, weekStart: number, days = 7): DateStr {
  const first = startOfWeek(today, weekStart);
  return addDays(first, days - 1) === today ? today : first;
}

/** The calendar week before or after the one the grid shows (which may be a rolling one). */
export function stepWeek(first: DateStr, direction: 1 | -1, weekStart: number, days = 7): DateStr {
  // From a rolling window starting mid-week, back is the calendar week holding its
  // day before (this week), forward the one after its last week start (next week).
  return direction === 1 ? startOfWeek(addDays(first, days), weekStart) : startOfWeek(addDays(first, -1), weekStart);
}

/** Height of an hour in the week grid, in CSS pixels. */
export const HOUR_PX = 48;

/**
 * Blocks shorter than this show their title only (one line, the rest in a
 * tooltip): at HOUR_PX a line of 11px text takes about 17 minutes, so below
 * 40 minutes a second line (the time) would be cut.
 */
export const SHORT_BLOCK_MINUTES = 40;

export function isShortBlock(slot: DaySlot): boolean {
  return Math.max(slot.endMin - slot.startMin, MIN_BLOCK_MINUTES) < SHORT_BLOCK_MINUTES;
}

/**
 * Where the week grid's body scrolls to so the current time shows, with some of
 * what just happened above it: a third of the view, at least an hour.
 */
export function scrollTopFor(minutes: number, viewHeight: number): number {
  const at = (minutes / 60) * HOUR_PX;
  return Math.max(0, Math.round(at - Math.max(viewHeight / 3, HOUR_PX)));
}

/** The seven columns of the week starting at `first`. */
export function weekColumns(entries: AgendaEntry[], first: DateStr, days = 7): WeekColumn[] {
  const columns: WeekColumn[] = [];
  const slotsByDate = new Map<DateStr, DaySlot[]>();
  for (const entry of entries) {
    for (const slot of slotsOf(entry, first, days)) {
      const list = slotsByDate.get(slot.date) ?? [];
      list.push(slot);
      slotsByDate.set(slot.date, list);
    }
  }
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    const slots = slotsByDate.get(date) ?? [];
    columns.push({
      date,
      allDay: slots.filter((s) => isAllDay(s.entry)).sort(compareSlots),
      timed: assignLanes(slots.filter((s) => !isAllDay(s.entry))),
    });
  }
  return columns;
}

/** The order keyboard navigation walks: column by column, all-day first, then by time. */
export function weekOrder(columns: WeekColumn[]): DaySlot[] {
  return columns.flatMap((c) => [...c.allDay, ...[...c.timed].sort(compareSlots)]);
}

/** Vertical position of a time of day in the grid, as a percentage of the day's height. */
export function dayPercent(minutes: number): number {
  return (Math.min(Math.max(minutes, 0), MINUTES_PER_DAY) / MINUTES_PER_DAY) * 100;
}

/** An entry's join link while it can still be joined (not ended, not cancelled). */
export function joinableLink(slot: DaySlot, links: Map<number, JoinLink>, nowSeconds: number): JoinLink | null {
  const link = links.get(slot.entry.event_id);
  if (!link || slot.entry.status?.toUpperCase() === 'CANCELLED' || slot.entry.end_utc <= nowSeconds) return null;
  return link;
}
