import type { Predictor } from '../backtest/strategies/ml-signal.js';
import type { BarView, FeatureSource } from '../backtest/strategy.js';
import type { MarketEvent } from '../domain/market.js';

/**
 * A model's predictions as the ML-signal strategy reads them: the feature row it sees is one
 * number, the up probability of the latest predicted row whose time is at or before the
 * market time being handled, and its Predictor reads that number back. The training folds'
 * backtests push every test row's prediction up front; paper trading pushes each live
 * prediction as the feature worker answers. Either way the strategy sees a prediction only
 * once the market has reached its row, never before (no look-ahead), and the same MlSignal
 * code decides.
 *
 * A prediction older than `staleAfterMs` is no prediction (NaN): a model that stopped
 * answering (inputs missing, unloaded) must not keep a position on its last word.
 */

/** What a prediction carries beside its probability, for the audit entry of a signal. */
export interface PredictionMeta {
  readonly modelId: number;
  readonly output: readonly number[];
  readonly confidence: number;
  readonly uncertainty: number | null;
  readonly latencyMs: number;
}

/** A prediction the strategy decided on: the row it came from and when it was read. */
export interface SignalRead {
  /** Market time of the decision. */
  readonly ts: number;
  /** Time of the feature row the model predicted on. */
  readonly rowTs: number;
  readonly up: number;
  readonly meta: PredictionMeta | null;
  /** Predictions that arrived since the previous signal was read and were superseded unread. */
  readonly superseded: number;
}

export interface PredictionFeedOptions {
  readonly staleAfterMs?: number;
  /** Called the first time the strategy reads a prediction (once per prediction). */
  readonly onRead?: (signal: SignalRead) => void;
}

/** Pending predictions are compacted once this many have been read past. */
const COMPACT_AFTER = 4_096;

export class PredictionFeed implements FeatureSource, Predictor {
  private readonly staleAfterMs: number;
  private readonly onRead: ((signal: SignalRead) => void) | undefined;
  private rowTs: number[] = [];
  private ups: number[] = [];
  private metas: (PredictionMeta | null)[] = [];
  /** Index of the first prediction not yet reached by market time. */
  private next = 0;
  private now = Number.NEGATIVE_INFINITY;
  private readonly row = new Float64Array(1);
  /** The prediction the row holds (index into the arrays), -1 for none. */
  private shown = -1;
  private lastReadTs = Number.NaN;
  private unread = 0;
  private received = 0;

  constructor(options: PredictionFeedOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? Number.POSITIVE_INFINITY;
    this.onRead = options.onRead;
    if (!(this.staleAfterMs > 0)) throw new RangeError(`staleAfterMs must be > 0, got ${this.staleAfterMs}`);
  }

  /**
   * A prediction for the row at `rowTs`, in row order. One for an earlier row than the last
   * pushed is ignored (a model restarted mid-stream answers in order again).
   */
  push(rowTs: number, up: number, meta: PredictionMeta | null = null): void {
    const last = this.rowTs[this.rowTs.length - 1];
    if (!Number.isFinite(rowTs) || (last !== undefined && rowTs < last)) return;
    this.rowTs.push(rowTs);
    this.ups.push(up);
    this.metas.push(meta);
    this.received++;
  }

  /** Predictions pushed so far. */
  get count(): number {
    return this.received;
  }

  onEvent(event: MarketEvent): void {
    this.advance(event.ts);
  }

  onBar(bar: BarView): void {
    this.advance(bar.closeTime);
  }

  current(): Float64Array {
    this.refresh();
    return this.row;
  }

  /** The up probability in the row (the strategy's Predictor); reports a first read. */
  predict(features: Float64Array): number {
    const up = features[0] ?? Number.NaN;
    const i = this.shown;
    if (i >= 0 && features === this.row && Number.isFinite(up)) {
      const rowTs = this.rowTs[i] ?? Number.NaN;
      if (rowTs !== this.lastReadTs) {
        this.lastReadTs = rowTs;
        this.onRead?.({
          ts: this.now,
          rowTs,
          up,
          meta: this.metas[i] ?? null,
          superseded: Math.max(0, this.unread - 1),
        });
        this.unread = 0;
      }
    }
    return up;
  }

  /** The latest prediction reached by market time and not stale, or null. */
  latest(): { readonly rowTs: number; readonly up: number } | null {
    this.refresh();
    const up = this.row[0] ?? Number.NaN;
    return this.shown >= 0 && Number.isFinite(up) ? { rowTs: this.rowTs[this.shown] ?? 0, up } : null;
  }

  private advance(ts: number): void {
    if (ts > this.now) this.now = ts;
  }

  private refresh(): void {
    while (this.next < this.rowTs.length && (this.rowTs[this.next] ?? Number.POSITIVE_INFINITY) <= this.now) {
      this.next++;
      this.unread++;
    }
    this.shown = this.next - 1;
    const rowTs = this.shown >= 0 ? (this.rowTs[this.shown] ?? Number.NaN) : Number.NaN;
    this.row[0] =
      this.shown >= 0 && this.now - rowTs <= this.staleAfterMs
        ? (this.ups[this.shown] ?? Number.NaN)
        : Number.NaN;
    if (this.next > COMPACT_AFTER) this.compact();
  }

  /** Drops what market time has passed, keeping the prediction the row shows. */
  private compact(): void {
    const keep = this.next - 1;
    this.rowTs = this.rowTs.slice(keep);
    this.ups = this.ups.slice(keep);
    this.metas = this.metas.slice(keep);
    this.next -= keep;
    this.shown -= keep;
  }
}
