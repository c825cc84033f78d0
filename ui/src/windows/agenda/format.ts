/** Text for an entry's time on one day, as the list and the detail pane show it. */
import type { Formats } from '../../shared/time';
import { isAllDay, type DaySlot } from './layout';

export function slotTime(slot: DaySlot, fmt: Formats): string {
  const { entry, fromBefore, goesOn } = slot;
  if (isAllDay(entry) || (fromBefore && goesOn)) return 'All day';
  if (fromBefore) return `until ${fmt.time(entry.end)}`;
  if (goesOn) return `${fmt.time(entry.start)} →`;
  if (entry.end === entry.start) return fmt.time(entry.start);
  return `${fmt.time(entry.start)} – ${fmt.time(entry.end)}`;
}
