/**
 * What the account dialog knows about providers: the presets (server address and the
 * hint each needs) and how an e-mail address or a bare host becomes a server address.
 */

export type PresetId = 'icloud' | 'fastmail' | 'nextcloud' | 'other';

export type Preset = {
  id: PresetId;
  label: string;
  /** The server address filled in (`''`: the person types it). */
  server: string;
  placeholder: string;
  /** What to know before signing in. */
  hint: string;
  userLabel: string;
};

export const PRESETS: Preset[] = [
  {
    id: 'icloud',
    label: 'iCloud',
    server: 'https://caldav.icloud.com',
    placeholder: 'https://caldav.icloud.com',
    hint: 'iCloud needs an app-specific password: create one at appleid.apple.com → Sign-In and Security → App-Specific Passwords. Your Apple ID password will not work.',
    userLabel: 'Apple ID (e-mail)',
  },
  {
    id: 'fastmail',
    label: 'Fastmail',
    server: 'https://caldav.fastmail.com',
    placeholder: 'https://caldav.fastmail.com',
    hint: 'Fastmail needs an app password with CalDAV access: Settings → Privacy & Security → App passwords.',
    userLabel: 'Fastmail address',
  },
  {
    id: 'nextcloud',
    label: 'Nextcloud',
    server: '',
    placeholder: 'https://cloud.example.org/remote.php/dav',
    hint: 'Your Nextcloud address followed by /remote.php/dav. With two-factor sign-in, use an app password (Settings → Security → Devices & sessions).',
    userLabel: 'User name',
  },
  {
    id: 'other',
    label: 'Other CalDAV server',
    server: '',
    placeholder: 'https://dav.example.org or you@example.org',
    hint: 'The server’s address (Radicale, Baïkal, SOGo, Zimbra, mailbox.org…). An e-mail address works when its domain publishes /.well-known/caldav.',
    userLabel: 'User name',
  },
];

export function preset(id: PresetId): Preset {
  return PRESETS.find((p) => p.id === id) ?? PRESETS[PRESETS.length - 1];
}

/**
 * The address discovery starts from: the server field, or the domain of an e-mail
 * address typed there or as the user name (`https://` is assumed for a bare host).
 * `null` when there is nothing to start from.
 */
export function serverAddress(server: string, user: string): string | null {
  const s = server.trim();
  const fromMail = (text: string) => {
    const at = text.lastIndexOf('@');
    return at > 0 && at < text.length - 1 && !text.includes('/') ? text.slice(at + 1) : null;
  };
  if (s) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return s;
    return `https://${fromMail(s) ?? s}`;
  }
  const domain = fromMail(user.trim());
  return domain ? `https://${domain}` : null;
}

/** The password field's name for a preset (people look for "app password"). */
export function passwordLabel(id: PresetId): string {
  return id === 'icloud' ? 'App-specific password' : id === 'fastmail' ? 'App password' : 'Password';
}
