import { describe, expect, it } from 'vitest';
import { CandleBuilder } from '../../../../shared/candles/candle-builder.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { TIMEFRAMES, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

/** A bar as a trader would write it down: timeframe, open time, OHLC, volumes, trade count. */
function bar(
  timeframe: Timeframe,
  openIso: string,
  [open, high, low, close]: [number, number, number, number],
  volume: number,
  quoteVolume: number,
  trades: number,
  instrument = TEST_INSTRUMENT,
): Candle {
  return {
    instrument,
    timeframe,
    openTime: utc(openIso),
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    trades,
  };
}

/** Drained bars in a stable order: by timeframe, then open time. */
function sorted(candles: Candle[]): Candle[] {
  return [...candles].sort(
    (a, b) =>
      TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe) ||
      a.openTime - b.openTime ||
      a.instrument.localeCompare(b.instrument),
  );
}

/** Two trades before 11:00 and three after: every timeframe up to 1h gets a new bar at 11:00. */
function acrossElevenOClock(): CandleBuilder {
  const builder = new CandleBuilder();
  builder.addTrade(trade({ ts: utc('2024-03-01T10:59:59.200Z'), price: 100, amount: 1 }));
  builder.addTrade(trade({ ts: utc('2024-03-01T10:59:59.900Z'), price: 102, amount: 2 }));
  builder.addTrade(trade({ ts: utc('2024-03-01T11:00:00.100Z'), price: 101, amount: 1 }));
  builder.addTrade(trade({ ts: utc('2024-03-01T11:00:00.800Z'), price: 99, amount: 3 }));
  builder.addTrade(trade({ ts: utc('2024-03-01T11:00:01.000Z'), price: 100, amount: 1 }));
  return builder;
}

describe('CandleBuilder', () => {
  it('builds the bars of every timeframe across a bar boundary that crosses an hour', () => {
    const builder = acrossElevenOClock();

    expect(sorted(builder.drainChanged())).toEqual([
      bar('1s', '2024-03-01T10:59:59Z', [100, 102, 100, 102], 3, 304, 2),
      bar('1s', '2024-03-01T11:00:00Z', [101, 101, 99, 99], 4, 398, 2),
      bar('1s', '2024-03-01T11:00:01Z', [100, 100, 100, 100], 1, 100, 1),
      bar('1m', '2024-03-01T10:59:00Z', [100, 102, 100, 102], 3, 304, 2),
      bar('1m', '2024-03-01T11:00:00Z', [101, 101, 99, 100], 5, 498, 3),
      bar('5m', '2024-03-01T10:55:00Z', [100, 102, 100, 102], 3, 304, 2),
      bar('5m', '2024-03-01T11:00:00Z', [101, 101, 99, 100], 5, 498, 3),
      bar('15m', '2024-03-01T10:45:00Z', [100, 102, 100, 102], 3, 304, 2),
      bar('15m', '2024-03-01T11:00:00Z', [101, 101, 99, 100], 5, 498, 3),
      bar('1h', '2024-03-01T10:00:00Z', [100, 102, 100, 102], 3, 304, 2),
      bar('1h', '2024-03-01T11:00:00Z', [101, 101, 99, 100], 5, 498, 3),
      // 4h bars open at 00, 04, 08, 12 UTC: 10:59 and 11:00 share the 08:00 bar.
      bar('4h', '2024-03-01T08:00:00Z', [100, 102, 99, 100], 8, 802, 5),
      bar('1d', '2024-03-01T00:00:00Z', [100, 102, 99, 100], 8, 802, 5),
    ]);
  });

  it('starts a new 1m and 5m bar at 10:05 while the 15m and 1h bars go on', () => {
    const builder = new CandleBuilder({ timeframes: ['1m', '5m', '15m', '1h'] });
    builder.addTrade(trade({ ts: utc('2024-03-01T10:04:30.000Z'), price: 50, amount: 2 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T10:04:59.999Z'), price: 51, amount: 1 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T10:05:00.000Z'), price: 49, amount: 4 }));

    expect(sorted(builder.drainChanged())).toEqual([
      bar('1m', '2024-03-01T10:04:00Z', [50, 51, 50, 51], 3, 151, 2),
      bar('1m', '2024-03-01T10:05:00Z', [49, 49, 49, 49], 4, 196, 1),
      bar('5m', '2024-03-01T10:00:00Z', [50, 51, 50, 51], 3, 151, 2),
      bar('5m', '2024-03-01T10:05:00Z', [49, 49, 49, 49], 4, 196, 1),
      bar('15m', '2024-03-01T10:00:00Z', [50, 51, 49, 49], 7, 347, 3),
      bar('1h', '2024-03-01T10:00:00Z', [50, 51, 49, 49], 7, 347, 3),
    ]);
  });

  it('starts new 4h and 1d bars at midnight UTC', () => {
    const builder = new CandleBuilder({ timeframes: ['4h', '1d'] });
    builder.addTrade(trade({ ts: utc('2024-03-01T23:59:59.999Z'), price: 10, amount: 1 }));
    builder.addTrade(trade({ ts: utc('2024-03-02T00:00:00.000Z'), price: 11, amount: 1 }));

    expect(sorted(builder.drainChanged())).toEqual([
      bar('4h', '2024-03-01T20:00:00Z', [10, 10, 10, 10], 1, 10, 1),
      bar('4h', '2024-03-02T00:00:00Z', [11, 11, 11, 11], 1, 11, 1),
      bar('1d', '2024-03-01T00:00:00Z', [10, 10, 10, 10], 1, 10, 1),
      bar('1d', '2024-03-02T00:00:00Z', [11, 11, 11, 11], 1, 11, 1),
    ]);
  });

  it('reports nothing on a second drain, then only the current bars a new trade touched', () => {
    const builder = acrossElevenOClock();
    builder.drainChanged();

    expect(builder.drainChanged()).toEqual([]);

    builder.addTrade(trade({ ts: utc('2024-03-01T11:00:01.500Z'), price: 104, amount: 1 }));
    expect(sorted(builder.drainChanged())).toEqual([
      bar('1s', '2024-03-01T11:00:01Z', [100, 104, 100, 104], 2, 204, 2),
      bar('1m', '2024-03-01T11:00:00Z', [101, 104, 99, 104], 6, 602, 4),
      bar('5m', '2024-03-01T11:00:00Z', [101, 104, 99, 104], 6, 602, 4),
      bar('15m', '2024-03-01T11:00:00Z', [101, 104, 99, 104], 6, 602, 4),
      bar('1h', '2024-03-01T11:00:00Z', [101, 104, 99, 104], 6, 602, 4),
      bar('4h', '2024-03-01T08:00:00Z', [100, 104, 99, 104], 9, 906, 6),
      bar('1d', '2024-03-01T00:00:00Z', [100, 104, 99, 104], 9, 906, 6),
    ]);
  });

  it('does not report again a bar that closes after it was drained unchanged', () => {
    const builder = new CandleBuilder({ timeframes: ['1s'] });
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:00.100Z'), price: 7 }));
    builder.drainChanged();
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:01.100Z'), price: 8 }));

    expect(builder.drainChanged()).toEqual([bar('1s', '2024-03-01T10:00:01Z', [8, 8, 8, 8], 1, 8, 1)]);
  });

  it('keeps open and close in (ts, seq) order when trades arrive out of order inside a bar', () => {
    const builder = new CandleBuilder({ timeframes: ['1m'] });
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:30.000Z'), seq: 2, price: 20 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:10.000Z'), seq: 5, price: 10 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:30.000Z'), seq: 1, price: 15 }));

    expect(builder.current(TEST_INSTRUMENT, '1m')).toEqual(
      bar('1m', '2024-03-01T10:00:00Z', [10, 20, 10, 20], 3, 45, 3),
    );
  });

  it('counts a trade older than the current 1s bar as late and still puts it in the current 1m bar', () => {
    const builder = new CandleBuilder({ timeframes: ['1s', '1m'] });
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:00.200Z'), seq: 1, price: 100 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T10:00:01.200Z'), seq: 2, price: 101 }));
    builder.drainChanged();
    const late = trade({ ts: utc('2024-03-01T10:00:00.700Z'), seq: 3, price: 105, amount: 2 });

    builder.addTrade(late);

    expect(builder.lateTrades).toBe(1);
    expect(builder.drainLate()).toEqual([{ trade: late, timeframes: ['1s'] }]);
    expect(builder.drainLate()).toEqual([]);
    // The 1s bar of 10:00:00 is closed and stays as it was; the 1m bar takes the trade but its
    // close stays the latest trade (10:00:01.200).
    expect(builder.drainChanged()).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [100, 105, 100, 101], 4, 411, 3),
    ]);
    expect(builder.current(TEST_INSTRUMENT, '1s')).toEqual(
      bar('1s', '2024-03-01T10:00:01Z', [101, 101, 101, 101], 1, 101, 1),
    );
  });

  it('builds each instrument on its own', () => {
    const builder = new CandleBuilder({ timeframes: ['1m'] });
    builder.addTrade(
      trade({ instrument: 'demo:A/USD', ts: utc('2024-03-01T10:00:01.000Z'), price: 1, amount: 1 }),
    );
    builder.addTrade(
      trade({ instrument: 'demo:B/USD', ts: utc('2024-03-01T10:05:00.000Z'), price: 2, amount: 1 }),
    );
    builder.addTrade(
      trade({ instrument: 'demo:A/USD', ts: utc('2024-03-01T10:00:02.000Z'), price: 3, amount: 1 }),
    );

    expect(sorted(builder.drainChanged())).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [1, 3, 1, 3], 2, 4, 2, 'demo:A/USD'),
      bar('1m', '2024-03-01T10:05:00Z', [2, 2, 2, 2], 1, 2, 1, 'demo:B/USD'),
    ]);
    expect(builder.lateTrades).toBe(0);
  });

  it('has no current bar before the first trade of an instrument', () => {
    const builder = new CandleBuilder();

    expect(builder.current(TEST_INSTRUMENT, '1m')).toBeNull();
  });

  it('continues a bar the store already has: the stored open stays and the new trade closes it', () => {
    const stored = bar('1d', '2024-03-01T00:00:00Z', [100, 110, 90, 105], 10, 1000, 40);
    const asked: string[] = [];
    const builder = new CandleBuilder({
      timeframes: ['1d'],
      storedBar: (instrument, timeframe, openTime) => {
        asked.push(`${instrument} ${timeframe} ${new Date(openTime).toISOString()}`);
        return openTime === stored.openTime ? stored : null;
      },
    });

    builder.addTrade(trade({ ts: utc('2024-03-01T12:00:00.000Z'), price: 95, amount: 2 }));
    builder.addTrade(trade({ ts: utc('2024-03-01T13:00:00.000Z'), price: 96, amount: 1 }));
    builder.addTrade(trade({ ts: utc('2024-03-02T01:00:00.000Z'), price: 97, amount: 1 }));

    expect(builder.drainChanged()).toEqual([
      bar('1d', '2024-03-01T00:00:00Z', [100, 110, 90, 96], 13, 1286, 42),
      bar('1d', '2024-03-02T00:00:00Z', [97, 97, 97, 97], 1, 97, 1),
    ]);
    // Asked once per bar start, not per trade.
    expect(asked).toEqual([
      `${TEST_INSTRUMENT} 1d 2024-03-01T00:00:00.000Z`,
      `${TEST_INSTRUMENT} 1d 2024-03-02T00:00:00.000Z`,
    ]);
  });

  it('clones into a builder whose trades leave the original untouched', () => {
    const original = new CandleBuilder({ timeframes: ['1m'] });
    original.addTrade(trade({ ts: utc('2024-03-01T10:00:01.000Z'), price: 10 }));
    const copy = original.clone();

    copy.addTrade(trade({ ts: utc('2024-03-01T10:00:02.000Z'), price: 12 }));
    copy.drainChanged();

    expect(original.drainChanged()).toEqual([bar('1m', '2024-03-01T10:00:00Z', [10, 10, 10, 10], 1, 10, 1)]);
    expect(copy.current(TEST_INSTRUMENT, '1m')).toEqual(
      bar('1m', '2024-03-01T10:00:00Z', [10, 12, 10, 12], 2, 22, 2),
    );
  });
});
