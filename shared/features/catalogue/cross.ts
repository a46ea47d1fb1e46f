import { z } from 'zod';
import type { Candle } from '../../domain/candle.js';
import { defineFeature, type IncrementalFeature } from '../feature.js';
import { periodParam, timeframeParam } from './params.js';
import { LastN } from './windows.js';

/**
 * Rolling correlation and beta of this instrument's log returns against a reference
 * instrument's, on closed bars of one timeframe. The engine routes the reference's closed
 * bars here too (the feature names it in `reference`). Bars pair up when both instruments
 * have a bar with the same open time; each return runs from the previous pair to this one,
 * so a bar missing on either side stretches the return instead of misaligning the series.
 * Over the last n pairs: correlation = cov / (sx sy), beta = cov(own, ref) / var(ref).
 */
class CrossAssetCorrelation implements IncrementalFeature {
  private ownOpen = Number.NaN;
  private ownClose = Number.NaN;
  private refOpen = Number.NaN;
  private refClose = Number.NaN;
  private pairedOpen = Number.NaN;
  private previousOwn = Number.NaN;
  private previousRef = Number.NaN;
  private readonly own: LastN;
  private readonly ref: LastN;
  private readonly values = new Float64Array([Number.NaN, Number.NaN]);

  constructor(
    private readonly instrument: string,
    private readonly reference: string,
    private readonly period: number,
  ) {
    this.own = new LastN(period);
    this.ref = new LastN(period);
  }

  onBar(bar: Candle): void {
    if (bar.instrument === this.instrument) {
      this.ownOpen = bar.openTime;
      this.ownClose = bar.close;
    }
    if (bar.instrument === this.reference) {
      this.refOpen = bar.openTime;
      this.refClose = bar.close;
    }
    if (this.ownOpen !== this.refOpen || this.ownOpen === this.pairedOpen) return;
    this.pairedOpen = this.ownOpen;
    if (!Number.isNaN(this.previousOwn)) {
      this.own.push(Math.log(this.ownClose / this.previousOwn));
      this.ref.push(Math.log(this.refClose / this.previousRef));
      if (this.own.full) this.compute();
    }
    this.previousOwn = this.ownClose;
    this.previousRef = this.refClose;
  }

  read(out: Float64Array, offset: number): void {
    out.set(this.values, offset);
  }

  private compute(): void {
    const n = this.period;
    let meanOwn = 0;
    let meanRef = 0;
    for (let i = 0; i < n; i++) {
      meanOwn += this.own.at(i);
      meanRef += this.ref.at(i);
    }
    meanOwn /= n;
    meanRef /= n;
    let cov = 0;
    let varOwn = 0;
    let varRef = 0;
    for (let i = 0; i < n; i++) {
      const a = this.own.at(i) - meanOwn;
      const b = this.ref.at(i) - meanRef;
      cov += a * b;
      varOwn += a * a;
      varRef += b * b;
    }
    this.values[0] = varOwn > 0 && varRef > 0 ? cov / Math.sqrt(varOwn * varRef) : Number.NaN;
    this.values[1] = varRef > 0 ? cov / varRef : Number.NaN;
  }
}

const crossParams = z.strictObject({
  reference: z.string().min(1),
  timeframe: timeframeParam(),
  period: periodParam(30, 3),
});

export const crossAsset = defineFeature({
  kind: 'cross_asset',
  title: 'Cross-asset correlation and beta',
  family: 'cross-asset',
  definition:
    'over the last n paired closed bars: correlation of log returns with the reference instrument, and beta = cov / var(reference)',
  inputs: ['candles'],
  params: crossParams,
  timeframe: (params) => params.timeframe,
  references: (params) => [params.reference],
  outputs: () => ['correlation', 'beta'],
  create: ({ reference, period }, { instrument }) => new CrossAssetCorrelation(instrument, reference, period),
});

export const CROSS_ASSET_FEATURES = [crossAsset] as const;
