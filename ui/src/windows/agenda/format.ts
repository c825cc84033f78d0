/** Texts of an agenda entry as the list and the grid write them. */
import type { Formats } from '../../shared/time';
import { isAllDay, type DaySlot } from './layout';

/** An entry's time on one day. */
export function slotTime(slot: DaySlot, fmt: Formats): string {
  const { entry, fromBefore, goesOn } = slot;
  if (isAllDay(entry) || (fromBefore && goesOn)) return 'All day';
  if (fromBefore) return `until ${fmt.time(entry.end)}`;
  if (goesOn) return `${fmt.time(entry.start)} →`;
  if (entry.end === entry.start) return fmt.time(entry.start);
  return `${fmt.time(entry.start)} – ${fmt.time(entry.end)}`;
}

/**
 * The longest time texts the list can show with this clock (two-digit hours on both
 * sides, morning and evening: day-period words differ in length). Every row's time
 * column holds them invisibly, so all rows get one column that fits any range.
 */
export function timeSizers(fmt: Formats): string[] {
  const at = (hhmm: string) => fmt.time(`2000-01-01T${hhmm}`);
  return [`${at('10:00')} – ${at('11:00')}`, `${at('22:00')} – ${at('23:00')}`];
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const EDGE_RE = /^[\s,;|·/–—-]+|[\s,;|·/–—-]+$/g;

function hostOf(url: string): string | null {
  try {
    return new URL(/^www\./i.test(url) ? `https://${url}` : url).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

/**
 * Where an entry happens, as the list writes it: the location without raw links,
 * and the meeting service's name where there is a join link ("Room 4.2 · Zoom",
 * "Google Meet"). A link that is not a meeting reads as its site's name.
 */
export function placeText(location: string | null, link: { service_name: string } | null): string | null {
  const urls = location?.match(URL_RE) ?? [];
  const place = location?.replace(URL_RE, ' ').replace(/\s+/g, ' ').replace(EDGE_RE, '') || null;
  const service = link?.service_name ?? null;
  if (place && service) return place.toLowerCase().includes(service.toLowerCase()) ? place : `${place} · ${service}`;
  return place ?? service ?? (urls[0] ? hostOf(urls[0]) : null);
}
