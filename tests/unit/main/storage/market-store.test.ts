import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore, UnknownInstrumentError } from '../../../../main/storage/market-store.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { bookSnapshot, instrument, signal } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const OTHER = 'demo:OTHER/USD';

function minuteBar(openIso: string, close: number, overrides: Partial<Candle> = {}): Candle {
  return {
    instrument: TEST_INSTRUMENT,
    timeframe: '1m',
    openTime: utc(openIso),
    open: 100,
    high: 110,
    low: 90,
    close,
    volume: 5,
    quoteVolume: 500,
    trades: 3,
    ...overrides,
  };
}

describe('MarketStore', () => {
  let db: SqliteDatabase;
  let store: MarketStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    store.upsertInstrument(instrument({ id: OTHER, symbol: 'OTHER/USD', base: 'OTHER' }));
  });

  afterEach(() => {
    db.close();
  });

  describe('instruments', () => {
    it('lists upserted instruments by id, with their latest fields', () => {
      store.upsertInstrument(instrument({ tickSize: 0.5 }));

      expect(store.listInstruments()).toEqual([
        instrument({ tickSize: 0.5 }),
        instrument({ id: OTHER, symbol: 'OTHER/USD', base: 'OTHER' }),
      ]);
      expect(store.hasInstrument(TEST_INSTRUMENT)).toBe(true);
      expect(store.hasInstrument('demo:NOPE/USD')).toBe(false);
    });

    it('finds instruments another connection wrote', () => {
      const second = new MarketStore(db);

      expect(second.hasInstrument(OTHER)).toBe(true);
      expect(second.countTrades(OTHER)).toBe(0);
    });
  });

  describe('trades', () => {
    it('gives back the most recent trades, newest last', () => {
      const first = trade({ ts: 1000, seq: 0, id: 'a', price: 100, amount: 1, side: 'buy' });
      const second = trade({ ts: 1000, seq: 1, id: 'b', price: 100.5, amount: 0.25, side: 'sell' });
      const third = trade({ ts: 2000, seq: 2, id: 'c', price: 99, amount: 3, side: 'buy' });

      expect(store.insertTrades([third, first, second])).toBe(3);

      expect(store.recentTrades(TEST_INSTRUMENT, 10)).toEqual([first, second, third]);
      expect(store.recentTrades(TEST_INSTRUMENT, 2)).toEqual([second, third]);
    });

    it('ignores a trade whose id it already has, and one at the same (ts, seq)', () => {
      store.insertTrades([trade({ ts: 1000, seq: 0, id: 'a' })]);
      const seen: string[] = [];

      const inserted = store.insertTrades(
        [
          trade({ ts: 5000, seq: 9, id: 'a' }),
          trade({ ts: 1000, seq: 0, id: 'z' }),
          trade({ ts: 6000, seq: 1, id: 'b' }),
          trade({ instrument: OTHER, ts: 1000, seq: 0, id: 'a' }),
        ],
        (t) => seen.push(`${t.instrument} ${t.id}`),
      );

      expect(inserted).toBe(2);
      expect(seen).toEqual([`${TEST_INSTRUMENT} b`, `${OTHER} a`]);
      expect(store.countTrades(TEST_INSTRUMENT)).toBe(2);
      expect(store.countTrades(OTHER)).toBe(1);
      expect(store.countTrades()).toBe(3);
    });

    it('keeps trades without an exchange id, and gives them back with an empty id', () => {
      expect(store.insertTrades([trade({ ts: 1, seq: 0, id: '' }), trade({ ts: 1, seq: 1, id: '' })])).toBe(
        2,
      );

      expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => t.id)).toEqual(['', '']);
    });

    it('fails loudly on a trade it cannot store instead of dropping it as a duplicate', () => {
      expect(() => store.insertTrades([trade({ ts: 1, price: Number.NaN })])).toThrow(
        /Trade 0: price NaN cannot be stored/,
      );
      expect(() => store.insertTrades([trade({ ts: 1, amount: -1 })])).toThrow(
        /Trade 0: amount -1 cannot be stored/,
      );
      expect(store.countTrades()).toBe(0);
    });

    it('writes a batch all or nothing', () => {
      expect(() =>
        store.insertTrades([trade({ ts: 1, seq: 0 }), trade({ instrument: 'demo:NOPE/USD', ts: 2, seq: 1 })]),
      ).toThrow(UnknownInstrumentError);

      expect(store.countTrades()).toBe(0);
    });

    it('reads nothing for an instrument it does not know', () => {
      expect(store.recentTrades('demo:NOPE/USD', 10)).toEqual([]);
      expect(store.countTrades('demo:NOPE/USD')).toBe(0);
      expect(store.candles('demo:NOPE/USD', '1m', 10)).toEqual([]);
      expect(store.latestBookSnapshot('demo:NOPE/USD')).toBeNull();
    });
  });

  describe('book snapshots', () => {
    it('gives back the stored levels of the newest snapshot at or before a time', () => {
      const first = bookSnapshot({ ts: 1000, seq: 1 });
      const second = bookSnapshot({ ts: 2000, seq: 2, bids: [[99.75, 1]], asks: [[100.25, 4]] });
      store.insertBookSnapshot(first);
      store.insertBookSnapshot(second);

      expect(store.latestBookSnapshot(TEST_INSTRUMENT)).toEqual(second);
      expect(store.latestBookSnapshot(TEST_INSTRUMENT, 1999)).toEqual(first);
      expect(store.latestBookSnapshot(TEST_INSTRUMENT, 999)).toBeNull();
    });

    it('keeps the top `depth` levels of each side', () => {
      store.insertBookSnapshot(bookSnapshot({ ts: 1000 }), 1);

      expect(store.latestBookSnapshot(TEST_INSTRUMENT)).toEqual(
        bookSnapshot({ ts: 1000, bids: [[99.5, 2]], asks: [[100.5, 1]] }),
      );
    });

    it('ignores a second snapshot at the same (ts, seq)', () => {
      expect(store.insertBookSnapshot(bookSnapshot({ ts: 1000 }))).toBe(true);
      expect(store.insertBookSnapshot(bookSnapshot({ ts: 1000, bids: [] }))).toBe(false);

      expect(store.latestBookSnapshot(TEST_INSTRUMENT)?.bids).toHaveLength(2);
    });
  });

  describe('candles', () => {
    it('replaces a bar with its newer state', () => {
      store.upsertCandles([minuteBar('2024-03-01T10:00:00Z', 101)]);

      store.upsertCandles([
        minuteBar('2024-03-01T10:00:00Z', 104, { high: 112, volume: 6, quoteVolume: 604, trades: 4 }),
      ]);

      expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
        minuteBar('2024-03-01T10:00:00Z', 104, { high: 112, volume: 6, quoteVolume: 604, trades: 4 }),
      ]);
    });

    it('gives back the last `limit` bars up to `to`, oldest first, of one timeframe', () => {
      store.upsertCandles([
        minuteBar('2024-03-01T10:03:00Z', 103),
        minuteBar('2024-03-01T10:00:00Z', 100),
        minuteBar('2024-03-01T10:02:00Z', 102),
        minuteBar('2024-03-01T10:01:00Z', 101),
        { ...minuteBar('2024-03-01T10:00:00Z', 50), timeframe: '5m' },
      ]);

      expect(store.candles(TEST_INSTRUMENT, '1m', 2).map((c) => c.close)).toEqual([102, 103]);
      expect(
        store.candles(TEST_INSTRUMENT, '1m', 2, utc('2024-03-01T10:02:00Z')).map((c) => c.close),
      ).toEqual([101, 102]);
      expect(store.candles(TEST_INSTRUMENT, '5m', 10).map((c) => c.close)).toEqual([50]);
      expect(store.candleAt(TEST_INSTRUMENT, '1m', utc('2024-03-01T10:01:00Z'))?.close).toBe(101);
      expect(store.candleAt(TEST_INSTRUMENT, '1m', utc('2024-03-01T10:04:00Z'))).toBeNull();
    });

    it('reads a range as typed columns, oldest first, of one instrument and timeframe, twice on one connection', () => {
      store.upsertCandles([
        minuteBar('2024-03-01T10:02:00Z', 102, { open: 101.5, high: 103, low: 101, volume: 7 }),
        minuteBar('2024-03-01T10:00:00Z', 100, { open: 99.25, high: 100.5, low: 98, volume: 2.5 }),
        minuteBar('2024-03-01T10:01:00Z', 101),
        minuteBar('2024-03-01T10:03:00Z', 103),
        { ...minuteBar('2024-03-01T10:00:00Z', 50), timeframe: '5m' },
        { ...minuteBar('2024-03-01T10:01:00Z', 60), instrument: OTHER },
      ]);

      const columns = store.candleColumns(
        TEST_INSTRUMENT,
        '1m',
        utc('2024-03-01T10:00:00Z'),
        utc('2024-03-01T10:03:00Z'),
      );

      expect(columns.length).toBe(3);
      expect(Array.from(columns.openTime)).toEqual(
        ['2024-03-01T10:00:00Z', '2024-03-01T10:01:00Z', '2024-03-01T10:02:00Z'].map(utc),
      );
      expect(Array.from(columns.open)).toEqual([99.25, 100, 101.5]);
      expect(Array.from(columns.high)).toEqual([100.5, 110, 103]);
      expect(Array.from(columns.low)).toEqual([98, 90, 101]);
      expect(Array.from(columns.close)).toEqual([100, 101, 102]);
      expect(Array.from(columns.volume)).toEqual([2.5, 5, 7]);
      // The second read on the same connection reuses its column function.
      const other = store.candleColumns(OTHER, '1m', 0, utc('2024-03-02T00:00:00Z'));
      expect([other.length, other.close[0]]).toEqual([1, 60]);
      expect(store.candleColumns('demo:NOPE/USD', '1m', 0, utc('2024-03-02T00:00:00Z')).length).toBe(0);
    });

    it('merges a late trade into the stored bar, taking open and close from the stored trades', () => {
      // The bar was built from trades at :10 (100) and :40 (104); a trade at :05 (97) arrives late.
      const early = trade({ ts: utc('2024-03-01T10:00:10Z'), seq: 1, price: 100, amount: 1 });
      const lateOne = trade({ ts: utc('2024-03-01T10:00:05Z'), seq: 3, price: 97, amount: 2 });
      const last = trade({ ts: utc('2024-03-01T10:00:40Z'), seq: 2, price: 104, amount: 1 });
      store.insertTrades([early, last, lateOne]);
      store.upsertCandles([
        minuteBar('2024-03-01T10:00:00Z', 104, {
          open: 100,
          high: 104,
          low: 100,
          volume: 2,
          quoteVolume: 204,
          trades: 2,
        }),
      ]);

      store.mergeLateTrade(lateOne, '1m');

      expect(store.candles(TEST_INSTRUMENT, '1m', 1)).toEqual([
        minuteBar('2024-03-01T10:00:00Z', 104, {
          open: 97,
          high: 104,
          low: 97,
          volume: 4,
          quoteVolume: 398,
          trades: 3,
        }),
      ]);
    });

    it('creates the bar of a late trade that had no bar yet', () => {
      const lone = trade({ ts: utc('2024-03-01T10:00:05Z'), price: 97, amount: 2 });
      store.insertTrades([lone]);

      store.mergeLateTrade(lone, '1m');

      expect(store.candles(TEST_INSTRUMENT, '1m', 1)).toEqual([
        minuteBar('2024-03-01T10:00:00Z', 97, {
          open: 97,
          high: 97,
          low: 97,
          volume: 2,
          quoteVolume: 194,
          trades: 1,
        }),
      ]);
    });
  });

  describe('signals', () => {
    it('gives back the most recent signals, newest last', () => {
      const signals = [
        signal({ ts: 1000, direction: 'long', strength: 0.5 }),
        signal({ ts: 2000, source: 'model', direction: 'short', strength: -0.25, price: 99 }),
        signal({ ts: 3000, direction: 'flat', strength: 0 }),
      ];

      expect(store.insertSignals(signals)).toBe(3);

      expect(store.recentSignals(TEST_INSTRUMENT, 2)).toEqual(signals.slice(1));
    });
  });

  describe('settings', () => {
    it('has no value for a key never set', () => {
      expect(store.getSetting('theme')).toBeUndefined();
    });

    it('stores JSON values and replaces them', () => {
      store.setSetting('layout', { panels: ['book', 'chart'], split: 0.4 });
      store.setSetting('layout', { panels: ['chart'], split: 0.5 });
      store.setSetting('armed', false);

      expect(store.getSetting('layout')).toEqual({ panels: ['chart'], split: 0.5 });
      expect(store.getSetting<boolean>('armed')).toBe(false);
    });

    it('checks a value with the parser it is given', () => {
      store.setSetting('depth', 'deep');
      const asNumber = {
        parse(value: unknown): number {
          if (typeof value !== 'number') throw new TypeError('not a number');
          return value;
        },
      };

      expect(() => store.getSetting('depth', asNumber)).toThrow('not a number');
    });

    it('refuses a value JSON cannot hold', () => {
      expect(() => {
        store.setSetting('nothing', undefined);
      }).toThrow(/must be JSON-serialisable/);
    });
  });
});
