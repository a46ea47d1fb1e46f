import { describe, expect, it } from 'vitest';
import { MlSignal, mlSignalParams } from '../../../../shared/backtest/strategies/ml-signal.js';
import { CandleBacktest, type CandleSeries } from '../../../../shared/backtest/engine.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { PredictionFeed, type SignalRead } from '../../../../shared/trading/prediction-feed.js';

const at = (ts: number): MarketEvent => ({
  kind: 'trade',
  instrument: 'demo:DEMO/USD',
  ts,
  seq: ts,
  id: String(ts),
  price: 100,
  amount: 1,
  side: 'buy',
});

const meta = (modelId: number) => ({
  modelId,
  output: [0.3, 0.7],
  confidence: 0.7,
  uncertainty: null,
  latencyMs: 1,
});

describe('prediction feed', () => {
  it('shows a prediction only once market time reaches its row', () => {
    const feed = new PredictionFeed();
    feed.push(2_000, 0.7);
    feed.onEvent(at(1_999));
    expect(feed.current()[0]).toBeNaN();
    expect(feed.latest()).toBeNull();
    feed.onEvent(at(2_000));
    expect(feed.current()[0]).toBe(0.7);
    expect(feed.latest()).toEqual({ rowTs: 2_000, up: 0.7 });
  });

  it('shows the latest row at or before market time, and ignores rows out of order', () => {
    const feed = new PredictionFeed();
    feed.push(1_000, 0.2);
    feed.push(2_000, 0.4);
    feed.push(1_500, 0.9);
    feed.push(3_000, 0.6);
    feed.onEvent(at(2_500));
    expect(feed.current()[0]).toBe(0.4);
    expect(feed.count).toBe(3);
  });

  it('says nothing once the latest prediction is older than staleAfterMs', () => {
    const feed = new PredictionFeed({ staleAfterMs: 1_000 });
    feed.push(1_000, 0.8);
    feed.onEvent(at(2_000));
    expect(feed.current()[0]).toBe(0.8);
    feed.onEvent(at(2_001));
    expect(feed.current()[0]).toBeNaN();
    expect(feed.latest()).toBeNull();
  });

  it('reports each prediction the strategy reads once, with those superseded unread', () => {
    const reads: SignalRead[] = [];
    const feed = new PredictionFeed({ onRead: (r) => reads.push(r) });
    for (let i = 1; i <= 3; i++) feed.push(i * 1_000, 0.5 + i / 10, meta(7));
    feed.onEvent(at(3_500));
    const row = feed.current();
    expect(feed.predict(row)).toBeCloseTo(0.8, 12);
    expect(feed.predict(feed.current())).toBeCloseTo(0.8, 12);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ ts: 3_500, rowTs: 3_000, meta: meta(7), superseded: 2 });
    feed.push(4_000, 0.1, meta(7));
    feed.onEvent(at(4_000));
    expect(feed.predict(feed.current())).toBe(0.1);
    expect(reads.map((r) => [r.rowTs, r.superseded])).toEqual([
      [3_000, 2],
      [4_000, 0],
    ]);
  });

  it('keeps the right row across compactions of a long stream', () => {
    const feed = new PredictionFeed();
    for (let i = 0; i < 20_000; i++) {
      feed.push(i * 10, (i % 100) / 100);
      if (i % 7 === 0) {
        feed.onEvent(at(i * 10 - 5));
        const expected = i === 0 ? Number.NaN : ((i - 1) % 100) / 100;
        expect(feed.current()[0]).toBe(expected);
      }
    }
    expect(feed.count).toBe(20_000);
  });

  it('drives MlSignal in a candle backtest: a bar trades on the row at its close', () => {
    // Five 1 s bars; P(up) rows at 1.5 s (0.9: long) and 3.2 s (0.1: short).
    const series: CandleSeries = {
      length: 5,
      barMs: 1_000,
      openTime: Float64Array.from([0, 1_000, 2_000, 3_000, 4_000]),
      open: Float64Array.from([100, 100, 101, 102, 101]),
      high: Float64Array.from([100, 101, 102, 102, 101]),
      low: Float64Array.from([100, 100, 101, 101, 100]),
      close: Float64Array.from([100, 101, 102, 101, 100]),
      volume: Float64Array.from([1, 1, 1, 1, 1]),
    };
    const feed = new PredictionFeed();
    feed.push(1_500, 0.9);
    feed.push(3_200, 0.1);
    const result = new CandleBacktest({
      strategy: new MlSignal(mlSignalParams.parse({ quantity: 1, on: 'bar' }), feed),
      initialCash: 1_000,
      fees: { maker: 0, taker: 0 },
      features: feed,
      log: 'full',
    }).run(series);
    // Bar 1 closes at 2 s and sees 0.9 (long), filled at bar 2's open; bar 3 closes at 4 s and
    // sees 0.1 (short: sell 2), filled at bar 4's open. Bar 0 (close 1 s) saw no row yet.
    const fills = result.fills.map((f) => [f.side, f.quantity, f.ts, f.price]);
    expect(fills).toEqual([
      ['buy', 1, 2_000, 101],
      ['sell', 2, 4_000, 101],
    ]);
  });
});
