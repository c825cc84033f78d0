/**
 * Source settings as the forms edit them: filter rules as text lines
 * (`[field:]pattern`, a regex between slashes) and sync intervals.
 */
import type { RuleSpec } from '../../platform/ipc';
import { count } from './words';

const FIELD_PREFIX = /^(any|summary|location|description):/i;

/** One rule as the user writes it. */
export function ruleToText(rule: RuleSpec): string {
  const prefix = rule.field === 'any' ? '' : `${rule.field}:`;
  return prefix + (rule.regex ? `/${rule.pattern}/` : rule.pattern);
}

export function rulesToText(rules: RuleSpec[]): string {
  return rules.map(ruleToText).join('\n');
}

/**
 * The non-blank lines of a rules box, trimmed, plus what is plainly wrong with
 * them. The shell validates the rest (its regex dialect is not JavaScript's).
 */
export function parseRuleLines(text: string): { rules: string[]; problems: string[] } {
  const rules: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const pattern = line.replace(FIELD_PREFIX, '');
    if (!pattern.trim()) problems.push(`Line ${i + 1} (“${line}”) has no pattern.`);
    else if (pattern === '//') problems.push(`Line ${i + 1} has an empty regular expression.`);
    rules.push(line);
  });
  return { rules, problems };
}

export type IntervalOption = { minutes: number; label: string };

export const INTERVALS: readonly IntervalOption[] = [
  { minutes: 5, label: 'Every 5 minutes' },
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 30, label: 'Every 30 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 360, label: 'Every 6 hours' },
  { minutes: 1440, label: 'Once a day' },
];

export const DEFAULT_INTERVAL = 15;

/** The offered intervals, plus the current one when it is not among them. */
export function intervalOptions(current: number): IntervalOption[] {
  if (INTERVALS.some((o) => o.minutes === current)) return [...INTERVALS];
  const label =
    current === 1 ? 'Every minute' : current % 60 === 0 ? `Every ${count(current / 60, 'hour')}` : `Every ${count(current, 'minute')}`;
  return [...INTERVALS, { minutes: current, label }].sort((a, b) => a.minutes - b.minutes);
}

/**
 * A problem with the address the user typed, or null when there is something to
 * test. Only an empty field is refused here: the engine takes feed URLs (http,
 * https, webcal), `file://` URLs and local paths (`/home/me/cal.ics`, `~/cal.ics`),
 * and says in plain words what is wrong with anything else.
 */
export function urlProblem(url: string): string | null {
  if (!url.trim()) return 'Enter the address of a calendar feed, or choose a calendar file.';
  return null;
}

/** A client-side validation problem in the `{ code, message }` shape of IPC errors. */
export function invalid(message: string): { code: string; message: string } {
  return { code: 'invalid_input', message };
}

/** Both rule boxes of a form, with their problems prefixed by the box they are in. */
export function filterLines(includeText: string, excludeText: string) {
  const include = parseRuleLines(includeText);
  const exclude = parseRuleLines(excludeText);
  return {
    include: include.rules,
    exclude: exclude.rules,
    problems: [
      ...include.problems.map((p) => `Only events matching: ${p}`),
      ...exclude.problems.map((p) => `Leave out: ${p}`),
    ],
  };
}
