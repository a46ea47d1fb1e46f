import { describe, expect, it } from 'vitest';
import type { AllocationRequest } from '../../../../shared/api/domains/trading.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { Timeframe } from '../../../../shared/domain/timeframes.js';
import { allocate, type AllocationBook } from '../../../../main/trading/allocation-plan.js';

const M = 60_000;

function candle(instrument: string, openTime: number, close: number): Candle {
  return {
    instrument,
    timeframe: '1m',
    openTime,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
  };
}

/** A price path from a deterministic sequence of returns of a given size. */
function path(instrument: string, start: number, size: number, bars: number, phase: number): Candle[] {
  const out: Candle[] = [];
  let price = start;
  for (let i = 0; i < bars; i++) {
    out.push(candle(instrument, i * M, price));
    price *= 1 + size * Math.sin(1.7 * i + phase) + 0.0001;
  }
  return out;
}

const BARS = 61;
const recorded: Record<string, Candle[]> = {
  'demo:A/USD': path('demo:A/USD', 100, 0.01, BARS, 0),
  'demo:B/USD': path('demo:B/USD', 50, 0.03, BARS, 1.1),
};
const candles = (instrument: string, _tf: Timeframe, limit: number): Candle[] =>
  (recorded[instrument] ?? []).slice(-limit);

function sampleStd(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

/** Close-to-close returns of the closed bars (the newest is still forming). */
function returnsOf(instrument: string): number[] {
  const closes = (recorded[instrument] ?? []).slice(0, -1).map((c) => c.close);
  return closes.slice(1).map((c, i) => c / (closes[i] ?? Number.NaN) - 1);
}

const book = (feeRate: number, quantities: Record<string, number> = {}): AllocationBook => ({
  equity: 100_000,
  feeRate,
  quantity: (instrument) => quantities[instrument] ?? 0,
  mark: (instrument) => recorded[instrument]?.at(-1)?.close ?? Number.NaN,
});

const request = (method: AllocationRequest['method']): AllocationRequest => ({
  instruments: ['demo:A/USD', 'demo:B/USD'],
  method,
  timeframe: '1m',
  lookbackBars: 500,
});

describe('trading allocation', () => {
  it('gives two instruments risk-parity weights equal to the inverse volatilities of their recorded returns', () => {
    const result = allocate(request('risk-parity'), candles, book(0.001));
    const volA = sampleStd(returnsOf('demo:A/USD'));
    const volB = sampleStd(returnsOf('demo:B/USD'));
    expect(result.returns).toBe(BARS - 2);
    const [a, b] = result.weights;
    expect(a?.volatility).toBeCloseTo(volA, 12);
    expect(b?.volatility).toBeCloseTo(volB, 12);
    expect(a?.weight).toBeCloseTo(1 / volA / (1 / volA + 1 / volB), 9);
    expect(b?.weight).toBeCloseTo(1 / volB / (1 / volA + 1 / volB), 9);
  });

  it('skips every rebalance trade whose benefit does not exceed its fee, and says so', () => {
    const cheap = allocate(request('risk-parity'), candles, book(0));
    // From all cash, every move toward the target reduces the tracking cost: free trades are made.
    expect(cheap.trades.map((t) => t.trade)).toEqual([true, true]);
    expect(cheap.totalFees).toBe(0);
    const dear = allocate(request('risk-parity'), candles, book(1));
    expect(dear.trades.map((t) => t.trade)).toEqual([false, false]);
    expect(dear.totalFees).toBe(0);
    for (const t of dear.trades) {
      expect(t.fee).toBeCloseTo(Math.abs(t.notional), 9);
      expect(t.benefit).toBeLessThanOrEqual(t.fee);
      expect(t.reason).toMatch(/does not exceed the fee .*: skipped$/);
    }
    // The quantity to trade is the target notional at the mark.
    const first = cheap.trades[0];
    expect(first?.quantity).toBeCloseTo(
      ((first?.toWeight ?? 0) * 100_000) / (recorded['demo:A/USD']?.at(-1)?.close ?? 1),
      9,
    );
  });

  it('puts a fully invested, long-only mean-variance and max-Sharpe portfolio on the recorded returns', () => {
    for (const method of ['mean-variance', 'max-sharpe'] as const) {
      const result = allocate({ ...request(method), riskAversion: 5 }, candles, book(0.001));
      const sum = result.weights.reduce((s, w) => s + w.weight, 0);
      expect(sum).toBeCloseTo(1, 12);
      for (const w of result.weights) expect(w.weight).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses an allocation on too few recorded returns', () => {
    const short = (instrument: string, tf: Timeframe, limit: number) =>
      candles(instrument, tf, limit).slice(0, 5);
    expect(() => allocate(request('risk-parity'), short, book(0.001))).toThrow(/only 3 aligned 1m returns/);
  });
});
