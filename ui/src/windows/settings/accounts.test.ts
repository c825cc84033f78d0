import { describe, expect, it } from 'vitest';
import { preset, serverAddress } from './accounts';

describe('account presets', () => {
  it('fills the known servers', () => {
    expect(preset('icloud').server).toBe('https://caldav.icloud.com');
    expect(preset('icloud').hint).toMatch(/app-specific password/);
    expect(preset('nextcloud').placeholder).toMatch(/remote\.php\/dav$/);
  });

  it('starts discovery from an address, a bare host or an e-mail domain', () => {
    expect(serverAddress('http://127.0.0.1:5232/', 'alice')).toBe('http://127.0.0.1:5232/');
    expect(serverAddress('dav.example.org', 'alice')).toBe('https://dav.example.org');
    expect(serverAddress('alice@example.org', 'alice')).toBe('https://example.org');
    expect(serverAddress('', 'alice@fastmail.com')).toBe('https://fastmail.com');
    expect(serverAddress('', 'alice')).toBeNull();
  });
});
