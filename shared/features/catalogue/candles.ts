import { z } from 'zod';
import type { Candle } from '../../domain/candle.js';
import { defineFeature, type IncrementalFeature } from '../feature.js';
import { periodParam, timeframeParam } from './params.js';
import { LastN } from './windows.js';

/**
 * Candle features: computed on CLOSED bars of one timeframe only (the engine closes a bar
 * when the clock passes its end), so a value never includes the bar still forming. Each
 * update is O(period) at most, once per bar; read() copies cached outputs. Periods count
 * bars that had trades (a quiet period has no bar). Everything is NaN until enough bars.
 */
export abstract class BarFeature implements IncrementalFeature {
  protected readonly values: Float64Array;

  constructor(
    private readonly instrument: string,
    outputs: number,
  ) {
    this.values = new Float64Array(outputs).fill(Number.NaN);
  }

  onBar(bar: Candle): void {
    if (bar.instrument === this.instrument) this.update(bar);
  }

  read(out: Float64Array, offset: number): void {
    out.set(this.values, offset);
  }

  protected abstract update(bar: Candle): void;
}

/** Wilder's smoothing: the mean of the first n values, then avg = (avg (n - 1) + x) / n. */
export class WilderAverage {
  private count = 0;
  private sum = 0;
  value = Number.NaN;

  constructor(private readonly n: number) {}

  push(x: number): number {
    if (this.count < this.n) {
      this.sum += x;
      if (++this.count === this.n) this.value = this.sum / this.n;
    } else {
      this.value = (this.value * (this.n - 1) + x) / this.n;
    }
    return this.value;
  }
}

/** Exponential moving average, alpha = 2 / (n + 1), seeded with the simple mean of the first n values. */
export class Ema {
  private count = 0;
  private sum = 0;
  private readonly alpha: number;
  value = Number.NaN;

  constructor(private readonly n: number) {
    this.alpha = 2 / (n + 1);
  }

  push(x: number): number {
    if (this.count < this.n) {
      this.sum += x;
      if (++this.count === this.n) this.value = this.sum / this.n;
    } else {
      this.value += this.alpha * (x - this.value);
    }
    return this.value;
  }
}

/** True range: max(high - low, |high - previous close|, |low - previous close|). */
function trueRange(bar: Candle, previousClose: number): number {
  return Math.max(bar.high - bar.low, Math.abs(bar.high - previousClose), Math.abs(bar.low - previousClose));
}

/**
 * Wilder's directional movement system. From the second bar: +DM = up move when it exceeds
 * the down move and is positive (else 0), -DM likewise, TR as above. TR, +DM, -DM are
 * smoothed Wilder's way (first value = sum of the first n, then S - S/n + x); +DI = 100 +DM/TR,
 * -DI = 100 -DM/TR; DX = 100 |+DI - -DI| / (+DI + -DI) (0 when both are 0: no directional
 * movement at all); ADX = Wilder average of DX (mean of the first n, then smoothed). So DIs
 * appear at bar n + 1 and ADX at bar 2n.
 */
export class DirectionalMovement {
  private bars = 0;
  private previousHigh = 0;
  private previousLow = 0;
  private previousClose = 0;
  private count = 0;
  private smoothTr = 0;
  private smoothPlus = 0;
  private smoothMinus = 0;
  private readonly adxAverage: WilderAverage;
  adx = Number.NaN;
  plusDi = Number.NaN;
  minusDi = Number.NaN;

  constructor(private readonly n: number) {
    this.adxAverage = new WilderAverage(n);
  }

  push(bar: Candle): void {
    if (this.bars++ > 0) {
      const up = bar.high - this.previousHigh;
      const down = this.previousLow - bar.low;
      const plus = up > down && up > 0 ? up : 0;
      const minus = down > up && down > 0 ? down : 0;
      const tr = trueRange(bar, this.previousClose);
      if (this.count < this.n) {
        this.smoothTr += tr;
        this.smoothPlus += plus;
        this.smoothMinus += minus;
        this.count++;
      } else {
        this.smoothTr += tr - this.smoothTr / this.n;
        this.smoothPlus += plus - this.smoothPlus / this.n;
        this.smoothMinus += minus - this.smoothMinus / this.n;
      }
      if (this.count === this.n) {
        this.plusDi = this.smoothTr > 0 ? (100 * this.smoothPlus) / this.smoothTr : Number.NaN;
        this.minusDi = this.smoothTr > 0 ? (100 * this.smoothMinus) / this.smoothTr : Number.NaN;
        const sum = this.plusDi + this.minusDi;
        const dx = sum > 0 ? (100 * Math.abs(this.plusDi - this.minusDi)) / sum : 0;
        this.adx = this.adxAverage.push(dx);
      }
    }
    this.previousHigh = bar.high;
    this.previousLow = bar.low;
    this.previousClose = bar.close;
  }
}

/** Sample standard deviation (n - 1) of the values held, NaN below two. */
export function sampleStd(values: LastN): number {
  const n = values.count;
  if (n < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values.at(i);
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values.at(i) - mean) ** 2;
  return Math.sqrt(squares / (n - 1));
}

class BarReturn extends BarFeature {
  private previous = Number.NaN;

  protected update(bar: Candle): void {
    this.values[0] = bar.close / this.previous - 1;
    this.values[1] = Math.log(bar.close / this.previous);
    this.previous = bar.close;
  }
}

class RealisedVolatility extends BarFeature {
  private previous = Number.NaN;
  private readonly returns: LastN;

  constructor(instrument: string, period: number) {
    super(instrument, 1);
    this.returns = new LastN(period);
  }

  protected update(bar: Candle): void {
    if (!Number.isNaN(this.previous)) this.returns.push(Math.log(bar.close / this.previous));
    this.previous = bar.close;
    this.values[0] = this.returns.full ? sampleStd(this.returns) : Number.NaN;
  }
}

class ParkinsonVolatility extends BarFeature {
  private readonly squares: LastN;

  constructor(
    instrument: string,
    private readonly period: number,
  ) {
    super(instrument, 1);
    this.squares = new LastN(period);
  }

  protected update(bar: Candle): void {
    this.squares.push(Math.log(bar.high / bar.low) ** 2);
    if (!this.squares.full) return;
    let sum = 0;
    for (let i = 0; i < this.period; i++) sum += this.squares.at(i);
    this.values[0] = Math.sqrt(sum / (4 * this.period * Math.LN2));
  }
}

class Rsi extends BarFeature {
  private previous = Number.NaN;
  private readonly gains: WilderAverage;
  private readonly losses: WilderAverage;

  constructor(instrument: string, period: number) {
    super(instrument, 1);
    this.gains = new WilderAverage(period);
    this.losses = new WilderAverage(period);
  }

  protected update(bar: Candle): void {
    if (!Number.isNaN(this.previous)) {
      const change = bar.close - this.previous;
      const gain = this.gains.push(change > 0 ? change : 0);
      const loss = this.losses.push(change < 0 ? -change : 0);
      // No movement at all over the averaging: RSI is undefined, not 50.
      if (loss > 0) this.values[0] = 100 - 100 / (1 + gain / loss);
      else this.values[0] = gain > 0 ? 100 : Number.NaN;
    }
    this.previous = bar.close;
  }
}

class Macd extends BarFeature {
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signal: Ema;

  constructor(instrument: string, fast: number, slow: number, signal: number) {
    super(instrument, 3);
    this.fast = new Ema(fast);
    this.slow = new Ema(slow);
    this.signal = new Ema(signal);
  }

  protected update(bar: Candle): void {
    const fast = this.fast.push(bar.close);
    const slow = this.slow.push(bar.close);
    if (Number.isNaN(slow)) return;
    const line = fast - slow;
    const signal = this.signal.push(line);
    this.values[0] = line;
    this.values[1] = signal;
    this.values[2] = line - signal;
  }
}

class Bollinger extends BarFeature {
  private readonly closes: LastN;

  constructor(
    instrument: string,
    private readonly period: number,
    private readonly k: number,
  ) {
    super(instrument, 4);
    this.closes = new LastN(period);
  }

  protected update(bar: Candle): void {
    this.closes.push(bar.close);
    if (!this.closes.full) return;
    let sum = 0;
    for (let i = 0; i < this.period; i++) sum += this.closes.at(i);
    const mid = sum / this.period;
    let squares = 0;
    for (let i = 0; i < this.period; i++) squares += (this.closes.at(i) - mid) ** 2;
    const std = Math.sqrt(squares / this.period);
    const upper = mid + this.k * std;
    const lower = mid - this.k * std;
    this.values[0] = mid;
    this.values[1] = upper;
    this.values[2] = lower;
    this.values[3] = upper > lower ? (bar.close - lower) / (upper - lower) : Number.NaN;
  }
}

class Atr extends BarFeature {
  private previousClose = Number.NaN;
  private readonly average: WilderAverage;

  constructor(instrument: string, period: number) {
    super(instrument, 1);
    this.average = new WilderAverage(period);
  }

  protected update(bar: Candle): void {
    if (!Number.isNaN(this.previousClose))
      this.values[0] = this.average.push(trueRange(bar, this.previousClose));
    this.previousClose = bar.close;
  }
}

class OnBalanceVolume extends BarFeature {
  private previousClose = Number.NaN;
  private total = 0;

  protected update(bar: Candle): void {
    if (!Number.isNaN(this.previousClose)) {
      if (bar.close > this.previousClose) this.total += bar.volume;
      else if (bar.close < this.previousClose) this.total -= bar.volume;
    }
    this.previousClose = bar.close;
    this.values[0] = this.total;
  }
}

class Stochastic extends BarFeature {
  private readonly highs: LastN;
  private readonly lows: LastN;
  private readonly ks: LastN;

  constructor(
    instrument: string,
    private readonly period: number,
    private readonly smooth: number,
  ) {
    super(instrument, 2);
    this.highs = new LastN(period);
    this.lows = new LastN(period);
    this.ks = new LastN(smooth);
  }

  protected update(bar: Candle): void {
    this.highs.push(bar.high);
    this.lows.push(bar.low);
    if (!this.highs.full) return;
    let highest = Number.NEGATIVE_INFINITY;
    let lowest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.period; i++) {
      highest = Math.max(highest, this.highs.at(i));
      lowest = Math.min(lowest, this.lows.at(i));
    }
    const k = highest > lowest ? (100 * (bar.close - lowest)) / (highest - lowest) : Number.NaN;
    this.ks.push(k);
    this.values[0] = k;
    if (!this.ks.full) return;
    let sum = 0;
    for (let i = 0; i < this.smooth; i++) sum += this.ks.at(i);
    this.values[1] = sum / this.smooth;
  }
}

class Adx extends BarFeature {
  private readonly dm: DirectionalMovement;

  constructor(instrument: string, period: number) {
    super(instrument, 3);
    this.dm = new DirectionalMovement(period);
  }

  protected update(bar: Candle): void {
    this.dm.push(bar);
    this.values[0] = this.dm.adx;
    this.values[1] = this.dm.plusDi;
    this.values[2] = this.dm.minusDi;
  }
}

export const barReturn = defineFeature({
  kind: 'bar_return',
  title: 'Bar return',
  family: 'candles',
  definition: 'close / previous close - 1, and ln(close / previous close), on closed bars',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam() }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['simple', 'log'],
  create: (_params, { instrument }) => new BarReturn(instrument, 2),
});

export const realisedVolatility = defineFeature({
  kind: 'realised_vol',
  title: 'Realised volatility',
  family: 'candles',
  definition:
    'sample standard deviation (n - 1) of the last n log returns of closes, per bar (not annualised)',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(20, 2) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ period }, { instrument }) => new RealisedVolatility(instrument, period),
});

export const parkinsonVolatility = defineFeature({
  kind: 'parkinson_vol',
  title: 'Parkinson volatility',
  family: 'candles',
  definition: 'sqrt(sum of ln(high / low)^2 over the last n bars / (4 n ln 2)), per bar',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(20) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ period }, { instrument }) => new ParkinsonVolatility(instrument, period),
});

export const rsi = defineFeature({
  kind: 'rsi',
  title: 'RSI (Wilder)',
  family: 'candles',
  definition: '100 - 100 / (1 + avg gain / avg loss), Wilder averages of close changes over n bars',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(14) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ period }, { instrument }) => new Rsi(instrument, period),
});

export const macd = defineFeature({
  kind: 'macd',
  title: 'MACD',
  family: 'candles',
  definition:
    'line = EMA(fast) - EMA(slow) of closes, signal = EMA(signal) of the line, histogram = line - signal; each EMA seeded with the mean of its first n values',
  inputs: ['candles'],
  params: z
    .strictObject({
      timeframe: timeframeParam(),
      fast: periodParam(12),
      slow: periodParam(26),
      signal: periodParam(9),
    })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow' }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['line', 'signal', 'histogram'],
  create: ({ fast, slow, signal }, { instrument }) => new Macd(instrument, fast, slow, signal),
});

export const bollinger = defineFeature({
  kind: 'bollinger',
  title: 'Bollinger bands',
  family: 'candles',
  definition:
    'mid = mean of the last n closes, upper/lower = mid +/- k population std, %B = (close - lower) / (upper - lower)',
  inputs: ['candles'],
  params: z.strictObject({
    timeframe: timeframeParam(),
    period: periodParam(20, 2),
    k: z.number().positive().max(10).default(2),
  }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['mid', 'upper', 'lower', 'percent_b'],
  create: ({ period, k }, { instrument }) => new Bollinger(instrument, period, k),
});

export const atr = defineFeature({
  kind: 'atr',
  title: 'ATR (Wilder)',
  family: 'candles',
  definition:
    'Wilder average of the true range max(high - low, |high - prev close|, |low - prev close|) over n bars, from the second bar',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(14) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ period }, { instrument }) => new Atr(instrument, period),
});

export const onBalanceVolume = defineFeature({
  kind: 'obv',
  title: 'On-balance volume',
  family: 'candles',
  definition:
    'running sum of bar volume, added when the close rises and subtracted when it falls; 0 at the first bar seen',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam() }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: (_params, { instrument }) => new OnBalanceVolume(instrument, 1),
});

export const stochastic = defineFeature({
  kind: 'stochastic',
  title: 'Stochastic oscillator',
  family: 'candles',
  definition:
    '%K = 100 (close - lowest low) / (highest high - lowest low) over n bars, %D = mean of the last m %K',
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(14), smooth: periodParam(3) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['k', 'd'],
  create: ({ period, smooth }, { instrument }) => new Stochastic(instrument, period, smooth),
});

export const adx = defineFeature({
  kind: 'adx',
  title: 'ADX (Wilder)',
  family: 'candles',
  definition:
    "Wilder's directional movement: +DI, -DI = 100 smoothed +DM / TR and -DM / TR, ADX = Wilder average of 100 |+DI - -DI| / (+DI + -DI)",
  inputs: ['candles'],
  params: z.strictObject({ timeframe: timeframeParam(), period: periodParam(14) }),
  timeframe: (params) => params.timeframe,
  outputs: () => ['adx', 'plus_di', 'minus_di'],
  create: ({ period }, { instrument }) => new Adx(instrument, period),
});

export const CANDLE_FEATURES = [
  barReturn,
  realisedVolatility,
  parkinsonVolatility,
  rsi,
  macd,
  bollinger,
  atr,
  onBalanceVolume,
  stochastic,
  adx,
] as const;
