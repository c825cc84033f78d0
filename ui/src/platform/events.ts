/**
 * Subscriptions to the shell's events: `on(name, handler)` for each event of the
 * generated `events` (the contract's list, crates/traycal-contract), typed by its
 * payload. Nothing here is written per event. Each subscription returns a plain
 * function that unsubscribes, usable from a component's teardown even before the
 * underlying listener has finished registering.
 */
import { events } from './bindings';

export type Unsubscribe = () => void;

type Events = typeof events;
/** An event's name as the bindings spell it (`mirrorChanged`). */
export type EventName = keyof Events;
/** What an event carries. */
export type EventPayload<K extends EventName> = Parameters<Parameters<Events[K]['listen']>[0]>[0]['payload'];

/** Calls `handler` with each payload of the event `name` until unsubscribed. */
export function on<K extends EventName>(name: K, handler: (payload: EventPayload<K>) => void): Unsubscribe {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  const listen = events[name].listen as (cb: (event: { payload: EventPayload<K> }) => void) => Promise<() => void>;
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
