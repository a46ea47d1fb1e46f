import type { RoundTrip } from '../../shared/backtest/accounting.js';
import type { EquityCurve } from '../../shared/backtest/engine.js';
import { deflatedSharpeRatio, type SharpeEstimate } from '../../shared/backtest/honesty.js';
import type { Metrics } from '../../shared/backtest/metrics.js';
import {
  fromBacktestWorkerSchema,
  type BacktestWorkRequest,
  type HonestyWorkRequest,
  type ToBacktestWorker,
} from './backtest-protocol.js';
import type { BacktestWorkReply, SendReply } from './backtest-work.js';
import {
  PACKED_WIDTH,
  packTrips,
  unpackOutcome,
  unpackTrips,
  type CandleRange,
  type RunCosts,
} from './candle-run.js';
import type { StrategyKind } from './param-grid.js';
import type { BacktestHonesty, BacktestMode } from '../../shared/api/domains/backtests.js';
import type { CompiledStrategy } from '../strategies/user-strategy.js';
import { runWorkerChunks, type ChunkOutcome } from '../workers/chunk-pool.js';

export interface BacktestPoolOptions {
  readonly workerEntry: URL;
  readonly databaseFile: string;
  readonly nativeBinding?: string;
  readonly signal?: AbortSignal;
  /** Configurations finished over all workers, and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Runs a single configuration in the calling process instead of a worker thread
   * (backtest-work.ts runBacktestWork). For the CLI only: it has no window to keep responsive,
   * and starting a thread there costs more than a run of 45k bars. Sweeps always use workers.
   */
  readonly runInProcess?: (request: BacktestWorkRequest, send: SendReply) => void;
}

/** Seeds the sampled latency of event-mode runs: fixed, so a stored run replays exactly. */
export const EVENT_RUN_SEED = 1;

export interface SweepSpec {
  readonly range: CandleRange;
  readonly mode: BacktestMode;
  readonly strategy: StrategyKind;
  /** The compiled file of a user strategy, read once when the run started; null for a built-in. */
  readonly userStrategy?: CompiledStrategy | null;
  readonly costs: RunCosts;
  /** Already validated against the strategy's schema (param-grid.ts), in sweep order. */
  readonly configurations: readonly Record<string, unknown>[];
  /** Worker threads; the configurations are cut into this many contiguous chunks. */
  readonly workers: number;
}

export interface SweepRow {
  readonly index: number;
  readonly params: Record<string, unknown>;
  readonly metrics: Metrics;
  readonly estimate: SharpeEstimate;
}

export interface SweepOutcome {
  /** One row per configuration, in configuration order whatever the number of workers. */
  readonly rows: readonly SweepRow[];
  readonly bars: number;
  /** Index of the configuration with the highest per-period Sharpe estimate, or null if none has one. */
  readonly best: number | null;
  /** Variance of the finite per-period Sharpe estimates across configurations. */
  readonly sharpeVariance: number;
  /** DSR of the best configuration over the number of configurations tried. */
  readonly deflatedSharpe: number;
  readonly workers: number;
}

export interface SingleOutcome {
  readonly metrics: Metrics;
  readonly estimate: SharpeEstimate;
  readonly curve: EquityCurve;
  readonly trips: readonly RoundTrip[];
  /** The curve's and trips' honesty reading, computed where the run ran (never the main thread). */
  readonly honesty: BacktestHonesty;
  /** Bars (candle mode) or events (event mode) replayed. */
  readonly bars: number;
}

export class BacktestCancelled extends Error {
  override readonly name = 'BacktestCancelled';

  constructor() {
    super('cancelled');
  }
}

interface ChunkResult {
  readonly firstIndex: number;
  readonly count: number;
  readonly bars: number;
  readonly outcomes: Float64Array;
  readonly detail: { curve: EquityCurve; trips: RoundTrip[]; honesty: BacktestHonesty } | null;
}

/** Contiguous chunks of [0, n) for w workers, none empty: [start, end) each. */
export function planChunks(n: number, workers: number): [number, number][] {
  const w = Math.max(1, Math.min(Math.floor(workers), n));
  const out: [number, number][] = [];
  for (let k = 0; k < w; k++) {
    const start = Math.floor((n * k) / w);
    const end = Math.floor((n * (k + 1)) / w);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/** A parameter sweep in a pool of worker threads: per-configuration metrics and the DSR of the best. */
export async function runSweep(spec: SweepSpec, options: BacktestPoolOptions): Promise<SweepOutcome> {
  const chunks = planChunks(spec.configurations.length, spec.workers);
  const results = await runChunks(
    chunks.map(([start, end]) => request(spec, options, start, spec.configurations.slice(start, end), false)),
    spec.configurations.length,
    options,
  );
  const rows: SweepRow[] = [];
  for (const chunk of results) {
    for (let k = 0; k < chunk.count; k++) {
      const index = chunk.firstIndex + k;
      rows.push({
        index,
        params: spec.configurations[index] ?? {},
        ...unpackOutcome(chunk.outcomes, k * PACKED_WIDTH),
      });
    }
  }
  rows.sort((a, b) => a.index - b.index);
  return { rows, bars: results[0]?.bars ?? 0, workers: chunks.length, ...deflate(rows) };
}

/**
 * The best configuration by per-period Sharpe estimate, and its DSR over every configuration
 * tried. A ruined configuration (equity reached zero) is a trial, and its Sharpe counts in the
 * variance the DSR deflates by, but it never ranks best: whatever its Sharpe, it lost everything.
 */
export function deflate(rows: readonly SweepRow[]): {
  best: number | null;
  sharpeVariance: number;
  deflatedSharpe: number;
} {
  const finite = rows.filter((r) => Number.isFinite(r.estimate.sharpe));
  let best: SweepRow | null = null;
  for (const row of finite) {
    if (row.metrics.ruined > 0) continue;
    if (best === null || row.estimate.sharpe > best.estimate.sharpe) best = row;
  }
  if (best === null) return { best: null, sharpeVariance: Number.NaN, deflatedSharpe: Number.NaN };
  const mean = finite.reduce((s, r) => s + r.estimate.sharpe, 0) / finite.length;
  const sharpeVariance =
    finite.length > 1
      ? finite.reduce((s, r) => s + (r.estimate.sharpe - mean) ** 2, 0) / (finite.length - 1)
      : 0;
  // Every configuration tried counts as a trial, including any whose Sharpe is undefined.
  return {
    best: best.index,
    sharpeVariance,
    deflatedSharpe: deflatedSharpeRatio(best.estimate, Math.max(1, rows.length), sharpeVariance),
  };
}

/** One configuration in one worker, with its equity curve and round trips. */
export async function runSingle(
  spec: Omit<SweepSpec, 'configurations' | 'workers'> & { readonly params: Record<string, unknown> },
  options: BacktestPoolOptions,
): Promise<SingleOutcome> {
  const work = request({ ...spec, workers: 1, configurations: [] }, options, 0, [spec.params], true);
  const [result] =
    options.runInProcess === undefined
      ? await runChunks([work], 1, options)
      : [runHere(work, options, options.runInProcess)];
  if (result?.detail === null || result === undefined) throw new Error('backtest worker sent no curve');
  return {
    ...unpackOutcome(result.outcomes, 0),
    curve: result.detail.curve,
    trips: result.detail.trips,
    honesty: result.detail.honesty,
    bars: result.bars,
  };
}

/** One request run in this process, its replies read as a worker's would be. */
function runHere(
  work: BacktestWorkRequest,
  options: BacktestPoolOptions,
  run: NonNullable<BacktestPoolOptions['runInProcess']>,
): ChunkResult {
  if (options.signal?.aborted === true) throw new BacktestCancelled();
  const onReply = chunkReplies(work.configurations.length, options);
  const results: ChunkResult[] = [];
  run(work, (reply) => {
    const outcome = onReply(reply, 0);
    if (outcome === null) return;
    if ('failure' in outcome) throw new Error(outcome.failure);
    results.push(outcome.result);
  });
  const [result] = results;
  if (result === undefined) throw new Error('the backtest sent no results');
  return result;
}

/**
 * The honesty reading of a curve and its round trips in a backtest worker: the bootstrap and the
 * Monte Carlo runs take a few hundred ms on a year of bars, too long for the main thread.
 */
export async function readHonesty(
  curve: { readonly equity: Float64Array },
  trips: readonly RoundTrip[],
  reading: Omit<HonestyWorkRequest, 'equity' | 'trips'>,
  options: BacktestPoolOptions,
): Promise<BacktestHonesty> {
  const payload: HonestyWorkRequest = {
    ...reading,
    equity: curve.equity.slice().buffer,
    trips: packTrips(trips).buffer,
  };
  const [honesty] = await runWorkerChunks({
    workerEntry: options.workerEntry,
    chunks: [payload],
    signal: options.signal,
    workerName: 'backtest worker',
    cancelled: () => new BacktestCancelled(),
    reply: fromBacktestWorkerSchema,
    start: (chunk): ToBacktestWorker => ({ seq: 0, type: 'honesty', payload: chunk }),
    onReply: (message): ChunkOutcome<BacktestHonesty> => {
      switch (message.type) {
        case 'honesty':
          return { result: message.payload };
        case 'failed':
          return { failure: message.payload.message };
        case 'progress':
        case 'results':
          return { failure: `backtest worker answered a honesty request with '${message.type}'` };
        default:
          return message satisfies never;
      }
    },
  });
  if (honesty === undefined) throw new Error('backtest worker sent no honesty reading');
  return honesty;
}

function request(
  spec: SweepSpec,
  options: BacktestPoolOptions,
  firstIndex: number,
  configurations: readonly Record<string, unknown>[],
  detail: boolean,
): BacktestWorkRequest {
  return {
    databaseFile: options.databaseFile,
    nativeBinding: options.nativeBinding ?? null,
    instrument: spec.range.instrument,
    timeframe: spec.range.timeframe,
    from: spec.range.from,
    to: spec.range.to,
    mode: spec.mode,
    strategy: spec.strategy,
    userStrategy: spec.userStrategy ?? null,
    costs: spec.costs,
    seed: EVENT_RUN_SEED,
    firstIndex,
    configurations: [...configurations],
    detail,
  };
}

function runChunks(
  requests: readonly BacktestWorkRequest[],
  total: number,
  options: BacktestPoolOptions,
): Promise<ChunkResult[]> {
  return runWorkerChunks({
    workerEntry: options.workerEntry,
    chunks: requests,
    signal: options.signal,
    workerName: 'backtest worker',
    cancelled: () => new BacktestCancelled(),
    reply: fromBacktestWorkerSchema,
    start: (payload): ToBacktestWorker => ({ seq: 0, type: 'run', payload }),
    onReply: chunkReplies(total, options, requests.length),
  });
}

/** How the replies to run requests are read, from a worker or from a run in this process. */
function chunkReplies(
  total: number,
  options: BacktestPoolOptions,
  chunks = 1,
): (message: BacktestWorkReply, chunk: number) => ChunkOutcome<ChunkResult> {
  const done: number[] = Array.from({ length: chunks }, () => 0);
  return (message, chunk) => {
    switch (message.type) {
      case 'progress':
        done[chunk] = message.payload.done;
        options.onProgress?.(
          done.reduce((s, d) => s + d, 0),
          total,
        );
        return null;
      case 'results': {
        const { detail } = message.payload;
        return {
          result: {
            firstIndex: message.payload.firstIndex,
            count: message.payload.count,
            bars: message.payload.bars,
            outcomes: new Float64Array(message.payload.outcomes),
            detail:
              detail === null
                ? null
                : {
                    curve: {
                      ts: new Float64Array(detail.ts),
                      equity: new Float64Array(detail.equity),
                      position: new Float64Array(detail.position),
                    },
                    trips: unpackTrips(new Float64Array(detail.trips)),
                    honesty: detail.honesty,
                  },
          },
        };
      }
      case 'honesty':
        return { failure: 'backtest worker answered a run with a honesty reading' };
      case 'failed':
        return { failure: message.payload.message };
      default:
        return message satisfies never;
    }
  };
}
