import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { Trade } from '../../../../shared/domain/market.js';
import {
  addTapeHistory,
  addToTape,
  MAX_BARS,
  mergeCandleHistory,
  mergeCandles,
  TAPE_LENGTH,
} from '../../../../renderer/src/stores/marketsMerge.js';

function bar(openTime: number, close = 100): Candle {
  return {
    instrument: 'demo:DEMO/USD',
    timeframe: '1m',
    openTime,
    open: 100,
    high: Math.max(100, close),
    low: Math.min(100, close),
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
  };
}

function trade(seq: number, ts = 1_000 + seq): Trade {
  return { instrument: 'demo:DEMO/USD', ts, seq, id: String(seq), price: 100, amount: 1, side: 'buy' };
}

describe('mergeCandles', () => {
  it('replaces the bar being built and appends a new one', () => {
    const bars = [bar(0), bar(60_000, 101)];
    const merged = mergeCandles(bars, [bar(60_000, 102), bar(120_000, 103)]);
    expect(merged.map((b) => [b.openTime, b.close])).toEqual([
      [0, 100],
      [60_000, 102],
      [120_000, 103],
    ]);
    expect(bars[1]?.close).toBe(101); // the old array is left alone for React
  });

  it('inserts a late bar in order', () => {
    const merged = mergeCandles([bar(0), bar(120_000)], [bar(60_000)]);
    expect(merged.map((b) => b.openTime)).toEqual([0, 60_000, 120_000]);
  });

  it(`keeps only the newest ${MAX_BARS} bars`, () => {
    const many = Array.from({ length: MAX_BARS }, (_, i) => bar(i * 60_000));
    const merged = mergeCandles(many, [bar(MAX_BARS * 60_000)]);
    expect(merged).toHaveLength(MAX_BARS);
    expect(merged[0]?.openTime).toBe(60_000);
  });

  it('lets bars received live win over their recorded copies', () => {
    const merged = mergeCandleHistory([bar(0), bar(60_000, 101)], [bar(60_000, 105)]);
    expect(merged.map((b) => b.close)).toEqual([100, 105]);
  });
});

describe('the trades tape', () => {
  it('puts the newest trade on top and stops at the tape length', () => {
    const tape = addToTape(
      [],
      Array.from({ length: TAPE_LENGTH + 5 }, (_, i) => trade(i)),
    );
    expect(tape).toHaveLength(TAPE_LENGTH);
    expect(tape[0]?.seq).toBe(TAPE_LENGTH + 4);
  });

  it('adds recorded trades under live ones without showing any twice', () => {
    const live = addToTape([], [trade(5), trade(6)]);
    const tape = addTapeHistory(live, [trade(3), trade(4), trade(5)]);
    expect(tape.map((t) => t.seq)).toEqual([6, 5, 4, 3]);
  });
});

describe('a resent trades batch', () => {
  it('does not show its trades twice', () => {
    const tape = addToTape(addToTape([], [trade(1), trade(2)]), [trade(2), trade(3)]);
    expect(tape.map((t) => t.seq)).toEqual([3, 2, 1]);
  });
});
