/**
 * Finding the occurrence the shell asked the agenda to show (a reminder or a tray
 * item was clicked): among the view's slots, or, when the view does not hold it,
 * as a stand-alone slot built from the event's details.
 */
import type { AgendaEntry, EventDetail, ShowEvent } from '../../platform/ipc';
import { addDays, datePart, isDateOnly, localDate, userTimeZone, wallTimeIn, type DateStr } from '../../shared/time';
import { entryKey, type DaySlot } from './layout';

/** The local date an occurrence starts on: the day the view must show. */
export function shownDate(request: ShowEvent): DateStr {
  return localDate(new Date(request.occurrence_start * 1000));
}

/**
 * The slot of the requested occurrence: the event's entry starting at that instant
 * (or, failing that, running over it), on the requested date when it spans several.
 */
export function slotFor(order: DaySlot[], request: ShowEvent, date: DateStr = shownDate(request)): DaySlot | null {
  const ofEvent = order.filter((s) => s.entry.event_id === request.event_id);
  const at = request.occurrence_start;
  let pool = ofEvent.filter((s) => s.entry.start_utc === at);
  if (pool.length === 0) pool = ofEvent.filter((s) => s.entry.start_utc <= at && at < s.entry.end_utc);
  return pool.find((s) => s.date === date) ?? pool[0] ?? null;
}

/**
 * A slot for an occurrence the view does not hold, from its event's details (for
 * the detail pane). When the details describe another occurrence of the series,
 * the times are moved to the requested one.
 */
export function slotFromDetail(detail: EventDetail, request: ShowEvent): DaySlot {
  const shift = request.occurrence_start - detail.start_utc;
  let start = detail.start;
  let end = detail.end;
  if (shift !== 0) {
    if (detail.all_day || isDateOnly(start)) {
      const days = Math.round(shift / 86_400);
      start = addDays(datePart(start), days);
      end = addDays(datePart(end), days);
    } else {
      const zone = userTimeZone();
      start = wallTimeIn(request.occurrence_start, zone) ?? start;
      end = wallTimeIn(detail.end_utc + shift, zone) ?? end;
    }
  }
  const entry: AgendaEntry = {
    start,
    end,
    start_utc: request.occurrence_start,
    end_utc: detail.end_utc + shift,
    all_day: detail.all_day,
    floating: detail.floating,
    summary: detail.summary,
    location: detail.location,
    status: detail.status,
    uid: detail.uid,
    recurrence_id: '',
    calendar: detail.calendar,
    color: detail.color,
    source_id: detail.source_id,
    calendar_id: detail.calendar_id,
    pending: detail.pending,
    event_id: detail.event_id,
  };
  const date = datePart(start);
  return { key: `${entryKey(entry)}@${date}`, entry, date, fromBefore: false, goesOn: false, startMin: 0, endMin: 0 };
}
