import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inferStepsOf } from '../../../../main/history/import-steps.js';
import { InstrumentStepsStore, checkSteps } from '../../../../main/history/instrument-steps.js';
import { CandleColumns, TradeColumns } from '../../../../main/history/trade-batch.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

describe('instrument steps', () => {
  it('infers tick and lot from trades: the finest decimal step of prices and of amounts', () => {
    const rows = new TradeColumns();
    rows.push(1, 1, '1', 0.00141342, 23, 1);
    rows.push(2, 2, '2', 0.0015, 581, -1);
    expect(inferStepsOf({ kind: 'trades', rows })).toEqual({ tickSize: 1e-8, lotSize: 1 });
  });

  it('infers the tick of candles from all four prices and the lot from volumes', () => {
    const rows = new CandleColumns('1m');
    rows.push(0, 46319, 46385.5, 46319, 46377.25, 12.125, 0, 3);
    expect(inferStepsOf({ kind: 'candles', rows })).toEqual({ tickSize: 0.01, lotSize: 0.001 });
    expect(inferStepsOf({ kind: 'candles', rows: new CandleColumns('1m') })).toBeNull();
  });

  it('says what is wrong with a step', () => {
    expect(checkSteps({ tickSize: 0.01, lotSize: 1 })).toBeNull();
    expect(checkSteps({ tickSize: 0, lotSize: 1 })).toBe('tick size must be a positive number, got 0');
    expect(checkSteps({ tickSize: 0.01, lotSize: 1e-13 })).toBe('lot size 1e-13 is finer than 1e-12');
  });

  describe('stored', () => {
    let db: SqliteDatabase;
    let store: MarketStore;
    beforeEach(() => {
      db = openDatabase(':memory:');
      store = new MarketStore(db);
      store.upsertInstrument(instrument());
    });
    afterEach(() => {
      db.close();
    });

    it('changes the tick and lot of an instrument and returns it', () => {
      const changed = new InstrumentStepsStore(db).set(TEST_INSTRUMENT, { tickSize: 0.0001, lotSize: 0.1 });
      expect(changed).toMatchObject({ id: TEST_INSTRUMENT, tickSize: 0.0001, lotSize: 0.1 });
      expect(store.listInstruments()[0]).toMatchObject({ tickSize: 0.0001, lotSize: 0.1 });
    });

    it('answers null for an unknown instrument and refuses a step that is no step', () => {
      const steps = new InstrumentStepsStore(db);
      expect(steps.set('x:NONE/USD', { tickSize: 1, lotSize: 1 })).toBeNull();
      expect(() => steps.set(TEST_INSTRUMENT, { tickSize: -1, lotSize: 1 })).toThrow(
        `${TEST_INSTRUMENT}: tick size must be a positive number, got -1`,
      );
    });
  });
});
