/**
 * The native file chooser, for "Choose a file…" (a local calendar file). Only this
 * module and its siblings in platform/ import Tauri.
 */
import { open } from '@tauri-apps/plugin-dialog';

/** Asks for one calendar file; resolves to its path, or null when the user cancelled. */
export async function chooseCalendarFile(): Promise<string | null> {
  const chosen = await open({
    title: 'Choose a calendar file',
    multiple: false,
    directory: false,
    filters: [
      { name: 'Calendar files', extensions: ['ics', 'ical', 'icalendar', 'ifb'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return typeof chosen === 'string' ? chosen : null;
}
