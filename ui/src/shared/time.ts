/**
 * Time helpers for the agenda.
 *
 * The shell sends timed entries as RFC 3339 strings already in the user's zone
 * ("2026-11-21T09:00:00+01:00") and all-day entries as plain dates
 * ("2026-11-21", end exclusive). Placement and formatting read the wall-clock
 * fields of those strings directly: nothing here converts a date through a time
 * zone, so an all-day event stays on its date whatever zone the machine is in.
 * Only "now" and the range sent to the shell use the machine's local zone.
 */

/** A calendar date, "YYYY-MM-DD". */
export type DateStr = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/;

export const MINUTES_PER_DAY = 24 * 60;

export function isDateOnly(value: string): boolean {
  return DATE_RE.test(value);
}

function dateParts(date: DateStr): [number, number, number] {
  const m = DATE_RE.exec(date.slice(0, 10));
  if (!m) throw new RangeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The calendar date of a date or RFC 3339 string, as written. */
export function datePart(value: string): DateStr {
  return value.slice(0, 10);
}

/** Minutes since midnight of the wall-clock time written in an RFC 3339 string (0 for a date). */
export function minutesOfDay(value: string): number {
  const m = WALL_RE.exec(value);
  return m ? Number(m[4]) * 60 + Number(m[5]) : 0;
}

/** A calendar date as a UTC instant: only used for date arithmetic and formatting with timeZone UTC. */
function utcDate(date: DateStr, minutes = 0): Date {
  const [y, m, d] = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d, 0, minutes));
}

function toDateStr(date: Date): DateStr {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: DateStr, days: number): DateStr {
  const d = utcDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return toDateStr(d);
}

/** Whole days from `a` to `b` (negative when b is before a). */
export function daysBetween(a: DateStr, b: DateStr): number {
  return Math.round((utcDate(b).getTime() - utcDate(a).getTime()) / 86_400_000);
}

/** Monday of the ISO week holding `date`. */
export function startOfWeek(date: DateStr): DateStr {
  const dow = (utcDate(date).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(date, -dow);
}

/** Today's date on this machine. */
export function localDate(now: Date): DateStr {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** "Now" as the agenda views need it. */
export type Clock = {
  /** Today's local date. */
  today: DateStr;
  /** Minutes since local midnight. */
  minutes: number;
  /** Unix seconds. */
  seconds: number;
  /** The time of day as the user reads it ("10:30 AM"). */
  text: string;
};

export function clockAt(now: Date): Clock {
  const today = localDate(now);
  const hh = String(now.getHours()).padStart(2, '0');
  const mm = String(now.getMinutes()).padStart(2, '0');
  return { today, minutes: localMinutes(now), seconds: Math.floor(now.getTime() / 1000), text: formatTime(`${today}T${hh}:${mm}`) };
}

/** Minutes since local midnight. */
export function localMinutes(now: Date): number {
  return now.getHours() * 60 + now.getMinutes() + now.getSeconds() / 60;
}

/** Unix seconds of local midnight at the start of `date`: the agenda's range bounds. */
export function localMidnight(date: DateStr): number {
  const [y, m, d] = dateParts(date);
  return Math.floor(new Date(y, m - 1, d).getTime() / 1000);
}

/**
 * The user's locale for formatting, or undefined (the runtime's default) when the
 * system's is not a valid BCP 47 tag: a POSIX `LANG=C` session reports "C", which
 * `Intl` rejects with a RangeError that would stop the whole window from rendering.
 */
export function locale(): string | undefined {
  const tag = typeof navigator !== 'undefined' ? navigator.language : undefined;
  if (!tag) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The user's IANA zone, as the webview sees it. */
export function userTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const timeFormat = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = timeFormat.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), { ...options, timeZone: 'UTC' });
    timeFormat.set(key, f);
  }
  return f;
}

/** "9:00 AM" / "09:00": the wall-clock time written in the string, in the user's locale. */
export function formatTime(value: string): string {
  return formatter('time', { hour: 'numeric', minute: '2-digit' }).format(utcDate(datePart(value), minutesOfDay(value)));
}

/** "Monday 23 November" (order and words from the locale). */
export function formatDate(date: DateStr): string {
  return formatter('date', { weekday: 'long', day: 'numeric', month: 'long' }).format(utcDate(date));
}

/** "Mon 23" for week-grid column heads (the locale's words, always weekday first). */
export function formatShortDay(date: DateStr): string {
  const parts = formatter('short', { weekday: 'short', day: 'numeric' }).formatToParts(utcDate(date));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')}`;
}

/** "23 – 29 November 2026" style range label. */
export function formatRange(first: DateStr, last: DateStr): string {
  return formatter('range', { day: 'numeric', month: 'short', year: 'numeric' }).formatRange(utcDate(first), utcDate(last));
}

/** "Today", "Tomorrow", "Yesterday", else the weekday and date. */
export function dayLabel(date: DateStr, today: DateStr): string {
  const diff = daysBetween(today, date);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Tomorrow';
  if (diff === -1) return 'Yesterday';
  return formatDate(date);
}

/** Local date and time of an instant (unix seconds) in a named zone, as "YYYY-MM-DDTHH:MM"; null for an unknown zone. */
export function wallTimeIn(unixSeconds: number, timeZone: string): string | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(unixSeconds * 1000));
  } catch {
    return null;
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/**
 * A relative phrase for an instant: "in 5 min", "3 h ago", "just now".
 *
 * `at` comes from the engine's clock and `now` from the window's (refreshed once a
 * minute), so an instant that has just happened can look up to a minute ahead.
 * Anything less than a whole minute away either way is therefore "just now" (whole
 * minutes are counted, never rounded up), and with `past` (a last sync, which cannot
 * be in the future) an instant ahead of `now` is "just now" too: a past instant never
 * reads as "in 1 min".
 */
export function relativeTime(at: string | null, now: Date, { past = false }: { past?: boolean } = {}): string | null {
  if (!at) return null;
  const t = Date.parse(at);
  if (Number.isNaN(t)) return at;
  const ahead = t > now.getTime();
  if (past && ahead) return 'just now';
  const minutes = Math.floor(Math.abs(t - now.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  let phrase: string;
  if (minutes < 60) phrase = `${minutes} min`;
  else if (minutes < 48 * 60) phrase = `${Math.round(minutes / 60)} h`;
  else phrase = `${Math.round(minutes / 1440)} days`;
  return ahead ? `in ${phrase}` : `${phrase} ago`;
}
