/**
 * Calls `onTick` each time the wall-clock minute turns (aligned to :00 seconds),
 * so "now" lines, running marks and relative times stay current. Returns a stop
 * function.
 */
export function everyMinute(onTick: (now: Date) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    const now = Date.now();
    const wait = 60_000 - (now % 60_000) + 50;
    timer = setTimeout(() => {
      onTick(new Date());
      schedule();
    }, wait);
  };
  schedule();
  return () => clearTimeout(timer);
}
