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

/**
 * The first day of the week holding `date`, for weeks starting on `weekStart`
 * (0 Sunday, 1 Monday, … 6 Saturday, as the app's display preferences say).
 */
export function startOfWeek(date: DateStr, weekStart = 1): DateStr {
  const first = Number.isInteger(weekStart) ? ((weekStart % 7) + 7) % 7 : 1;
  const back = (utcDate(date).getUTCDay() - first + 7) % 7;
  return addDays(date, -back);
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

export function clockAt(now: Date, prefs?: TimePrefs): Clock {
  const today = localDate(now);
  const hh = String(now.getHours()).padStart(2, '0');
  const mm = String(now.getMinutes()).padStart(2, '0');
  const text = formats(prefs).time(`${today}T${hh}:${mm}`);
  return { today, minutes: localMinutes(now), seconds: Math.floor(now.getTime() / 1000), text };
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

/**
 * How the user wants times and dates written: the app's display preferences
 * (`DisplayPrefs` from `appState()`), which the tray, notifications and CLI follow too.
 */
export type TimePrefs = { hour12: boolean; locale: string };

/** Date and time formatting for one set of preferences (or the system's, without). */
export type Formats = {
  /** "9:00 AM" / "09:00": the wall-clock time written in the string. */
  time(value: string): string;
  /** An hour of the week grid's gutter: "12 AM" … "11 PM", or "00:00" … "23:00". */
  hour(hour: number): string;
  /** "Monday, November 23" (order and words from the locale). */
  date(date: DateStr): string;
  /** "Mon 23" for week-grid column heads (the locale's words, always weekday first). */
  shortDay(date: DateStr): string;
  /** "Nov 23 – 29, 2026" style range label. */
  range(first: DateStr, last: DateStr): string;
  /** "Today", "Tomorrow", "Yesterday", else the weekday and date. */
  dayLabel(date: DateStr, today: DateStr): string;
};

/** A valid BCP 47 tag for Intl, else the system's (a bad tag would throw and blank the window). */
function usableLocale(tag: string | undefined): string | undefined {
  if (!tag) return locale();
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? locale();
  } catch {
    return locale();
  }
}

/**
 * Options that write hours on the user's clock. `hour12` is always explicit (the
 * user's choice, not the locale's habit), but some engines resolve it to a cycle
 * nobody uses: `hour12: false` to h24 for 12-hour locales ("24:05" at five past
 * midnight, Node 20 does this for en-US) and `hour12: true` to h11 for 24-hour
 * ones ("0:05 AM" in en-GB). Those are pinned to h23 and h12; Japanese keeps h11,
 * which is how it writes a 12-hour clock (午前0:05).
 */
function clockOptions(tag: string | undefined, hour12: boolean): Intl.DateTimeFormatOptions {
  const cycle = new Intl.DateTimeFormat(tag, { hour: 'numeric', hour12, timeZone: 'UTC' }).resolvedOptions().hourCycle;
  if (!hour12 && cycle === 'h24') return { hourCycle: 'h23' };
  if (hour12 && cycle === 'h11' && !/^ja\b/.test(tag ?? '')) return { hourCycle: 'h12' };
  return { hour12 };
}

const formatsCache = new Map<string, Formats>();

/**
 * Formatting with the user's clock and locale. Without preferences it is the
 * system's locale and clock (the settings window's previews). Dates are
 * formatted in UTC from their written fields, so nothing moves through a zone.
 */
export function formats(prefs?: TimePrefs): Formats {
  const tag = usableLocale(prefs?.locale);
  const key = `${tag ?? ''}|${prefs ? String(prefs.hour12) : 'system'}`;
  const cached = formatsCache.get(key);
  if (cached) return cached;

  const clock = prefs ? clockOptions(tag, prefs.hour12) : {};
  const make = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(tag, { ...options, timeZone: 'UTC' });
  const timeF = make({ hour: 'numeric', minute: '2-digit', ...clock });
  // A 12-hour gutter reads best as bare hours ("3 PM"); a 24-hour one as "15:00".
  const twelve = timeF.resolvedOptions().hourCycle === 'h12' || timeF.resolvedOptions().hourCycle === 'h11';
  const hourF = twelve ? make({ hour: 'numeric', ...clock }) : make({ hour: '2-digit', minute: '2-digit', ...clock });
  const dateF = make({ weekday: 'long', day: 'numeric', month: 'long' });
  const shortF = make({ weekday: 'short', day: 'numeric' });
  const rangeF = make({ day: 'numeric', month: 'short', year: 'numeric' });

  const f: Formats = {
    time: (value) => timeF.format(utcDate(datePart(value), minutesOfDay(value))),
    hour: (hour) => hourF.format(utcDate('2000-01-01', hour * 60)),
    date: (date) => dateF.format(utcDate(date)),
    shortDay: (date) => {
      const parts = shortF.formatToParts(utcDate(date));
      const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      return `${part('weekday')} ${part('day')}`;
    },
    range: (first, last) => rangeF.formatRange(utcDate(first), utcDate(last)),
    dayLabel: (date, today) => {
      const diff = daysBetween(today, date);
      if (diff === 0) return 'Today';
      if (diff === 1) return 'Tomorrow';
      if (diff === -1) return 'Yesterday';
      return f.date(date);
    },
  };
  formatsCache.set(key, f);
  return f;
}

/** "9:00 AM" / "09:00": the wall-clock time written in the string, in the system's locale. */
export function formatTime(value: string): string {
  return formats().time(value);
}

/** "Monday 23 November" (order and words from the system's locale). */
export function formatDate(date: DateStr): string {
  return formats().date(date);
}

/** "Mon 23" for week-grid column heads. */
export function formatShortDay(date: DateStr): string {
  return formats().shortDay(date);
}

/** "23 – 29 November 2026" style range label. */
export function formatRange(first: DateStr, last: DateStr): string {
  return formats().range(first, last);
}

/** "Today", "Tomorrow", "Yesterday", else the weekday and date. */
export function dayLabel(date: DateStr, today: DateStr, prefs?: TimePrefs): string {
  return formats(prefs).dayLabel(date, today);
}

/**
 * The first day of the week in the system's locale (0 Sunday … 6 Saturday), for
 * when the app's preferences cannot be read; Monday where the engine cannot say.
 */
export function systemWeekStart(): number {
  try {
    const loc = new Intl.Locale(locale() ?? 'en') as Intl.Locale & {
      getWeekInfo?: () => { firstDay: number };
      weekInfo?: { firstDay: number };
    };
    const firstDay = loc.getWeekInfo?.().firstDay ?? loc.weekInfo?.firstDay;
    return typeof firstDay === 'number' ? firstDay % 7 : 1;
  } catch {
    return 1;
  }
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
