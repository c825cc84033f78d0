/**
 * Subscriptions to the shell's events. Each helper returns a plain function that
 * unsubscribes, usable from a component's teardown even before the underlying
 * listener has finished registering.
 */
import { events, type MirrorChanged, type ShowEvent, type SyncProgress } from './bindings';

export type Unsubscribe = () => void;

function subscribe<T>(
  listen: (cb: (event: { payload: T }) => void) => Promise<() => void>,
  handler: (payload: T) => void,
): Unsubscribe {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen((event) => {
    if (!stopped) handler(event.payload);
  }).then(
    (fn) => {
      if (stopped) fn();
      else unlisten = fn;
    },
    // No event bridge (e.g. the page opened outside Tauri): nothing to listen to.
    () => undefined,
  );
  return () => {
    stopped = true;
    unlisten?.();
    unlisten = null;
  };
}

/** The mirror changed (a sync wrote, a source was added or removed). */
export function onMirrorChanged(handler: (payload: MirrorChanged) => void): Unsubscribe {
  return subscribe<MirrorChanged>((cb) => events.mirrorChanged.listen(cb), handler);
}

/** Progress of a running sync, one event per phase change or chunk. */
export function onSyncProgress(handler: (payload: SyncProgress) => void): Unsubscribe {
  return subscribe<SyncProgress>((cb) => events.syncProgress.listen(cb), handler);
}

/**
 * The agenda is asked to show an occurrence (a reminder or tray item was clicked).
 * The request itself is collected with `ipc.takeShownEvent()`.
 */
export function onShowEvent(handler: (payload: ShowEvent) => void): Unsubscribe {
  return subscribe<ShowEvent>((cb) => events.showEvent.listen(cb), handler);
}
