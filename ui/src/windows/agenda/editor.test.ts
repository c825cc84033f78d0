import { describe, expect, it } from 'vitest';
import {
  changesSomething,
  editInput,
  formProblem,
  newValues,
  repeatChoice,
  ruleOf,
  valuesOf,
  writable,
  writableCalendars,
} from './editor';

const base = valuesOf(
  {
    uid: 'standup@x',
    calendar_id: 7,
    occurrence: null,
    title: 'Standup',
    start: '2026-11-24T09:00',
    end: '2026-11-24T09:15',
    all_day: false,
    zone: 'Europe/Berlin',
    location: null,
    description: null,
    repeat: 'freq=daily',
    reminder_minutes: 10,
  },
  'Europe/Berlin',
);

describe('editor form', () => {
  it('reads presets and custom rules', () => {
    expect(repeatChoice(null)).toBe('none');
    expect(repeatChoice('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR')).toBe('weekdays');
    expect(repeatChoice('freq=daily')).toBe('daily');
    expect(repeatChoice('FREQ=WEEKLY;INTERVAL=2')).toBe('custom');
    expect(ruleOf('custom', ' FREQ=WEEKLY;INTERVAL=2 ')).toBe('FREQ=WEEKLY;INTERVAL=2');
    expect(ruleOf('none', 'x')).toBe('');
    expect(base.repeat).toBe('daily');
    expect(base.reminder).toBe('10');
  });

  it('sends nothing for an unchanged form, and the times together when one moved', () => {
    const same = editInput(base, { ...base }, true);
    expect(changesSomething(same)).toBe(false);
    const moved = editInput(base, { ...base, endTime: '09:30' }, true);
    expect(moved).toMatchObject({ start: '2026-11-24T09:00', end: '2026-11-24T09:30', zone: 'Europe/Berlin', title: null, repeat: null });
    const allDay = editInput(base, { ...base, allDay: true }, true);
    expect(allDay).toMatchObject({ start: '2026-11-24', end: '2026-11-24', zone: null });
  });

  it('removes a rule and a reminder explicitly, and never sends a rule for one occurrence', () => {
    expect(editInput(base, { ...base, repeat: 'none' }, true).repeat).toBe('');
    expect(editInput(base, { ...base, repeat: 'none' }, false).repeat).toBeNull();
    expect(editInput(base, { ...base, reminder: '' }, true).reminder).toBe('none');
  });

  it('starts a new event at the next whole hour today, at 9:00 on another day', () => {
    const today = newValues('2026-11-23', '2026-11-23', 10 * 60 + 30, 'UTC');
    expect([today.startDate, today.startTime, today.endTime]).toEqual(['2026-11-23', '11:00', '12:00']);
    const late = newValues('2026-11-23', '2026-11-23', 23 * 60 + 10, 'UTC');
    expect([late.startDate, late.startTime]).toEqual(['2026-11-24', '09:00']);
    const other = newValues('2026-11-25', '2026-11-23', 600, 'UTC');
    expect([other.startDate, other.startTime]).toEqual(['2026-11-25', '09:00']);
  });

  it('names what is missing or wrong', () => {
    expect(formProblem({ ...base, endTime: '08:00' })).toMatch(/ends before/);
    expect(formProblem({ ...base, repeat: 'custom', customRule: 'BYDAY=MO' })).toMatch(/FREQ/);
    expect(formProblem(base)).toBeNull();
  });

  it('says why a calendar cannot be changed', () => {
    const cal = { id: 1, source_id: 1, name: 'Rota', color: null, read_only: false, direction: 'two_way', source_kind: 'caldav', shown: true, default: false } as const;
    expect(writable(cal)).toEqual({ ok: true, why: null });
    expect(writable({ ...cal, source_kind: 'ics' }).why).toMatch(/subscribed feed/);
    expect(writable({ ...cal, read_only: true }).why).toMatch(/server does not let/);
    expect(writable({ ...cal, direction: 'pull_only' }).why).toMatch(/pull only/);
    // New events go to shown calendars only.
    expect(writableCalendars([cal, { ...cal, id: 2, shown: false }]).map((c) => c.id)).toEqual([1]);
  });
});
