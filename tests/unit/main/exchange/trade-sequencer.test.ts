import { describe, expect, it } from 'vitest';
import { TradeSequencer } from '../../../../main/exchange/trade-sequencer.js';
import type { Trade } from '../../../../shared/domain/market.js';

function trade(id: number, ts = id * 10): Trade {
  return { instrument: 'binance:ETH/USDT', ts, seq: id, id: String(id), price: 100, amount: 1, side: 'buy' };
}

const ids = (trades: readonly Trade[]): number[] => trades.map((t) => Number(t.id));

describe('trade sequencer with consecutive ids', () => {
  it('releases trades in id order and holds those behind a hole until it fills', () => {
    let now = 0;
    const sequencer = new TradeSequencer({ consecutiveIds: true, clock: () => now });
    expect(ids(sequencer.push([trade(5), trade(6)]))).toEqual([5, 6]);
    now = 100;
    expect(ids(sequencer.push([trade(9), trade(8)]))).toEqual([]);
    expect(sequencer.hole()).toEqual({ fromId: 7, toId: 7, fromTs: 60, toTs: 80, openedAt: 100 });
    expect(ids(sequencer.push([trade(7)]))).toEqual([7, 8, 9]);
    expect(sequencer.hole()).toBeNull();
  });

  it('drops trades it already released or holds, and counts them', () => {
    const sequencer = new TradeSequencer({ consecutiveIds: true, clock: () => 0 });
    sequencer.push([trade(1), trade(2)]);
    sequencer.push([trade(4)]);
    expect(ids(sequencer.push([trade(2), trade(4), trade(3)]))).toEqual([3, 4]);
    expect(sequencer.duplicates).toBe(2);
  });

  it('gives up a hole with skipHole and releases what waited behind it', () => {
    const sequencer = new TradeSequencer({ consecutiveIds: true, clock: () => 0 });
    sequencer.push([trade(1)]);
    sequencer.push([trade(5), trade(6)]);
    const skipped = sequencer.skipHole();
    expect(skipped?.hole).toMatchObject({ fromId: 2, toId: 4, fromTs: 10, toTs: 50 });
    expect(ids(skipped?.released ?? [])).toEqual([5, 6]);
    expect(sequencer.last).toEqual({ id: 6, ts: 60 });
  });
});

describe('trade sequencer without consecutive ids', () => {
  it('passes trades in arrival order and drops repeated ids', () => {
    const sequencer = new TradeSequencer({ consecutiveIds: false, clock: () => 0 });
    expect(ids(sequencer.push([trade(30), trade(10)]))).toEqual([30, 10]);
    expect(ids(sequencer.push([trade(10), trade(40)]))).toEqual([40]);
    expect(sequencer.duplicates).toBe(1);
    expect(sequencer.hole()).toBeNull();
  });
});
