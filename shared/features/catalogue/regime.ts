import { z } from 'zod';
import type { Candle } from '../../domain/candle.js';
import { defineFeature } from '../feature.js';
import { BarFeature, DirectionalMovement, sampleStd } from './candles.js';
import { periodParam, timeframeParam } from './params.js';
import { LastN } from './windows.js';

/**
 * Volatility and trend regime of closed bars, as one numeric code:
 *
 *   volatile = realised vol (sample std of the last volPeriod log returns) is above the median
 *              of its own last medianPeriod values (the current one included)
 *   trend    = sign(+DI - -DI) when ADX(adxPeriod) >= adxThreshold, else 0 (range)
 *   code     = 3 volatile + trend + 1
 *
 *   0 calm down    1 calm range    2 calm up
 *   3 volatile down 4 volatile range 5 volatile up
 *
 * NaN until the vol median and the ADX are both defined.
 */
export const REGIME_CODES = [
  'calm down',
  'calm range',
  'calm up',
  'volatile down',
  'volatile range',
  'volatile up',
] as const;

class VolatilityTrendRegime extends BarFeature {
  private previous = Number.NaN;
  private readonly returns: LastN;
  private readonly vols: LastN;
  private readonly sorted: Float64Array;
  private readonly dm: DirectionalMovement;

  constructor(
    instrument: string,
    volPeriod: number,
    private readonly medianPeriod: number,
    adxPeriod: number,
    private readonly adxThreshold: number,
  ) {
    super(instrument, 1);
    this.returns = new LastN(volPeriod);
    this.vols = new LastN(medianPeriod);
    this.sorted = new Float64Array(medianPeriod);
    this.dm = new DirectionalMovement(adxPeriod);
  }

  protected update(bar: Candle): void {
    this.dm.push(bar);
    if (!Number.isNaN(this.previous)) this.returns.push(Math.log(bar.close / this.previous));
    this.previous = bar.close;
    if (!this.returns.full) return;
    const vol = sampleStd(this.returns);
    this.vols.push(vol);
    if (!this.vols.full || Number.isNaN(this.dm.adx)) {
      this.values[0] = Number.NaN;
      return;
    }
    this.vols.copyTo(this.sorted);
    this.sorted.sort();
    const m = this.medianPeriod;
    const median =
      m % 2 === 1
        ? (this.sorted[(m - 1) / 2] ?? 0)
        : ((this.sorted[m / 2 - 1] ?? 0) + (this.sorted[m / 2] ?? 0)) / 2;
    const volatile = vol > median ? 1 : 0;
    const trend = this.dm.adx >= this.adxThreshold ? Math.sign(this.dm.plusDi - this.dm.minusDi) : 0;
    this.values[0] = Number.isNaN(trend) ? Number.NaN : 3 * volatile + trend + 1;
  }
}

export const regime = defineFeature({
  kind: 'regime',
  title: 'Volatility / trend regime',
  family: 'regime',
  definition:
    'code = 3 (realised vol > its median) + sign(+DI - -DI if ADX >= threshold else 0) + 1: 0 calm down .. 2 calm up, 3 volatile down .. 5 volatile up',
  inputs: ['candles'],
  params: z.strictObject({
    timeframe: timeframeParam(),
    volPeriod: periodParam(20, 2),
    medianPeriod: periodParam(100),
    adxPeriod: periodParam(14),
    adxThreshold: z.number().min(0).max(100).default(25),
  }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['code'],
  create: (p, { instrument }) =>
    new VolatilityTrendRegime(instrument, p.volPeriod, p.medianPeriod, p.adxPeriod, p.adxThreshold),
});

export const REGIME_FEATURES = [regime] as const;
