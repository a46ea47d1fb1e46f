import { describe, expect, it } from 'vitest';
import { latencyConfig, replayFrom } from '../../../../main/backtests/event-run.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';

describe('the latency of an event-mode run', () => {
  it('stays constant when both delays are constants, and draws from samples otherwise', () => {
    expect(latencyConfig({ submitMs: 5, cancelMs: 2 })).toEqual({
      kind: 'constant',
      submitMs: 5,
      cancelMs: 2,
    });
    expect(latencyConfig({ submitMs: [3, 9], cancelMs: 4 })).toEqual({
      kind: 'empirical',
      samplesMs: [3, 9],
      cancelSamplesMs: [4],
    });
  });
});

describe('the replay of an event-mode window', () => {
  it('starts at `from` with the book as it stood, dropping the trades before it', () => {
    const instrument = 'demo:DEMO/USD';
    const recorded: MarketEvent[] = [
      { kind: 'book_snapshot', instrument, ts: 900, seq: 1, bids: [[99, 2]], asks: [[101, 3]] },
      { kind: 'trade', instrument, ts: 950, seq: 2, id: 't1', price: 101, amount: 1, side: 'buy' },
      { kind: 'book_delta', instrument, ts: 990, seq: 3, side: 'ask', price: 100.5, size: 4 },
      { kind: 'trade', instrument, ts: 1000, seq: 4, id: 't2', price: 100.5, amount: 1, side: 'buy' },
    ];
    const seen: MarketEvent[] = [];
    replayFrom(
      (visit) => {
        recorded.forEach(visit);
      },
      instrument,
      1000,
    )((event) => seen.push(event));
    expect(seen).toEqual([
      {
        kind: 'book_snapshot',
        instrument,
        ts: 1000,
        seq: Number.MIN_SAFE_INTEGER,
        bids: [[99, 2]],
        asks: [
          [100.5, 4],
          [101, 3],
        ],
      },
      recorded[3],
    ]);
  });
});
