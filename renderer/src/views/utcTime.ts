/** ms UTC -> the value of a datetime-local input, read as UTC (every panel shows UTC). */
export function toInputTime(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19);
}

/** The value of a datetime-local input, read as UTC -> ms, or null while it does not parse. */
export function fromInputTime(value: string): number | null {
  const ts = Date.parse(`${value}Z`);
  return Number.isFinite(ts) ? ts : null;
}

/** `2026-01-05 00:00:00`: a moment in UTC to the second, for tables and lists. */
export function utcText(ts: number): string {
  return toInputTime(ts).replace('T', ' ');
}

/**
 * `2026-01-05 00:00:00 → 2026-01-06 00:00:00 UTC`: a range with the date on both ends (a
 * shortened end such as `→ 00:00:00` read as an empty range when it meant the next midnight)
 * and the time zone said once.
 */
export function utcRange(from: number, to: number): string {
  return `${utcText(from)} → ${utcText(to)} UTC`;
}
