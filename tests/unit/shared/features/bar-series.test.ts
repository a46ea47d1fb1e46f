import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import { CandleBuilder } from '../../../../shared/candles/candle-builder.js';
import { BarSeries } from '../../../../shared/features/bar-series.js';
import { STREAM_START, demoEvents } from '../../../fixtures/feature-streams.js';
import { trade } from '../../../fixtures/trades.js';

describe('bar series', () => {
  it('builds the same bars as the recorder candle builder, closing them on time', () => {
    const series = new BarSeries('demo:DEMO/USD', '1m');
    series.resumeAt(STREAM_START);
    const builder = new CandleBuilder({ timeframes: ['1m'] });
    const ours: Candle[] = [];
    const theirs = new Map<number, Candle>();
    for (const event of demoEvents(5, 10 * 60_000)) {
      if (event.kind !== 'trade') continue;
      if (event.ts >= series.nextClose()) {
        const closed = series.closeBar();
        if (closed !== null) ours.push(closed);
      }
      series.addTrade(event);
      builder.addTrade(event);
      for (const candle of builder.drainChanged()) theirs.set(candle.openTime, candle);
    }
    expect(ours.length).toBe(9);
    for (const candle of ours) expect(candle).toEqual(theirs.get(candle.openTime));
  });

  it('drops a bar that opened before the data (re)started', () => {
    const series = new BarSeries('demo:DEMO/USD', '1s');
    series.resumeAt(1500);
    series.addTrade(trade({ ts: 1600 }));
    expect(series.nextClose()).toBe(2000);
    expect(series.closeBar()).toBeNull();
    series.addTrade(trade({ ts: 2000, price: 7 }));
    expect(series.closeBar()).toMatchObject({ openTime: 2000, open: 7, close: 7, trades: 1 });
  });
});
