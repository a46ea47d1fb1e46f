/** How feature values are drawn and named in small spaces: sparklines, panels, tables. */

/** Points of a polyline through the finite values, scaled into width x height (missing values break nothing: skipped). */
export function sparklinePoints(values: readonly (number | null)[], width: number, height: number): string {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max >= min)) return '';
  const span = max > min ? max - min : 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    const y = max > min ? height - ((v - min) / span) * height : height / 2;
    points.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  return points.join(' ');
}

/** `book_imbalance.value` from `book_imbalance(levels=5).value`: the parameters go to the tooltip. */
export function shortColumn(column: string): string {
  return column.replace(/\(.*\)/, '');
}

/** A feature value at a glance: 4 significant digits, grouped, `—` when missing. */
export function featureValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(2);
  return value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}
