/** Which window this page is running in, and what it may do to itself. */
import { getCurrentWindow } from '@tauri-apps/api/window';
import type { WindowKind } from './bindings';

const KINDS: readonly WindowKind[] = ['agenda', 'settings', 'welcome'];

/** The window's kind, from its Tauri label; "agenda" when the label is unknown. */
export function currentWindow(): WindowKind {
  let label = '';
  try {
    label = getCurrentWindow().label;
  } catch {
    // Outside Tauri (a plain browser during development) there is no window handle.
  }
  return (KINDS as readonly string[]).includes(label) ? (label as WindowKind) : 'agenda';
}

/** Closes this window (the shell hides it to the tray and frees its webview). */
export async function closeCurrentWindow(): Promise<void> {
  await getCurrentWindow().close();
}
