/**
 * Where a time chart may look and how tall its value axes are: pure helpers the candle chart
 * applies after every pan and zoom.
 */

/**
 * A time range moved back over the bars when a pan or wheel zoom left it (nearly) empty: at
 * least `minBars` periods of data stay in view, on whichever side the range ran off. The width
 * is kept (up to the data's own width plus the margin), so a zoom out is honoured.
 */
export function keepBarsInView(
  range: readonly [number, number],
  first: number,
  lastEnd: number,
  period: number,
  minBars = 5,
): readonly [number, number] {
  const [from, to] = range;
  const width = to - from;
  // Never more than the data or the view holds, so the allowed starts are never empty and a
  // pulled range is left alone by the next check (no back and forth with plotly).
  const margin = Math.min(minBars * period, lastEnd - first, width);
  const latestStart = lastEnd - margin;
  const earliestStart = first + margin - width;
  // Half a bar of slack: plotly hands ranges back through date strings.
  if (from > latestStart + period / 2) return [latestStart, latestStart + width];
  if (from < earliestStart - period / 2) return [earliestStart, earliestStart + width];
  return range;
}

/** The index range [start, end) of sorted `times` that falls inside [from, to]. */
export function visibleIndices(
  times: readonly number[],
  from: number,
  to: number,
): readonly [number, number] {
  return [lowerBound(times, from), lowerBound(times, to + 1)];
}

/**
 * A value axis range around the lows and highs of rows [start, end) (finite values only), with
 * `pad` of its height above and below; null when nothing finite is there.
 */
export function fitRange(
  columns: readonly ArrayLike<number>[],
  start: number,
  end: number,
  pad = 0.05,
): readonly [number, number] | null {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const column of columns) {
    for (let i = start; i < end && i < column.length; i++) {
      const value = column[i] ?? Number.NaN;
      if (!Number.isFinite(value)) continue;
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  if (low > high) return null;
  // A flat stretch still gets a visible band around its one value.
  const height = high > low ? high - low : Math.abs(high) * 0.01 || 1;
  return [low - height * pad, high + height * pad];
}

function lowerBound(times: readonly number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((times[middle] ?? Number.POSITIVE_INFINITY) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
