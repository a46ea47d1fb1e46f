import { z } from 'zod';
import type { Trade } from '../../domain/market.js';
import { defineFeature, type IncrementalFeature } from '../feature.js';
import { windowMsParam } from './params.js';
import { WindowExtremum, WindowMoments, WindowSums } from './windows.js';

/**
 * Trade features over a sliding time window (t - windowMs, t], where t is the clock: the
 * newest trade or engine tick. A trade exactly windowMs old is out. Averages and ratios are
 * NaN when the window holds nothing to average; sums and rates are NaN until a whole window
 * has passed since the feature's first update (a part-window sum would understate them).
 */
abstract class TradeWindowFeature implements IncrementalFeature {
  protected now = Number.NEGATIVE_INFINITY;
  private first = Number.NaN;

  constructor(protected readonly windowMs: number) {}

  onTime(ts: number): void {
    if (Number.isNaN(this.first)) this.first = ts;
    if (ts > this.now) this.now = ts;
    this.evictThrough(this.now - this.windowMs);
  }

  onTrade(trade: Trade): void {
    this.onTime(trade.ts);
    this.add(trade);
  }

  /** A whole window has passed since the first update. */
  protected warm(): boolean {
    return this.now - this.first >= this.windowMs;
  }

  protected abstract evictThrough(cutoff: number): void;
  protected abstract add(trade: Trade): void;
  abstract read(out: Float64Array, offset: number): void;
}

/** Window sums of per-trade columns. */
abstract class TradeSums extends TradeWindowFeature {
  protected readonly sums: WindowSums;
  protected readonly scratch: Float64Array;

  constructor(windowMs: number, columns: number) {
    super(windowMs);
    this.sums = new WindowSums(columns);
    this.scratch = new Float64Array(columns);
  }

  protected evictThrough(cutoff: number): void {
    this.sums.evictThrough(cutoff);
  }

  protected add(trade: Trade): void {
    this.fill(trade, this.scratch);
    this.sums.push(trade.ts, this.scratch);
  }

  protected abstract fill(trade: Trade, into: Float64Array): void;
}

class Vwap extends TradeSums {
  constructor(windowMs: number) {
    super(windowMs, 2);
  }

  protected fill(trade: Trade, into: Float64Array): void {
    into[0] = trade.price * trade.amount;
    into[1] = trade.amount;
  }

  read(out: Float64Array, offset: number): void {
    out[offset] = this.sums.count === 0 ? Number.NaN : this.sums.sum(0) / this.sums.sum(1);
  }
}

class TradeIntensity extends TradeSums {
  constructor(windowMs: number) {
    super(windowMs, 1);
  }

  protected fill(trade: Trade, into: Float64Array): void {
    into[0] = trade.amount;
  }

  read(out: Float64Array, offset: number): void {
    const seconds = this.windowMs / 1000;
    const warm = this.warm();
    out[offset] = warm ? this.sums.count / seconds : Number.NaN;
    out[offset + 1] = warm ? this.sums.sum(0) / seconds : Number.NaN;
  }
}

class ExecutionStrength extends TradeSums {
  constructor(windowMs: number) {
    // Columns: buy volume, sell volume, sell count (so "no sells" is exact, not a tiny residue).
    super(windowMs, 3);
  }

  protected fill(trade: Trade, into: Float64Array): void {
    const buy = trade.side === 'buy';
    into[0] = buy ? trade.amount : 0;
    into[1] = buy ? 0 : trade.amount;
    into[2] = buy ? 0 : 1;
  }

  read(out: Float64Array, offset: number): void {
    out[offset] = this.sums.sum(2) > 0 ? this.sums.sum(0) / this.sums.sum(1) : Number.NaN;
  }
}

class SignedVolume extends TradeSums {
  constructor(windowMs: number) {
    super(windowMs, 1);
  }

  protected fill(trade: Trade, into: Float64Array): void {
    into[0] = trade.side === 'buy' ? trade.amount : -trade.amount;
  }

  read(out: Float64Array, offset: number): void {
    out[offset] = this.warm() ? this.sums.sum(0) : Number.NaN;
  }
}

class TradeSizeStats extends TradeWindowFeature {
  private readonly moments = new WindowMoments();
  private readonly max = new WindowExtremum('max');

  protected evictThrough(cutoff: number): void {
    this.moments.evictThrough(cutoff);
    this.max.evictThrough(cutoff);
  }

  protected add(trade: Trade): void {
    this.moments.push(trade.ts, trade.amount);
    this.max.push(trade.ts, trade.amount);
  }

  read(out: Float64Array, offset: number): void {
    out[offset] = this.moments.mean();
    out[offset + 1] = this.moments.std();
    out[offset + 2] = this.max.value();
  }
}

const windowParams = (fallback: number) => z.strictObject({ windowMs: windowMsParam(fallback) });

export const vwap = defineFeature({
  kind: 'vwap',
  title: 'VWAP',
  family: 'trades',
  definition: 'sum(price * amount) / sum(amount) over the trades in the window; NaN without trades',
  inputs: ['trades'],
  params: windowParams(60_000),
  outputs: () => ['value'],
  create: ({ windowMs }) => new Vwap(windowMs),
});

export const tradeIntensity = defineFeature({
  kind: 'trade_intensity',
  title: 'Trade intensity',
  family: 'trades',
  definition: 'trades per second and base volume per second over the window',
  inputs: ['trades'],
  params: windowParams(10_000),
  outputs: () => ['trades_per_s', 'volume_per_s'],
  create: ({ windowMs }) => new TradeIntensity(windowMs),
});

export const executionStrength = defineFeature({
  kind: 'execution_strength',
  title: 'Execution strength',
  family: 'trades',
  definition: 'aggressive buy volume / aggressive sell volume over the window; NaN without sells',
  inputs: ['trades'],
  params: windowParams(60_000),
  outputs: () => ['value'],
  create: ({ windowMs }) => new ExecutionStrength(windowMs),
});

export const tradeSize = defineFeature({
  kind: 'trade_size',
  title: 'Trade size statistics',
  family: 'trades',
  definition: 'mean, sample standard deviation (n - 1) and maximum of trade amounts over the window',
  inputs: ['trades'],
  params: windowParams(60_000),
  outputs: () => ['mean', 'std', 'max'],
  create: ({ windowMs }) => new TradeSizeStats(windowMs),
});

export const signedVolume = defineFeature({
  kind: 'signed_volume',
  title: 'Signed volume',
  family: 'trades',
  definition: 'aggressive buy volume - aggressive sell volume over the window',
  inputs: ['trades'],
  params: windowParams(60_000),
  outputs: () => ['value'],
  create: ({ windowMs }) => new SignedVolume(windowMs),
});

export const TRADE_FEATURES = [vwap, tradeIntensity, executionStrength, tradeSize, signedVolume] as const;
