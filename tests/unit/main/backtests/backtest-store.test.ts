import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacktestStore, type NewBacktestRun } from '../../../../main/backtests/backtest-store.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import type { RoundTrip } from '../../../../shared/backtest/accounting.js';

const trip: RoundTrip = {
  direction: 'short',
  entryTs: 1000,
  exitTs: 61_000,
  holdingMs: 60_000,
  quantity: 2,
  entryPrice: 101.5,
  exitPrice: 100.25,
  pnl: 2.5,
  fees: 0.4035,
  netPnl: 2.0965,
  slippage: 0.125,
};

function single(overrides: Partial<NewBacktestRun> = {}): NewBacktestRun {
  return {
    createdAt: 5000,
    kind: 'single',
    strategy: 'sma-crossover',
    params: { fast: 5, slow: 20, quantity: 1, allowShort: true },
    instrument: 'demo:DEMO/USD',
    timeframe: '1m',
    from: 0,
    to: 3_600_000,
    featureSetHash: null,
    metrics: { sharpe: 1.25, profitFactor: null, trades: 1 },
    sweep: null,
    curve: {
      ts: new Float64Array([60_000, 120_000, 180_000]),
      equity: new Float64Array([100_000, 100_002.5, 99_999.75]),
      position: new Float64Array([0, -2, 0]),
    },
    trips: [trip],
    ...overrides,
  };
}

describe('the backtest store', () => {
  let db: SqliteDatabase;
  let store: BacktestStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new BacktestStore(db);
  });

  afterEach(() => {
    db.close();
  });

  it('reads back a single run with its curve and round trips, bit for bit', () => {
    const run = single();
    const id = store.insert(run);
    const stored = store.get(id);
    expect(stored).not.toBeNull();
    expect(stored?.params).toEqual(run.params);
    expect(stored?.metrics).toEqual({ sharpe: 1.25, profitFactor: null, trades: 1 });
    expect(stored?.curve?.ts).toEqual(run.curve?.ts);
    expect(stored?.curve?.equity).toEqual(run.curve?.equity);
    expect(stored?.curve?.position).toEqual(run.curve?.position);
    expect(stored?.trips).toEqual([trip]);
    expect(stored?.sweep).toBeNull();
  });

  it('keeps a sweep with every configuration and no curve', () => {
    const sweep = {
      trials: 2,
      workers: 2,
      best: 1,
      sharpeVariance: 0.0001,
      deflatedSharpe: 0.4,
      rows: [
        { index: 0, params: { fast: 5 }, metrics: { sharpe: 0.1 }, periodSharpe: 0.001 },
        { index: 1, params: { fast: 10 }, metrics: { sharpe: 0.3 }, periodSharpe: 0.003 },
      ],
    };
    const id = store.insert(
      single({ kind: 'sweep', params: { grid: { fast: [5, 10] }, base: {} }, sweep, curve: null, trips: [] }),
    );
    const stored = store.get(id);
    expect(stored?.kind).toBe('sweep');
    expect(stored?.sweep).toEqual(sweep);
    expect(stored?.curve).toBeNull();
    expect(stored?.trips).toEqual([]);
  });

  it('lists newest first without curves, and deletes', () => {
    const first = store.insert(single({ createdAt: 1 }));
    const second = store.insert(single({ createdAt: 2, featureSetHash: 'abc' }));
    const list = store.list();
    expect(list.map((r) => r.id)).toEqual([second, first]);
    expect(list[0]?.featureSetHash).toBe('abc');
    expect(list[0]).not.toHaveProperty('curve');
    expect(store.delete(first)).toBe(true);
    expect(store.delete(first)).toBe(false);
    expect(store.get(first)).toBeNull();
    expect(store.list().map((r) => r.id)).toEqual([second]);
  });

  it('refuses a run whose data range is empty', () => {
    expect(() => store.insert(single({ from: 10, to: 10 }))).toThrow(/CHECK/);
  });
});
