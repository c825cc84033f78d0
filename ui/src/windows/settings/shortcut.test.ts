import { describe, expect, it } from 'vitest';
import { keyName, shortcutFromKey, type KeyPress } from './shortcut';

const press = (key: string, code: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  code,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe('shortcut text from a key press', () => {
  it('joins the held modifiers in a fixed order with the key', () => {
    expect(shortcutFromKey(press('k', 'KeyK', { ctrlKey: true, altKey: true }))).toBe('Ctrl+Alt+K');
    expect(shortcutFromKey(press('J', 'KeyJ', { shiftKey: true, metaKey: true, ctrlKey: true }))).toBe('Ctrl+Shift+Super+J');
    expect(shortcutFromKey(press('F5', 'F5', { altKey: true }))).toBe('Alt+F5');
    expect(shortcutFromKey(press(' ', 'Space', { metaKey: true }))).toBe('Super+Space');
    expect(shortcutFromKey(press('!', 'Digit1', { ctrlKey: true, shiftKey: true }))).toBe('Ctrl+Shift+1');
  });

  it('records nothing for a bare modifier, plain typing or an unusable key', () => {
    expect(shortcutFromKey(press('Control', 'ControlLeft', { ctrlKey: true }))).toBeNull();
    expect(shortcutFromKey(press('Alt', 'AltLeft', { altKey: true, ctrlKey: true }))).toBeNull();
    expect(shortcutFromKey(press('K', 'KeyK', { shiftKey: true }))).toBeNull();
    expect(shortcutFromKey(press('k', 'KeyK'))).toBeNull();
    expect(shortcutFromKey(press('ArrowLeft', 'ArrowLeft', { ctrlKey: true }))).toBeNull();
    expect(shortcutFromKey(press('F25', 'F25', { ctrlKey: true }))).toBeNull();
  });

  it('names the key by its character, by the physical key when the character is not Latin', () => {
    // AZERTY: the key labelled A sends code KeyQ; the engine grabs by key symbol, so "A".
    expect(keyName({ key: 'a', code: 'KeyQ' })).toBe('A');
    expect(keyName({ key: 'л', code: 'KeyK' })).toBe('K');
    expect(keyName({ key: 'k', code: '' })).toBe('K');
    expect(keyName({ key: 'F12', code: '' })).toBe('F12');
    expect(keyName({ key: 'Backspace', code: 'Backspace' })).toBeNull();
  });
});
