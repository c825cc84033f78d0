/**
 * Test doubles for src/platform/: an `ipc` object of vi.fn commands with harmless
 * defaults, and event subscriptions the test can fire. Test files swap them in with
 *
 *   vi.mock('../../platform/ipc', async (orig) => ({ ...(await orig()), ipc: (await import('../../test/platform')).ipc }));
 *   vi.mock('../../platform/events', () => import('../../test/platform').then((m) => m.events));
 */
import { vi } from 'vitest';
import type {
  DisplayPrefs,
  Agenda,
  FeedPreview,
  Ipc,
  ShortcutSettings,
  ShowEvent,
  SourceInfo,
  SyncProgress,
} from '../platform/ipc';
import type { EventName, EventPayload } from '../platform/events';
import { sourceInfo } from './fixtures';

const emptyAgenda: Agenda = { from: '', to: '', entries: [], query_ms: 0 };
const preview: FeedPreview = { url: '', suggested_name: 'Feed', events: 0, upcoming: 0, first: [], diagnostics: [] };
const source: SourceInfo = sourceInfo();
const DEFAULT_SHORTCUT = 'Ctrl+Alt+J';
const shortcut = (text: string | null): ShortcutSettings => ({
  shortcut: text,
  default_shortcut: DEFAULT_SHORTCUT,
  active: text !== null,
  error: null,
});

/** A 12-hour clock and weeks from Sunday, as the tests' en-US locale. */
export const DISPLAY = {
  hour12: true,
  week_start: 0,
  locale: 'en-US',
  settings: { clock: 'system', week_start: 'system' },
} as const satisfies DisplayPrefs;

export const ipc = {
  appState: vi.fn<Ipc['appState']>(async () => ({
    version: '0',
    data_dir: '/tmp',
    sources: 0,
    tray: 'idle',
    last_error: null,
    autostart: false,
    display: DISPLAY,
    now: Math.floor(Date.now() / 1000),
  })),
  preferences: vi.fn<Ipc['preferences']>(async () => ({ display: DISPLAY, snooze_minutes: 5 })),
  setPreferences: vi.fn<Ipc['setPreferences']>(async () => ({ display: DISPLAY, snooze_minutes: 5 })),
  agenda: vi.fn<Ipc['agenda']>(async () => emptyAgenda),
  eventDetail: vi.fn<Ipc['eventDetail']>(async () => {
    throw { code: 'store.not_found', message: 'no such event' };
  }),
  joinLinks: vi.fn<Ipc['joinLinks']>(async () => []),
  nextMeeting: vi.fn<Ipc['nextMeeting']>(async () => null),
  joinEvent: vi.fn<Ipc['joinEvent']>(async () => {
    throw { code: 'invalid_input', message: 'no link' };
  }),
  sourcesStatus: vi.fn<Ipc['sourcesStatus']>(async () => []),
  previewFeed: vi.fn<Ipc['previewFeed']>(async () => preview),
  addFeed: vi.fn<Ipc['addFeed']>(async () => source),
  updateSource: vi.fn<Ipc['updateSource']>(async () => source),
  removeSource: vi.fn<Ipc['removeSource']>(async () => source),
  syncNow: vi.fn<Ipc['syncNow']>(async () => []),
  syncLog: vi.fn<Ipc['syncLog']>(async () => []),
  loadSample: vi.fn<Ipc['loadSample']>(async () => source),
  decideDeletions: vi.fn<Ipc['decideDeletions']>(async (id: number) => ({
    source_id: id,
    source_name: 'Work',
    outcome: 'updated',
    added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0,
    occurrences_written: 0,
    events: 0,
    diagnostics: [],
    notice: null,
    duration_ms: 1,
    error: null,
    error_code: null,
    error_detail: null,
    next_due_at: 0,
  })),
  revealSourceUrl: vi.fn<Ipc['revealSourceUrl']>(async () => 'https://example.com/feed/secret-key/cal.ics'),
  openWindow: vi.fn<Ipc['openWindow']>(async () => null),
  setAutostart: vi.fn<Ipc['setAutostart']>(async (enabled: boolean) => enabled),
  reminderSettings: vi.fn<Ipc['reminderSettings']>(async () => []),
  setReminderSettings: vi.fn<Ipc['setReminderSettings']>(async () => null),
  takeShownEvent: vi.fn<Ipc['takeShownEvent']>(async () => null),
  myAddresses: vi.fn<Ipc['myAddresses']>(async () => []),
  setMyAddresses: vi.fn<Ipc['setMyAddresses']>(async (addresses: string[]) => addresses),
  shortcutSettings: vi.fn<Ipc['shortcutSettings']>(async () => shortcut(DEFAULT_SHORTCUT)),
  setJoinShortcut: vi.fn<Ipc['setJoinShortcut']>(async (text: string | null) => shortcut(text || null)),
  calendars: vi.fn<Ipc['calendars']>(async () => []),
  updateCalendar: vi.fn<Ipc['updateCalendar']>(async (id: number) => ({
    id,
    source_id: 1,
    name: 'Calendar',
    color: null,
    read_only: false,
    direction: 'two_way',
    source_kind: 'caldav',
    shown: true,
    default: false,
  })),
  eventForm: vi.fn<Ipc['eventForm']>(async () => {
    throw { code: 'store.not_found', message: 'no such event' };
  }),
  createEvent: vi.fn<Ipc['createEvent']>(async (calendarId: number) => ({
    uid: 'new@traycal',
    calendar_id: calendarId,
    occurrence: null,
    pending: true,
    undo: 1,
  })),
  editEvent: vi.fn<Ipc['editEvent']>(async (target) => ({
    uid: target.uid,
    calendar_id: target.calendar_id,
    occurrence: target.recurrence_id,
    pending: true,
    undo: 2,
  })),
  deleteEvent: vi.fn<Ipc['deleteEvent']>(async (target) => ({
    uid: target.uid,
    calendar_id: target.calendar_id,
    occurrence: target.recurrence_id,
    pending: true,
    undo: 3,
  })),
  undoChange: vi.fn<Ipc['undoChange']>(async () => ({
    uid: 'planning@x',
    calendar_id: 7,
    occurrence: null,
    pending: true,
    undo: 4,
  })),
  addCaldav: vi.fn<Ipc['addCaldav']>(async () => ({ source: { ...source, kind: 'caldav' }, calendars: [] })),
} satisfies Ipc;

/** The subscribers of each event (a test double: it names the events it fakes). */
const handlers: { [K in EventName]: Set<(p: EventPayload<K>) => void> } = {
  mirrorChanged: new Set(),
  syncProgress: new Set(),
  showEvent: new Set(),
};

export const events = {
  on: vi.fn(<K extends EventName>(name: K, h: (p: EventPayload<K>) => void) => {
    handlers[name].add(h);
    return () => {
      handlers[name].delete(h);
    };
  }),
};

export function emitMirrorChanged(reason = 'sync'): void {
  for (const h of handlers.mirrorChanged) h({ reason });
}

export function emitSyncProgress(p: SyncProgress): void {
  for (const h of handlers.syncProgress) h(p);
}

export function emitShowEvent(p: ShowEvent): void {
  for (const h of handlers.showEvent) h(p);
}

export function listenerCounts() {
  return { mirror: handlers.mirrorChanged.size, progress: handlers.syncProgress.size, show: handlers.showEvent.size };
}

export function resetEventHandlers(): void {
  for (const set of Object.values(handlers)) set.clear();
}

export const windowApi = {
  currentWindow: vi.fn(() => 'agenda' as const),
  closeCurrentWindow: vi.fn(async () => undefined),
};
