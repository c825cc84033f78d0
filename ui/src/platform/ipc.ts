/**
 * The typed facade over the generated bindings that the rest of the UI uses.
 *
 * Every command resolves to its value or throws an `IpcFailure { code, message }`;
 * callers switch on `code` (the contract's `IpcErrorCode`), never on the message
 * text. Errors that do not come from our commands (a missing permission, a thrown
 * Error) are folded into the same shape with the code "ipc".
 */
import { commands, type IpcError, type IpcErrorCode } from './bindings';

/** The shape of every generated command's answer. */
type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };
import type {
  AddFeed,
  CalendarReminders,
  ReminderPrefs,
  Agenda,
  AppState,
  Preferences,
  PreferencesEdit,
  EventDetail,
  EventJoin,
  FeedPreview,
  JoinLink,
  LogLine,
  MassDeletionChoice,
  NextMeeting,
  ShortcutSettings,
  ShowEvent,
  SourceEdit,
  SourceInfo,
  SourceStatus,
  SyncReport,
  WindowKind,
} from './bindings';

export type {
  AddFeed,
  ClockChoice,
  DisplayPrefs,
  DisplaySettings,
  Preferences,
  PreferencesEdit,
  WeekStartChoice,
  CalendarReminders,
  ReminderPrefs,
  Agenda,
  AgendaEntry,
  AppState,
  Attendee,
  EventDetail,
  EventJoin,
  FeedPreview,
  FilterSpec,
  IpcError,
  IpcErrorCode,
  JoinLink,
  LogLine,
  MassDeletionChoice,
  MirrorChanged,
  NextMeeting,
  PreviewEvent,
  Field as RuleField,
  RuleSpec,
  ShortcutSettings,
  ShowEvent,
  SourceEdit,
  SourceInfo,
  SourceStatus,
  SyncPhase,
  SyncProgress,
  SyncReport,
  WindowKind,
} from './bindings';

/** A failure's code: one of the contract's, or "ipc" for one that is not ours. */
export type FailureCode = IpcErrorCode | 'ipc';

export class IpcFailure extends Error {
  readonly code: FailureCode;
  /** The technical account, when it says more than the message (for a disclosure). */
  readonly detail: string | null;

  constructor(code: FailureCode, message: string, detail: string | null = null) {
    super(message);
    this.name = 'IpcFailure';
    this.code = code;
    this.detail = detail;
  }
}

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IpcError).code === 'string' &&
    typeof (value as IpcError).message === 'string'
  );
}

/** Turns anything a command may reject with into an `IpcFailure`. */
export function toFailure(error: unknown): IpcFailure {
  if (error instanceof IpcFailure) return error;
  if (isIpcError(error)) return new IpcFailure(error.code, error.message, error.detail ?? null);
  if (error instanceof Error) return new IpcFailure('ipc', error.message);
  return new IpcFailure('ipc', typeof error === 'string' ? error : 'Unknown error');
}

async function unwrap<T>(call: () => Promise<Result<T, IpcError>>): Promise<T> {
  let result: Result<T, IpcError>;
  try {
    result = await call();
  } catch (error) {
    throw toFailure(error);
  }
  if (result.status === 'ok') return result.data;
  throw toFailure(result.error);
}

export const ipc = {
  appState: (): Promise<AppState> => unwrap(() => commands.appState()),
  /** `from` and `to` in unix seconds. */
  agenda: (from: number, to: number): Promise<Agenda> => unwrap(() => commands.agenda(from, to)),
  eventDetail: (eventId: number, occurrenceStart: number | null = null): Promise<EventDetail> =>
    unwrap(() => commands.eventDetail(eventId, occurrenceStart)),
  joinLinks: (eventIds: number[]): Promise<EventJoin[]> => unwrap(() => commands.joinLinks(eventIds)),
  nextMeeting: (): Promise<NextMeeting | null> => unwrap(() => commands.nextMeeting()),
  /** Opens the event's meeting link in the browser or meeting app. */
  joinEvent: (eventId: number): Promise<JoinLink> => unwrap(() => commands.joinEvent(eventId)),
  sourcesStatus: (): Promise<SourceStatus[]> => unwrap(() => commands.sourcesStatus()),
  previewFeed: (url: string): Promise<FeedPreview> => unwrap(() => commands.previewFeed(url)),
  addFeed: (req: AddFeed): Promise<SourceInfo> => unwrap(() => commands.addFeed(req)),
  updateSource: (id: number, edit: SourceEdit): Promise<SourceInfo> =>
    unwrap(() => commands.updateSource(id, edit)),
  removeSource: (id: number): Promise<SourceInfo> => unwrap(() => commands.removeSource(id)),
  /** `id` null syncs every source. */
  syncNow: (id: number | null): Promise<SyncReport[]> => unwrap(() => commands.syncNow(id)),
  syncLog: (id: number | null, limit: number): Promise<LogLine[]> => unwrap(() => commands.syncLog(id, limit)),
  loadSample: (): Promise<SourceInfo> => unwrap(() => commands.loadSample()),
  /** Decides a sync held by the deletion guard: delete what the feed dropped, or keep it. */
  decideDeletions: (id: number, choice: MassDeletionChoice): Promise<SyncReport> =>
    unwrap(() => commands.decideDeletions(id, choice)),
  /** The full URL of a source (it works like a password: shown only on request). */
  revealSourceUrl: (id: number): Promise<string> => unwrap(() => commands.revealSourceUrl(id)),
  openWindow: (window: WindowKind): Promise<null> => unwrap(() => commands.openWindow(window)),
  /** Turns start at login on or off; resolves to the new state. */
  setAutostart: (enabled: boolean): Promise<boolean> => unwrap(() => commands.setAutostart(enabled)),
  reminderSettings: (): Promise<CalendarReminders[]> => unwrap(() => commands.reminderSettings()),
  setReminderSettings: (calendarId: number, prefs: ReminderPrefs): Promise<null> =>
    unwrap(() => commands.setReminderSettings(calendarId, prefs)),
  /** The occurrence the agenda was asked to show, once; null when none is waiting. */
  takeShownEvent: (): Promise<ShowEvent | null> => unwrap(() => commands.takeShownEvent()),
  /** The user's own addresses (to find their reply in invitations). */
  myAddresses: (): Promise<string[]> => unwrap(() => commands.myAddresses()),
  /** Replaces them; resolves to the stored (normalised) list. A bad entry is `invalid_input`. */
  setMyAddresses: (addresses: string[]): Promise<string[]> => unwrap(() => commands.setMyAddresses(addresses)),
  shortcutSettings: (): Promise<ShortcutSettings> => unwrap(() => commands.shortcutSettings()),
  /**
   * Sets the global join shortcut ("Ctrl+Alt+J"); null turns it off. Fails with
   * `invalid_input` or `shortcut_unavailable` (the previous shortcut stays).
   */
  setJoinShortcut: (text: string | null): Promise<ShortcutSettings> => unwrap(() => commands.setJoinShortcut(text)),
  /** The app-wide preferences: clock, first day of the week, Snooze length. */
  preferences: (): Promise<Preferences> => unwrap(() => commands.preferences()),
  /** Changes them (`null` fields stay); windows hear `MirrorChanged` (`preferences`). */
  setPreferences: (edit: PreferencesEdit): Promise<Preferences> => unwrap(() => commands.setPreferences(edit)),
};

export type Ipc = typeof ipc;
