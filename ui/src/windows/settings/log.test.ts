import { describe, expect, it } from 'vitest';
import type { LogLine, SyncCounts } from '../../platform/ipc';
import { filterLog, isChange, isFailure } from './log';

const none: SyncCounts = { added: 0, updated: 0, removed: 0, kept_as_history: 0, pushed: 0, conflicts: 0 };

function line(counts: Partial<SyncCounts>, over: Partial<LogLine> = {}): LogLine {
  return {
    at: '2026-11-23T09:20:00Z',
    source_id: 7,
    source: 'Work',
    outcome: 'updated',
    ...none,
    ...counts,
    diagnostics: 0,
    duration_ms: 10,
    error: null,
    error_code: null,
    error_detail: null,
    notes: null,
    ...over,
  };
}

describe('the sync log filter', () => {
  it('counts a sync that only pushed, or only found a conflict, as a change', () => {
    expect(isChange(line({ pushed: 1 }))).toBe(true);
    expect(isChange(line({ conflicts: 1 }))).toBe(true);
    expect(isChange(line({ kept_as_history: 2 }))).toBe(true);
    expect(isChange(line({}, { outcome: 'unchanged' }))).toBe(false);
  });

  it('keeps failures out of the changes and in the failures', () => {
    const failed = line({ added: 1 }, { outcome: 'failed', error: 'refused' });
    expect(isFailure(failed)).toBe(true);
    expect(isChange(failed)).toBe(false);
    const lines = [failed, line({ pushed: 1 }), line({})];
    expect(filterLog(lines, 'failures')).toEqual([failed]);
    expect(filterLog(lines, 'changes')).toEqual([lines[1]]);
    expect(filterLog(lines, 'all')).toHaveLength(3);
  });
});
