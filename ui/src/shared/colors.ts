/**
 * Calendar colours. A colour from a feed or the mirror is used only when it is a
 * plain hex colour; anything else falls back to a stable colour picked from the
 * calendar's name, so a hostile value never reaches a style property.
 */

/** The swatches offered when adding or editing a source. */
export const PRESET_COLORS: readonly string[] = [
  '#3b82f6', // blue
  '#10b981', // green
  '#f59e0b', // amber
  '#ef4444', // red
  '#8b5cf6', // violet
  '#ec4899', // pink
  '#14b8a6', // teal
  '#64748b', // slate
];

const HEX_RE = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

export function isHexColor(value: string | null | undefined): value is string {
  return typeof value === 'string' && HEX_RE.test(value.trim());
}

/** The colour to paint a calendar with. */
export function calendarColor(color: string | null | undefined, name: string): string {
  if (isHexColor(color)) return color.trim();
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return PRESET_COLORS[hash % PRESET_COLORS.length];
}

/** `<input type=color>` only takes #rrggbb. */
export function toColorInput(color: string | null | undefined): string {
  if (!isHexColor(color)) return PRESET_COLORS[0];
  const c = color.trim().toLowerCase();
  if (c.length === 4) return `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}`;
  return c.slice(0, 7);
}
