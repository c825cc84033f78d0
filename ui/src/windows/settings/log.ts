/** Sorting sync-log lines for the log's outcome filter. */
import type { LogLine } from '../../platform/ipc';

export type OutcomeFilter = 'all' | 'changes' | 'failures';

export function isFailure(line: LogLine): boolean {
  return line.error !== null || /fail|error/i.test(line.outcome);
}

/** A sync that added, changed or removed events (not one that found nothing new). */
export function isChange(line: LogLine): boolean {
  return !isFailure(line) && line.added + line.updated + line.removed + line.kept_as_history > 0;
}

export function filterLog(lines: LogLine[], outcome: OutcomeFilter): LogLine[] {
  if (outcome === 'failures') return lines.filter(isFailure);
  if (outcome === 'changes') return lines.filter(isChange);
  return lines;
}
