import { describe, expect, it } from 'vitest';
import { formats } from '../../shared/time';
import { placeText, timeSizers } from './format';

describe('place text', () => {
  const meet = { service_name: 'Google Meet' };

  it('names the meeting service instead of a raw meeting URL', () => {
    expect(placeText('https://meet.google.com/abc-defg-hij', meet)).toBe('Google Meet');
    expect(placeText(null, meet)).toBe('Google Meet');
  });

  it('keeps a real place and adds the service beside it', () => {
    expect(placeText('Room 4.2', meet)).toBe('Room 4.2 · Google Meet');
    expect(placeText('Room 4.2 / https://meet.google.com/abc-defg-hij', meet)).toBe('Room 4.2 · Google Meet');
    expect(placeText('Google Meet (video call)', meet)).toBe('Google Meet (video call)');
  });

  it('reads a link that is no meeting as its site, and a place as itself', () => {
    expect(placeText('https://www.example.com/some/very/long/path?with=query', null)).toBe('example.com');
    expect(placeText('Room 4.2', null)).toBe('Room 4.2');
    expect(placeText(null, null)).toBeNull();
    expect(placeText('  ', null)).toBeNull();
  });
});

describe('time column sizers', () => {
  it('are the widest ranges of the clock in use', () => {
    expect(timeSizers(formats({ hour12: false, locale: 'en-US' }))).toEqual(['10:00 – 11:00', '22:00 – 23:00']);
    const twelve = timeSizers(formats({ hour12: true, locale: 'en-US' })).map((s) => s.replace(/\s/g, ' '));
    expect(twelve).toEqual(['10:00 AM – 11:00 AM', '10:00 PM – 11:00 PM']);
  });
});
