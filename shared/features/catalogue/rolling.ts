import { z } from 'zod';
import type { Candle } from '../../domain/candle.js';
import type { Trade } from '../../domain/market.js';
import { TIMEFRAME_MS } from '../../domain/timeframes.js';
import type { ReadonlyOrderBook } from '../../market/order-book.js';
import { defineFeature, type FeatureSpec, type IncrementalFeature } from '../feature.js';
import { WindowExtremum, WindowMoments } from './windows.js';

/**
 * Rolling statistics of one output of any other feature. The wrapper receives exactly the
 * inputs its inner feature consumes, forwards each update, then samples the inner output:
 * one sample per book event for a book feature, per trade for a trade feature, per closed bar
 * for a candle feature (per moment whose reference bar closed, for a cross-asset one). Clock ticks are forwarded but never sampled (sampling on ticks would
 * make the statistic depend on how often live ticks the clock).
 *
 * The window is the last `window` samples (unit 'samples') or the samples of the last
 * `window` ms (unit 'ms', (t - window, t]). A NaN sample makes every statistic NaN while it
 * is in the window: a missing upstream value is never averaged away.
 */
class RollingStatistics implements IncrementalFeature {
  private readonly moments = new WindowMoments();
  private readonly max = new WindowExtremum('max');
  private readonly min = new WindowExtremum('min');
  private readonly sample: Float64Array;
  private samples = 0;
  private latest = Number.NaN;
  private now = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: IncrementalFeature,
    private readonly lastReference: string | null,
    innerWidth: number,
    private readonly outputIndex: number,
    private readonly window: number,
    private readonly byTime: boolean,
  ) {
    this.sample = new Float64Array(innerWidth);
  }

  onBook(book: ReadonlyOrderBook, ts: number): void {
    this.inner.onBook?.(book, ts);
    this.take(ts);
  }

  onTrade(trade: Trade): void {
    this.inner.onTrade?.(trade);
    this.take(trade.ts);
  }

  onBar(bar: Candle): void {
    this.inner.onBar?.(bar);
    // A cross-asset inner feature gets several bars per moment (its own, then its references'
    // in sorted order): sample once, after the last of them, when its value is complete.
    if (this.lastReference !== null && bar.instrument !== this.lastReference) return;
    this.take(bar.openTime + TIMEFRAME_MS[bar.timeframe]);
  }

  onTime(ts: number): void {
    this.inner.onTime?.(ts);
    if (ts > this.now) this.now = ts;
    if (this.byTime) this.evictThrough(this.now - this.window);
  }

  read(out: Float64Array, offset: number): void {
    const count = this.moments.count;
    if (count === 0 || this.moments.missing > 0) {
      out.fill(Number.NaN, offset, offset + 5);
      return;
    }
    const mean = this.moments.mean();
    const std = this.moments.std();
    out[offset] = mean;
    out[offset + 1] = std;
    out[offset + 2] = this.min.value();
    out[offset + 3] = this.max.value();
    out[offset + 4] = std > 0 ? (this.latest - mean) / std : Number.NaN;
  }

  private take(ts: number): void {
    if (ts > this.now) this.now = ts;
    this.inner.read(this.sample, 0);
    const x = this.sample[this.outputIndex] ?? Number.NaN;
    const key = this.byTime ? ts : this.samples;
    this.samples++;
    this.latest = x;
    this.moments.push(key, x);
    this.min.push(key, x);
    this.max.push(key, x);
    this.evictThrough(this.byTime ? this.now - this.window : this.samples - 1 - this.window);
  }

  private evictThrough(cutoff: number): void {
    this.moments.evictThrough(cutoff);
    this.min.evictThrough(cutoff);
    this.max.evictThrough(cutoff);
  }
}

const innerSpecSchema = z.strictObject({
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
});

const rollingParams = z.strictObject({
  of: innerSpecSchema,
  output: z.string().min(1).default('value'),
  window: z.number().int().min(2).max(86_400_000).default(100),
  unit: z.enum(['samples', 'ms']).default('samples'),
});

type RollingParams = z.infer<typeof rollingParams>;

export const rolling = defineFeature<RollingParams>({
  kind: 'rolling',
  title: 'Rolling statistics',
  family: 'rolling',
  definition:
    'mean, sample std, min, max and z-score ((latest - mean) / std) of one output of another feature over the last n samples or ms',
  inputs: [],
  params: rollingParams,
  inner: {
    get: (params): FeatureSpec => params.of,
    set: (params, inner) => ({ ...params, of: { kind: inner.kind, params: { ...inner.params } } }),
    check: (params, outputs) =>
      outputs.includes(params.output)
        ? null
        : `output '${params.output}' is not one of ${outputs.join(', ')}`,
  },
  outputs: () => ['mean', 'std', 'min', 'max', 'zscore'],
  create: (params, { inner }) => {
    if (inner === null) throw new Error('rolling needs its inner feature');
    const index = inner.outputs.indexOf(params.output);
    if (index < 0) throw new Error(`rolling: no output '${params.output}'`);
    const lastReference = inner.references[inner.references.length - 1] ?? null;
    return new RollingStatistics(
      inner.feature,
      lastReference,
      inner.outputs.length,
      index,
      params.window,
      params.unit === 'ms',
    );
  },
});

export const ROLLING_FEATURES = [rolling] as const;
