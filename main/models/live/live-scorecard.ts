import { buildDataset } from '../../../shared/models/labels.js';
import type { LabelSpec } from '../../../shared/models/model.js';

/** Rows of history a label needs before its row (the triple barrier's volatility window). */
export function rowsBefore(spec: LabelSpec): number {
  return spec.kind === 'triple-barrier' ? spec.volWindow : 0;
}

/** Rows a set's log must hold for a model with this label to mature its predictions. */
export function rowsNeeded(spec: LabelSpec): number {
  return rowsBefore(spec) + spec.horizon + 2;
}

/**
 * Prices of a run of a set's rows, `prices[i]` for row `from + i` (NaN = unknown), on the
 * training convention (main/models/dataset.ts rowPrices: the close of the last candle closed
 * at the row's time, in the set's price timeframe).
 */
export interface RowPrices {
  readonly from: number;
  readonly prices: Float64Array;
}

/**
 * The realised label of row `index`, with the very code that labels training rows
 * (shared/models/labels.ts), the horizon counted in rows of the set's sampling. null when it
 * cannot be computed (a missing price, a row no longer held, a zero volatility): the training
 * builder drops those rows too.
 */
export function realisedLabel(rows: RowPrices, index: number, spec: LabelSpec): number | null {
  // A trader marks a chart after the fact: live rows have no marks yet, so nothing to score.
  if (spec.kind === 'annotations') return null;
  const before = rowsBefore(spec);
  const start = index - before - rows.from;
  const end = index + spec.horizon + 1 - rows.from;
  if (start < 0 || end > rows.prices.length) return null;
  const prices = rows.prices.subarray(start, end);
  // Row numbers stand in for times: a label depends on the order of rows, not on their stamps,
  // and event-sampled rows may share a stamp.
  const ts = Float64Array.from(prices, (_, i) => i);
  const dataset = buildDataset({ columns: [], ts, values: new Float64Array(0) }, prices, spec);
  for (let i = 0; i < dataset.ts.length; i++) if (dataset.ts[i] === before) return dataset.y[i] ?? null;
  return null;
}

/**
 * A prediction is right when its top class is the realised class; a regression model's when
 * its predicted return has the sign of the realised one (a zero on either side counts wrong:
 * no direction called, or none to call).
 */
export function isHit(output: readonly number[], label: number, classes: number): boolean {
  if (classes === 0) return (output[0] ?? 0) * label > 0;
  let top = 0;
  for (let k = 1; k < output.length; k++) if ((output[k] ?? 0) > (output[top] ?? 0)) top = k;
  return top === label;
}

interface Pending {
  readonly index: number;
  readonly output: readonly number[];
}

/**
 * Rolling live accuracy of one model: its predictions wait until their label matures (the
 * set has `horizon` settled rows after them), then count as hit or miss; the accuracy is over
 * the last `window` matured labels, and null until `minimum` have matured.
 */
export class LiveScorecard {
  private pending: Pending[] = [];
  private readonly hits: Uint8Array;
  private next = 0;
  private filled = 0;
  /** Labels matured since the model started (also those the window has forgotten). */
  matured = 0;

  constructor(
    readonly spec: LabelSpec,
    private readonly classes: number,
    readonly window: number,
    private readonly minimum: number = Math.min(30, window),
  ) {
    this.hits = new Uint8Array(window);
  }

  predicted(index: number, output: readonly number[]): void {
    this.pending.push({ index, output });
  }

  /** The first row whose price a maturing needs, or null when no label is due before row `settled`. */
  firstRowNeeded(settled: number): number | null {
    let first: number | null = null;
    for (const p of this.pending) {
      if (p.index + this.spec.horizon >= settled) continue;
      const from = p.index - rowsBefore(this.spec);
      if (first === null || from < first) first = from;
    }
    return first;
  }

  /** Scores every prediction whose label is decided by row `settled - 1`. */
  mature(settled: number, rows: RowPrices): void {
    let kept = 0;
    for (const prediction of this.pending) {
      if (prediction.index + this.spec.horizon >= settled) {
        this.pending[kept++] = prediction;
        continue;
      }
      const label = realisedLabel(rows, prediction.index, this.spec);
      if (label === null) continue;
      this.hits[this.next] = isHit(prediction.output, label, this.classes) ? 1 : 0;
      this.next = (this.next + 1) % this.window;
      this.filled = Math.min(this.window, this.filled + 1);
      this.matured++;
    }
    this.pending.length = kept;
  }

  accuracy(): number | null {
    if (this.filled < this.minimum) return null;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.hits[i] ?? 0;
    return sum / this.filled;
  }
}
