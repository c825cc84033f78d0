import { describe, expect, it, vi } from 'vitest';
import {
  addDays,
  dayLabel,
  daysBetween,
  formatTime,
  localDate,
  locale,
  localMidnight,
  minutesOfDay,
  relativeTime,
  startOfWeek,
  wallTimeIn,
} from './time';

describe('date arithmetic on date strings', () => {
  it('adds days across months, years and DST changes', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29'); // Europe's spring-forward night
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('counts days and finds Monday', () => {
    expect(daysBetween('2026-11-23', '2026-11-30')).toBe(7);
    expect(daysBetween('2026-11-23', '2026-11-21')).toBe(-2);
    expect(startOfWeek('2026-11-23')).toBe('2026-11-23');
    expect(startOfWeek('2026-11-29')).toBe('2026-11-23'); // Sunday
    expect(startOfWeek('2026-12-02')).toBe('2026-11-30');
  });
});

describe('wall-clock reading', () => {
  it('reads the time written in the string, not converted', () => {
    expect(minutesOfDay('2026-11-23T09:15:00+01:00')).toBe(9 * 60 + 15);
    // The offset is not applied: 23:30 written in -05:00 stays 23:30.
    expect(minutesOfDay('2026-11-23T23:30:00-05:00')).toBe(23 * 60 + 30);
    expect(minutesOfDay('2026-11-23')).toBe(0);
    expect(formatTime('2026-11-23T23:30:00-05:00')).toMatch(/11:30\sPM/);
  });

  it('labels days relative to today', () => {
    expect(dayLabel('2026-11-23', '2026-11-23')).toBe('Today');
    expect(dayLabel('2026-11-24', '2026-11-23')).toBe('Tomorrow');
    expect(dayLabel('2026-11-25', '2026-11-23')).toBe('Wednesday, November 25');
  });

  it('uses the machine zone only for now and range bounds', () => {
    // Tests run in Europe/Berlin (vite.config.ts).
    expect(localMidnight('2026-11-23')).toBe(Date.parse('2026-11-23T00:00:00+01:00') / 1000);
    expect(localMidnight('2026-07-01')).toBe(Date.parse('2026-07-01T00:00:00+02:00') / 1000);
    expect(localDate(new Date('2026-11-23T23:30:00Z'))).toBe('2026-11-24');
  });

  it('shows an instant in a named zone, and null for an unknown zone', () => {
    const t = Date.parse('2026-11-23T15:00:00Z') / 1000;
    expect(wallTimeIn(t, 'America/New_York')).toBe('2026-11-23T10:00');
    expect(wallTimeIn(t, 'Asia/Tokyo')).toBe('2026-11-24T00:00');
    expect(wallTimeIn(t, 'W. Europe Standard Time')).toBeNull();
  });

  it('phrases relative times', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(relativeTime('2026-11-23T10:05:00Z', now)).toBe('in 5 min');
    expect(relativeTime('2026-11-23T07:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime(null, now)).toBeNull();
  });

  it('never puts an instant that just happened in the future', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    // A sync that finished 40 s after the window's last minute tick: not "in 1 min".
    expect(relativeTime('2026-11-23T10:00:40Z', now)).toBe('just now');
    expect(relativeTime('2026-11-23T09:59:20Z', now)).toBe('just now');
    // Whole minutes, not rounded up: 4 min 50 s ago is "4 min ago".
    expect(relativeTime('2026-11-23T09:55:10Z', now)).toBe('4 min ago');
    // A last sync cannot be in the future, however skewed the clocks.
    expect(relativeTime('2026-11-23T10:03:00Z', now, { past: true })).toBe('just now');
    expect(relativeTime('2026-11-23T09:50:00Z', now, { past: true })).toBe('10 min ago');
  });
});

describe('locale', () => {
  it('falls back to the default for a POSIX "C" locale instead of throwing', () => {
    const spy = vi.spyOn(navigator, 'language', 'get');
    spy.mockReturnValue('C');
    expect(locale()).toBeUndefined();
    expect(() => formatTime('2026-11-21T09:05:00+01:00')).not.toThrow();
    spy.mockReturnValue('de-DE');
    expect(locale()).toBe('de-DE');
    spy.mockRestore();
  });
});
