import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacktestStore, type NewBacktestRun } from '../../../../main/backtests/backtest-store.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
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
    mode: 'candle',
    strategy: 'sma-crossover',
    params: { fast: 5, slow: 20, quantity: 1, allowShort: true },
    instrument: 'demo:DEMO/USD',
    timeframe: '1m',
    from: 0,
    to: 3_600_000,
    featureSetHash: null,
    metrics: { sharpe: 1.25, profitFactor: null, trades: 1 },
    costs: backtestCostsSchema.parse({ slippageBps: 2, latency: { submitMs: [3, 5], cancelMs: 4 } }),
    sweep: null,
    walkForward: null,
    honesty: {
      probabilisticSharpe: 0.75,
      sharpeInterval: { lower: -0.5, upper: null },
      monteCarlo: { runs: 2, maxDrawdown: [0.01, 0.02], finalPnl: [-1, 3] },
    },
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
    expect(stored?.mode).toBe('candle');
    expect(stored?.costs).toEqual(run.costs);
    expect(stored?.costs.latency).toEqual({ submitMs: [3, 5], cancelMs: 4 });
    expect(stored?.honesty).toEqual(run.honesty);
    expect(stored?.walkForward).toBeNull();
  });

  it('keeps an event-mode walk-forward run with its folds, stitched curve and out-of-sample trades', () => {
    const walkForward = {
      trials: 4,
      folds: [
        {
          trainFrom: 0,
          trainTo: 600_000,
          testFrom: 600_000,
          testTo: 900_000,
          bestIndex: 3,
          bestParams: { fast: 5 },
          inSampleSharpe: 2.5,
          outOfSample: { sharpe: null },
        },
      ],
      outOfSample: { sharpe: -0.5 },
      sharpeDecay: 3,
      deflatedSharpe: 0.1,
      skipped: [],
    };
    const id = store.insert(single({ kind: 'walk-forward', mode: 'event', walkForward }));
    const stored = store.get(id);
    expect(stored).toMatchObject({ kind: 'walk-forward', mode: 'event', walkForward });
    expect(stored?.trips).toEqual([trip]);
    expect(store.list()[0]).toMatchObject({ kind: 'walk-forward', mode: 'event' });
  });

  it('keeps a sweep with every configuration and no curve', () => {
    const sweep = {
      trials: 2,
      workers: 2,
      best: 1,
      sharpeVariance: 0.0001,
      deflatedSharpe: 0.4,
      skipped: [{ params: { fast: 40 }, reason: '(root): fast must be shorter than slow' }],
      rows: [
        {
          index: 0,
          params: { fast: 5 },
          metrics: { sharpe: 0.1 },
          periodSharpe: 0.001,
          probabilisticSharpe: 0.6,
        },
        {
          index: 1,
          params: { fast: 10 },
          metrics: { sharpe: 0.3 },
          periodSharpe: 0.003,
          probabilisticSharpe: 0.8,
        },
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

  it('reads a run stored before migration 0007 as a candle run with the default costs', () => {
    const old = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 6) });
    try {
      old
        .prepare(
          `INSERT INTO backtest_runs (created_at, kind, strategy, params, instrument, timeframe, from_ts, to_ts, metrics)
           VALUES (7, 'sweep', 'sma-crossover', '{}', 'demo:DEMO/USD', '1m', 0, 60000, ?)`,
        )
        .run(JSON.stringify({ metrics: { sharpe: 0.5 }, sweep: null }));
      for (const migration of MIGRATIONS.slice(6)) {
        if ('sql' in migration) old.exec(migration.sql);
      }
      const migrated = new BacktestStore(old);
      const [row] = migrated.list();
      expect(row).toMatchObject({ kind: 'sweep', mode: 'candle', metrics: { sharpe: 0.5 } });
      const stored = migrated.get(row?.id ?? 0);
      expect(stored?.costs).toEqual(backtestCostsSchema.parse({}));
      expect(stored?.honesty).toBeNull();
      expect(stored?.walkForward).toBeNull();
      expect(() =>
        old.prepare("UPDATE backtest_runs SET mode = 'tick' WHERE id = ?").run(row?.id ?? 0),
      ).toThrow(/CHECK/);
    } finally {
      old.close();
    }
  });

  it('refuses a run whose data range is empty', () => {
    expect(() => store.insert(single({ from: 10, to: 10 }))).toThrow(/CHECK/);
  });
});
