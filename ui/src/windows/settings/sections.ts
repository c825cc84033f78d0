/** The settings window's sections, in sidebar order; the first is shown on open. */
export const SECTIONS = [
  { id: 'calendars', label: 'Calendars & accounts' },
  { id: 'reminders', label: 'Reminders' },
  { id: 'shortcut', label: 'Shortcut' },
  { id: 'preferences', label: 'Preferences' },
  { id: 'sync-log', label: 'Sync log' },
  { id: 'about', label: 'About' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];
