/**
 * The event editor's form, apart from its view: the values a form shows, built from an
 * event's form (`eventForm`) or for a new event, and what the editor sends back. An
 * edit sends only what the person changed (`null` keeps a field), so a change of the
 * title never rewrites the times, and the server's other changes merge.
 */
import type { CalendarInfo, EventForm, EventInput, ReminderInput } from '../../platform/ipc';
import { addDays, type DateStr } from '../../shared/time';

export type RepeatChoice = 'none' | 'daily' | 'weekly' | 'weekdays' | 'monthly' | 'yearly' | 'custom';

/** The repeat presets and their RRULE values. */
export const REPEAT_RULES: Record<Exclude<RepeatChoice, 'none' | 'custom'>, string> = {
  daily: 'FREQ=DAILY',
  weekly: 'FREQ=WEEKLY',
  weekdays: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  monthly: 'FREQ=MONTHLY',
  yearly: 'FREQ=YEARLY',
};

/** Reminder choices (minutes before the start); `''`: none of the event's own (the calendar's default applies). */
export const REMINDER_CHOICES: { value: string; label: string }[] = [
  { value: '', label: 'Calendar default' },
  { value: '0', label: 'At the start' },
  { value: '5', label: '5 minutes before' },
  { value: '10', label: '10 minutes before' },
  { value: '15', label: '15 minutes before' },
  { value: '30', label: '30 minutes before' },
  { value: '60', label: '1 hour before' },
  { value: '1440', label: '1 day before' },
];

/** What the editor's fields hold (all text, as inputs give it). */
export type FormValues = {
  title: string;
  allDay: boolean;
  startDate: DateStr;
  startTime: string;
  endDate: DateStr;
  endTime: string;
  zone: string;
  repeat: RepeatChoice;
  customRule: string;
  reminder: string;
  location: string;
  description: string;
};

/** The preset a rule is, or `custom` (then the rule is shown as written). */
export function repeatChoice(rule: string | null): RepeatChoice {
  const normal = (rule ?? '').trim().toUpperCase();
  if (!normal) return 'none';
  for (const [choice, preset] of Object.entries(REPEAT_RULES)) {
    if (normal === preset) return choice as RepeatChoice;
  }
  return 'custom';
}

/** The rule of a choice (`''`: does not repeat). */
export function ruleOf(choice: RepeatChoice, custom: string): string {
  if (choice === 'none') return '';
  if (choice === 'custom') return custom.trim();
  return REPEAT_RULES[choice];
}

/** The form of an existing event. */
export function valuesOf(form: EventForm, fallbackZone: string): FormValues {
  const [startDate, startTime = ''] = form.start.split('T');
  const [endDate, endTime = ''] = form.end.split('T');
  const repeat = repeatChoice(form.repeat);
  return {
    title: form.title,
    allDay: form.all_day,
    startDate,
    startTime: startTime.slice(0, 5),
    endDate,
    endTime: endTime.slice(0, 5),
    // No zone: the event is in UTC or floating, and stays so unless one is chosen.
    zone: form.zone ?? (form.all_day ? fallbackZone : ''),
    repeat,
    customRule: repeat === 'custom' ? (form.repeat ?? '') : '',
    reminder: form.reminder_minutes == null ? '' : String(form.reminder_minutes),
    location: form.location ?? '',
    description: form.description ?? '',
  };
}

/**
 * A new event on `date`: from `start` to `end` (minutes of the day, as dragged out on
 * the week grid), else at the next whole hour when that is today, else at 9:00; an
 * hour long.
 */
export function newValues(
  date: DateStr,
  today: DateStr,
  nowMinutes: number,
  zone: string,
  start?: number,
  end?: number,
): FormValues {
  let startMinutes = 9 * 60;
  let day = date;
  if (start !== undefined && end !== undefined && end > start) {
    const endsAtMidnight = end >= 24 * 60;
    return {
      ...newValues(date, today, nowMinutes, zone),
      startTime: hhmm(start),
      endDate: endsAtMidnight ? addDays(date, 1) : date,
      endTime: endsAtMidnight ? '00:00' : hhmm(end),
      startDate: date,
    };
  }
  if (date === today) {
    startMinutes = (Math.floor(nowMinutes / 60) + 1) * 60;
    if (startMinutes >= 24 * 60) {
      startMinutes = 9 * 60;
      day = addDays(date, 1);
    }
  }
  const endMinutes = Math.min(startMinutes + 60, 24 * 60 - 1);
  return {
    title: '',
    allDay: false,
    startDate: day,
    startTime: hhmm(startMinutes),
    endDate: day,
    endTime: hhmm(endMinutes),
    zone,
    repeat: 'none',
    customRule: '',
    reminder: '',
    location: '',
    description: '',
  };
}

/** Minutes of the day as `HH:MM`. */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function startOf(v: FormValues): string {
  return v.allDay ? v.startDate : `${v.startDate}T${v.startTime}`;
}

function endOf(v: FormValues): string {
  return v.allDay ? v.endDate : `${v.endDate}T${v.endTime}`;
}

function reminderOf(v: FormValues): ReminderInput {
  return v.reminder === '' ? 'none' : { minutes: Number(v.reminder) };
}

/** Why the form cannot be sent yet, in plain words (`null`: it can). */
export function formProblem(v: FormValues): string | null {
  if (!v.startDate) return 'Choose the day the event starts.';
  if (!v.endDate) return 'Choose the day the event ends.';
  if (!v.allDay && (!v.startTime || !v.endTime)) return 'Choose the start and end times.';
  if (endOf(v) < startOf(v)) return 'The event ends before it starts.';
  if (v.repeat === 'custom' && !/^\s*FREQ=/i.test(v.customRule) && !/;\s*FREQ=/i.test(v.customRule)) {
    return 'A custom repeat rule needs a FREQ, such as FREQ=WEEKLY;INTERVAL=2;BYDAY=TU.';
  }
  return null;
}

/** Everything a new event is made of. */
export function createInput(v: FormValues): EventInput {
  const rule = ruleOf(v.repeat, v.customRule);
  return {
    title: v.title.trim(),
    start: startOf(v),
    end: endOf(v),
    zone: v.allDay ? null : v.zone.trim() || null,
    location: v.location.trim() ? v.location : null,
    description: v.description.trim() ? v.description : null,
    repeat: rule ? rule : null,
    reminder: v.reminder === '' ? null : reminderOf(v),
  };
}

/**
 * What changed between the form as opened and as saved (`null` where nothing did).
 * The times go together: a changed day, time, all-day switch or zone sends start,
 * end and zone. `withRepeat` is false for one occurrence, which has no rule of its own.
 */
export function editInput(before: FormValues, after: FormValues, withRepeat: boolean): EventInput {
  const timesChanged =
    before.allDay !== after.allDay ||
    startOf(before) !== startOf(after) ||
    endOf(before) !== endOf(after) ||
    (!after.allDay && before.zone.trim() !== after.zone.trim());
  const rule = ruleOf(after.repeat, after.customRule);
  const ruleChanged = withRepeat && rule !== ruleOf(before.repeat, before.customRule);
  return {
    title: before.title !== after.title ? after.title.trim() : null,
    start: timesChanged ? startOf(after) : null,
    end: timesChanged ? endOf(after) : null,
    zone: timesChanged && !after.allDay ? after.zone.trim() || null : null,
    location: before.location !== after.location ? after.location : null,
    description: before.description !== after.description ? after.description : null,
    repeat: ruleChanged ? rule : null,
    reminder: before.reminder !== after.reminder ? reminderOf(after) : null,
  };
}

/** Whether an edit changes anything. */
export function changesSomething(input: EventInput): boolean {
  return Object.values(input).some((v) => v !== null);
}

/** Whether Traycal may change a calendar's events, and if not, why (for the detail pane). */
export function writable(calendar: CalendarInfo | undefined): { ok: boolean; why: string | null } {
  if (!calendar) return { ok: false, why: null };
  if (calendar.source_kind === 'ics') {
    return { ok: false, why: `“${calendar.name}” is a subscribed feed: Traycal shows it but cannot change it.` };
  }
  if (calendar.read_only) {
    return { ok: false, why: `The server does not let this account change “${calendar.name}”.` };
  }
  if (calendar.direction === 'pull_only') {
    return { ok: false, why: `“${calendar.name}” is set to pull only: its events are read here, never written.` };
  }
  return { ok: true, why: null };
}

/** The calendars a new event can go to: writable, and shown (an event made in a hidden one would vanish). */
export function writableCalendars(calendars: CalendarInfo[]): CalendarInfo[] {
  return calendars.filter((c) => writable(c).ok && c.shown);
}

/** The IANA zones the zone field offers (the webview's list when it has one). */
export function knownZones(extra: string[]): string[] {
  let all: string[];
  try {
    const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
    all = supported ? supported('timeZone') : [];
  } catch {
    all = [];
  }
  if (all.length === 0) {
    all = ['UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney'];
  }
  return [...new Set([...extra.filter(Boolean), ...all])];
}
