import { describe, expect, it } from 'vitest';
import { intervalOptions } from './rules';
import { count } from './words';

describe('counted nouns', () => {
  it('uses the singular for one only', () => {
    expect(count(1, 'event')).toBe('1 event');
    expect(count(0, 'event')).toBe('0 events');
    expect(count(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('names an unusual sync interval in singular or plural', () => {
    const label = (minutes: number) => intervalOptions(minutes).find((o) => o.minutes === minutes)?.label;
    expect(label(1)).toBe('Every minute');
    expect(label(90)).toBe('Every 90 minutes');
    expect(label(120)).toBe('Every 2 hours');
    expect(label(60)).toBe('Every hour');
  });
});
