/** How far the app's clock is from this machine's (0 unless the engine's is pinned). */
let offsetMs = 0;

/**
 * Follows the engine's clock (`AppState.now`, Unix seconds) when it is pinned far
 * from this machine's (`TRAYCAL_NOW`, in tests and demos); a few seconds of skew
 * are the machine's own and ignored.
 */
export function followClock(engineNowSecs: number): void {
  const diff = engineNowSecs * 1000 - Date.now();
  offsetMs = Math.abs(diff) > 60_000 ? diff : 0;
}

/** Now, on the app's clock. */
export function currentTime(): Date {
  return new Date(Date.now() + offsetMs);
}

/**
 * Calls `onTick` each time the wall-clock minute turns (aligned to :00 seconds),
 * so "now" lines, running marks and relative times stay current. Returns a stop
 * function.
 */
export function everyMinute(onTick: (now: Date) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    const now = currentTime().getTime();
    const wait = 60_000 - (now % 60_000) + 50;
    timer = setTimeout(() => {
      onTick(currentTime());
      schedule();
    }, wait);
  };
  schedule();
  return () => clearTimeout(timer);
}
