/** Counted nouns for the settings window: one helper, so no "1 events" slips through. */

/** "1 event", "2 events", "0 events"; `many` for nouns without a plain -s plural. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
