/**
 * An uncertainty band cut into the runs where the model gave one. Plotly's `fill: 'tonexty'`
 * fills between a trace and the one before it as whole polygons: with gaps (null) inside the two
 * edges it joins the runs with straight edges across the gaps, and the shape stops surrounding
 * its line. One upper/lower pair per run has no gap, so each fill hugs the line it belongs to.
 */

export interface BandRun {
  readonly ts: number[];
  readonly upper: number[];
  readonly lower: number[];
}

export function bandRuns(
  ts: readonly number[],
  value: readonly number[],
  spread: readonly (number | null)[],
): BandRun[] {
  const runs: BandRun[] = [];
  let run: BandRun | null = null;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const v = value[i];
    const s = spread[i];
    if (t === undefined || v === undefined || s === undefined || s === null || !Number.isFinite(v + s)) {
      run = null;
      continue;
    }
    if (run === null) {
      run = { ts: [], upper: [], lower: [] };
      runs.push(run);
    }
    const half = Math.abs(s);
    run.ts.push(t);
    run.upper.push(v + half);
    run.lower.push(v - half);
  }
  return runs;
}
