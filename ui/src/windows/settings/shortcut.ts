/**
 * Shortcut text from a key press, as the engine reads it: modifiers Ctrl, Alt,
 * Shift, Super joined by "+", then a letter, digit, F1–F24 or Space ("Ctrl+Alt+K").
 */

/** Keys that only modify: pressing one alone records nothing. */
const MODIFIER_KEYS = new Set(['Control', 'Alt', 'AltGraph', 'Shift', 'Meta', 'Super', 'Hyper', 'OS']);

export type KeyPress = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>;

export function isModifierKey(key: string): boolean {
  return MODIFIER_KEYS.has(key);
}

const F_KEY = /^F([1-9]|1[0-9]|2[0-4])$/;

/**
 * The key's name, or null for keys a shortcut cannot use. The character comes first
 * (the engine grabs by key symbol, so on an AZERTY keyboard the key labelled A is
 * "A" though its code is KeyQ); the physical key is the fallback where the character
 * is not a Latin letter or digit (Shift+1 gives "!", a Cyrillic layout gives "л").
 */
export function keyName(press: Pick<KeyPress, 'key' | 'code'>): string | null {
  const key = press.key ?? '';
  const code = press.code ?? '';
  if (/^[a-z0-9]$/i.test(key)) return key.toUpperCase();
  if (key === ' ' || code === 'Space') return 'Space';
  if (F_KEY.test(key)) return key;
  if (F_KEY.test(code)) return code;
  const m = /^(?:Key([A-Z])|Digit([0-9]))$/.exec(code);
  if (m) return m[1] ?? m[2];
  return null;
}

/**
 * The shortcut a key press records, or null when it records nothing: a bare
 * modifier, no Ctrl/Alt/Super held (that is typing), or a key a shortcut cannot use.
 */
export function shortcutFromKey(press: KeyPress): string | null {
  if (isModifierKey(press.key)) return null;
  if (!press.ctrlKey && !press.altKey && !press.metaKey) return null;
  const name = keyName(press);
  if (!name) return null;
  const parts: string[] = [];
  if (press.ctrlKey) parts.push('Ctrl');
  if (press.altKey) parts.push('Alt');
  if (press.shiftKey) parts.push('Shift');
  if (press.metaKey) parts.push('Super');
  parts.push(name);
  return parts.join('+');
}
