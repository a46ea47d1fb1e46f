import type { RoundTrip } from '../../shared/backtest/accounting.js';
import type { EquityCurve } from '../../shared/backtest/engine.js';
import {
  backtestCostsSchema,
  sweepSummarySchema,
  walkForwardSummarySchema,
  type BacktestHonesty,
  type BacktestMetricsWire,
  type BacktestMode,
  type SweepSummary,
  type WalkForwardSummary,
} from '../../shared/api/domains/backtests.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { packTrips, unpackTrips, type RunCosts } from './candle-run.js';

export type BacktestRunKind = 'single' | 'sweep' | 'walk-forward';

/** A run to store: its config, data range, metrics and (single runs) curve and round trips. */
export interface NewBacktestRun {
  readonly createdAt: number;
  readonly kind: BacktestRunKind;
  readonly mode: BacktestMode;
  readonly strategy: string;
  readonly params: Record<string, unknown>;
  readonly instrument: string;
  readonly timeframe: Timeframe;
  readonly from: number;
  readonly to: number;
  readonly featureSetHash: string | null;
  readonly metrics: BacktestMetricsWire;
  readonly costs: RunCosts;
  readonly sweep: SweepSummary | null;
  readonly walkForward: WalkForwardSummary | null;
  readonly honesty: BacktestHonesty | null;
  readonly curve: EquityCurve | null;
  readonly trips: readonly RoundTrip[];
}

export interface StoredBacktestRun extends NewBacktestRun {
  readonly id: number;
}

export type BacktestRunSummary = Omit<
  StoredBacktestRun,
  'curve' | 'trips' | 'sweep' | 'walkForward' | 'honesty' | 'costs'
>;

interface RunRow {
  id: number;
  created_at: number;
  kind: BacktestRunKind;
  mode: BacktestMode;
  strategy: string;
  params: string;
  instrument: string;
  timeframe: Timeframe;
  from_ts: number;
  to_ts: number;
  feature_set_hash: string | null;
  metrics: string;
  costs?: string | null;
  walk_forward?: string | null;
  honesty?: string | null;
  equity_curve?: Buffer | null;
  trades?: Buffer | null;
}

/** What the metrics column holds: the run's metrics and, for a sweep, every configuration. */
interface MetricsColumn {
  readonly metrics: BacktestMetricsWire;
  readonly sweep: SweepSummary | null;
}

/** Runs stored before migration 0007 kept no costs: they ran with the defaults. */
const DEFAULT_COSTS: RunCosts = backtestCostsSchema.parse({});

/**
 * Stored backtest runs (migrations 0006, 0007). Costs, walk-forward folds and the honesty
 * reading are JSON columns. The equity curve is one blob of three Float64
 * columns back to back (ts, equity, position); round trips are rows of TRIP_WIDTH Float64
 * (candle-run.ts). Blobs are little-endian as written by the machine: a workspace is not moved
 * between architectures of different endianness (every desktop target is little-endian).
 */
export class BacktestStore {
  private readonly insertRun;
  private readonly listRuns;
  private readonly getRun;
  private readonly getSummary;
  private readonly deleteRun;

  constructor(db: SqliteDatabase) {
    this.insertRun = db.prepare(
      `INSERT INTO backtest_runs (created_at, kind, mode, strategy, params, instrument, timeframe, from_ts, to_ts,
         feature_set_hash, metrics, costs, walk_forward, honesty, equity_curve, trades)
       VALUES (@createdAt, @kind, @mode, @strategy, @params, @instrument, @timeframe, @from, @to,
         @featureSetHash, @metrics, @costs, @walkForward, @honesty, @curve, @trades)`,
    );
    this.listRuns = db.prepare<[number], RunRow>(
      `SELECT id, created_at, kind, mode, strategy, params, instrument, timeframe, from_ts, to_ts, feature_set_hash, metrics
       FROM backtest_runs ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.getRun = db.prepare<[number], RunRow>('SELECT * FROM backtest_runs WHERE id = ?');
    this.getSummary = db.prepare<[number], RunRow>(
      `SELECT id, created_at, kind, mode, strategy, params, instrument, timeframe, from_ts, to_ts, feature_set_hash, metrics
       FROM backtest_runs WHERE id = ?`,
    );
    this.deleteRun = db.prepare<[number]>('DELETE FROM backtest_runs WHERE id = ?');
  }

  insert(run: NewBacktestRun): number {
    const column: MetricsColumn = { metrics: run.metrics, sweep: run.sweep };
    const info = this.insertRun.run({
      createdAt: run.createdAt,
      kind: run.kind,
      mode: run.mode,
      strategy: run.strategy,
      params: JSON.stringify(run.params),
      instrument: run.instrument,
      timeframe: run.timeframe,
      from: run.from,
      to: run.to,
      featureSetHash: run.featureSetHash,
      metrics: JSON.stringify(column),
      costs: JSON.stringify(run.costs),
      walkForward: run.walkForward === null ? null : JSON.stringify(run.walkForward),
      honesty: run.honesty === null ? null : JSON.stringify(run.honesty),
      curve: run.curve === null ? null : curveBlob(run.curve),
      trades: run.kind === 'sweep' ? null : bytes(packTrips(run.trips)),
    });
    return Number(info.lastInsertRowid);
  }

  /** Newest first, without curves and trades. */
  list(limit = 100): BacktestRunSummary[] {
    return this.listRuns.all(limit).map((row) => summaryOf(row));
  }

  /** One run as the list shows it (no curve or trades), or null when there is none. */
  summary(id: number): BacktestRunSummary | null {
    const row = this.getSummary.get(id);
    return row === undefined ? null : summaryOf(row);
  }

  get(id: number): StoredBacktestRun | null {
    const row = this.getRun.get(id);
    if (row === undefined) return null;
    const column = JSON.parse(row.metrics) as MetricsColumn;
    return {
      ...summaryOf(row),
      costs: row.costs == null ? DEFAULT_COSTS : backtestCostsSchema.parse(JSON.parse(row.costs)),
      // Parsed, so runs stored before a field existed (skipped combinations, PSR per row) read
      // back with its default.
      sweep: column.sweep === null ? null : sweepSummarySchema.parse(column.sweep),
      walkForward:
        row.walk_forward == null ? null : walkForwardSummarySchema.parse(JSON.parse(row.walk_forward)),
      honesty: row.honesty == null ? null : (JSON.parse(row.honesty) as BacktestHonesty),
      curve: row.equity_curve === null || row.equity_curve === undefined ? null : curveOf(row.equity_curve),
      trips: row.trades === null || row.trades === undefined ? [] : unpackTrips(floats(row.trades)),
    };
  }

  delete(id: number): boolean {
    return this.deleteRun.run(id).changes > 0;
  }
}

function summaryOf(row: RunRow): BacktestRunSummary {
  const column = JSON.parse(row.metrics) as MetricsColumn;
  return {
    id: row.id,
    createdAt: row.created_at,
    kind: row.kind,
    mode: row.mode,
    strategy: row.strategy,
    params: JSON.parse(row.params) as Record<string, unknown>,
    instrument: row.instrument,
    timeframe: row.timeframe,
    from: row.from_ts,
    to: row.to_ts,
    featureSetHash: row.feature_set_hash,
    metrics: column.metrics,
  };
}

function bytes(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A Float64Array over a copy of the blob (SQLite's buffer need not be 8-byte aligned). */
function floats(blob: Buffer): Float64Array {
  const out = new Float64Array(Math.floor(blob.byteLength / 8));
  new Uint8Array(out.buffer).set(blob.subarray(0, out.byteLength));
  return out;
}

function curveBlob(curve: EquityCurve): Buffer {
  const n = curve.ts.length;
  const packed = new Float64Array(3 * n);
  packed.set(curve.ts, 0);
  packed.set(curve.equity, n);
  packed.set(curve.position, 2 * n);
  return bytes(packed);
}

function curveOf(blob: Buffer): EquityCurve {
  const all = floats(blob);
  const n = all.length / 3;
  return { ts: all.slice(0, n), equity: all.slice(n, 2 * n), position: all.slice(2 * n) };
}
