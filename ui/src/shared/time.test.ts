import { describe, expect, it, vi } from 'vitest';
import {
  addDays,
  clockAt,
  dayLabel,
  daysBetween,
  formats,
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

  it('starts weeks on the day the preferences say', () => {
    // Sunday 29 November 2026.
    expect(startOfWeek('2026-11-29', 0)).toBe('2026-11-29');
    expect(startOfWeek('2026-11-28', 0)).toBe('2026-11-22');
    expect(startOfWeek('2026-11-29', 1)).toBe('2026-11-23');
    expect(startOfWeek('2026-11-29', 6)).toBe('2026-11-28');
    expect(startOfWeek('2026-11-27', 6)).toBe('2026-11-21');
    // Across a year.
    expect(startOfWeek('2027-01-01', 0)).toBe('2026-12-27');
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

describe('formatting with the display preferences', () => {
  it('writes times on the chosen clock, whatever the locale would pick', () => {
    const h24 = formats({ hour12: false, locale: 'en-US' });
    // Not "24:05": an engine resolving hour12:false to h24 is corrected.
    expect(h24.time('2026-11-23T00:05:00+01:00')).toBe('00:05');
    expect(h24.time('2026-11-23T22:45:00+01:00')).toBe('22:45');
    const h12 = formats({ hour12: true, locale: 'en-GB' });
    // Not "0:05 am".
    expect(h12.time('2026-11-23T00:05:00+01:00')).toBe('12:05 am');
    expect(formats({ hour12: true, locale: 'en-US' }).time('2026-11-23T22:45:00+01:00')).toMatch(/^10:45\sPM$/);
  });

  it('labels every hour of the grid, midnight included', () => {
    const h12 = formats({ hour12: true, locale: 'en-US' });
    expect([0, 1, 12, 13, 23].map((h) => h12.hour(h).replace(/\s/g, ' '))).toEqual(['12 AM', '1 AM', '12 PM', '1 PM', '11 PM']);
    const h24 = formats({ hour12: false, locale: 'de-DE' });
    expect([0, 9, 23].map((h) => h24.hour(h))).toEqual(['00:00', '09:00', '23:00']);
  });

  it('writes dates in the preferred locale, keeping the UI words', () => {
    const de = formats({ hour12: false, locale: 'de-DE' });
    expect(de.date('2026-11-25')).toBe('Mittwoch, 25. November');
    expect(de.dayLabel('2026-11-24', '2026-11-23')).toBe('Tomorrow');
    expect(de.dayLabel('2026-11-25', '2026-11-23')).toBe('Mittwoch, 25. November');
    expect(dayLabel('2026-11-25', '2026-11-23', { hour12: true, locale: 'en-GB' })).toBe('Wednesday 25 November');
  });

  it('falls back to the system locale for a tag Intl refuses', () => {
    expect(() => formats({ hour12: false, locale: 'C' }).time('2026-11-23T09:05:00+01:00')).not.toThrow();
    expect(formats({ hour12: false, locale: 'not a tag' }).time('2026-11-23T09:05:00+01:00')).toBe('09:05');
  });

  it('gives the clock text in the preferred format', () => {
    const now = new Date('2026-11-23T21:07:00+01:00');
    expect(clockAt(now, { hour12: false, locale: 'en-US' }).text).toBe('21:07');
    expect(clockAt(now, { hour12: true, locale: 'en-US' }).text).toMatch(/^9:07\sPM$/);
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
