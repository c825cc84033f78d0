/** Text for an entry's time on one day, as the list and the detail pane show it. */
import { formatTime } from '../../shared/time';
import { isAllDay, type DaySlot } from './layout';

export function slotTime(slot: DaySlot): string {
  const { entry, fromBefore, goesOn } = slot;
  if (isAllDay(entry) || (fromBefore && goesOn)) return 'All day';
  if (fromBefore) return `until ${formatTime(entry.end)}`;
  if (goesOn) return `${formatTime(entry.start)} →`;
  if (entry.end === entry.start) return formatTime(entry.start);
  return `${formatTime(entry.start)} – ${formatTime(entry.end)}`;
}
