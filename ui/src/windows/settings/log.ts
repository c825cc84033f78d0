/** Sorting sync-log lines for the log's outcome filter. */
import type { LogLine } from '../../platform/ipc';

export type OutcomeFilter = 'all' | 'changes' | 'failures';

export function isFailure(line: LogLine): boolean {
  return line.error !== null || /fail|error/i.test(line.outcome);
}

/** A sync that changed anything, here or on the server (not one that found nothing new). */
export function isChange(line: LogLine): boolean {
  const c = line;
  return !isFailure(line) && c.added + c.updated + c.removed + c.kept_as_history + c.pushed + c.conflicts > 0;
}

export function filterLog(lines: LogLine[], outcome: OutcomeFilter): LogLine[] {
  if (outcome === 'failures') return lines.filter(isFailure);
  if (outcome === 'changes') return lines.filter(isChange);
  return lines;
}
