import type { Sampling } from '../../shared/features/feature-set.js';
import { SAMPLING_MS, compileFeatureSet } from '../../shared/features/feature-set.js';
import type { FeatureMatrix } from '../../shared/features/pipeline/matrix.js';
import { warmupMs } from '../../shared/features/pipeline/warmup.js';
import type { CandleSeries } from '../../shared/backtest/engine.js';
import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { samplingProblem, type MatrixDataSource } from '../../shared/features/pipeline/data-needs.js';
import type { LabelMark } from '../../shared/models/annotation-labels.js';
import type { LabelSpec } from '../../shared/models/model.js';
import type { CandlesWire, DatasetWire } from '../../shared/models/training-protocol.js';
import { asFeatureSet } from '../features/feature-service.js';
import type { FeatureStore, StoredFeatureSet } from '../features/feature-store.js';
import { buildMatrixInPool } from '../features/matrix-pool.js';
import type { MarketStore } from '../storage/market-store.js';

/**
 * Training data from the workspace: the feature set's cached matrix over [from, to) (built
 * through the feature service's own pool and cache when it is missing) and a price per row;
 * the training worker labels the rows with shared/models/labels.ts.
 *
 * PRICES. A row's price is the close of the last candle of the sampling timeframe that had
 * CLOSED at the row's time (openTime + bar <= ts): a price known at the row, never one from
 * the bar still forming. Event-sampled sets use 1 s candles, 30 m sets 5 m candles (the
 * finest stored timeframe that divides them). The catalogue has no mid-price feature, so a
 * set's columns never name a price and candles are the one source every set has; labels are
 * then on traded prices, which is what the ML backtest trades on too.
 */

export interface MatrixSource {
  readonly store: FeatureStore;
  /** The matrix-build worker (dist/main/features/matrix-worker.js) and the database it reads. */
  readonly workerEntry: URL;
  readonly databaseFile: string;
  readonly nativeBinding?: string | undefined;
  /** What an instrument's matrix is built from: recorded events (the default) or, candle-only, its bars. */
  readonly dataSource?: ((instrument: string) => MatrixDataSource) | undefined;
}

/** The candle timeframe whose closes price a set's rows (and the fold backtests trade). */
export function priceTimeframe(sampling: Sampling): Timeframe {
  switch (sampling) {
    case 'event':
    case '1s':
      return '1s';
    case '1m':
      return '1m';
    case '5m':
    case '30m':
      return '5m';
    default: {
      const never: never = sampling;
      throw new Error(`unknown sampling ${String(never)}`);
    }
  }
}

/**
 * The set's matrix over [from, to): the cached one, or one built now in the matrix pool and
 * stored in the same cache the features view reads (so the next model on it is free).
 */
export async function featureMatrix(
  source: MatrixSource,
  stored: StoredFeatureSet,
  from: number,
  to: number,
  options: { signal?: AbortSignal; onProgress?: (doneMs: number, totalMs: number) => void } = {},
): Promise<FeatureMatrix> {
  const cached = source.store.findMatrix(stored.hash, stored.instrument, from, to);
  if (cached !== null) {
    const matrix = source.store.readMatrix(cached.id);
    if (matrix !== null) return matrix;
  }
  const set = asFeatureSet(stored.set);
  const compiled = compileFeatureSet(set);
  const data = source.dataSource?.(stored.instrument) ?? { kind: 'events' };
  const problem = samplingProblem(compiled, data);
  if (problem !== null) throw new Error(problem);
  const built = await buildMatrixInPool({
    workerEntry: source.workerEntry,
    databaseFile: source.databaseFile,
    ...(source.nativeBinding === undefined ? {} : { nativeBinding: source.nativeBinding }),
    set,
    source: data,
    from,
    to,
    workers: 1,
    warmupMs: warmupMs(compiled),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  source.store.putMatrix(
    { hash: stored.hash, instrument: stored.instrument, from, to },
    built.matrix,
    built.events,
  );
  return built.matrix;
}

/**
 * The stored candles of [from, to) in the timeframe that prices the set's rows. An instrument
 * with no bars there (a candle-only one imported at 1m has no 1s bars) is priced by the
 * shortest longer timeframe it has that still divides the rows' period, so a price is still
 * the close of a bar closed by the row.
 */
export function candlesFor(
  market: MarketStore,
  stored: StoredFeatureSet,
  from: number,
  to: number,
): CandleSeries {
  const first = priceTimeframe(stored.set.sampling);
  const sampling = stored.set.sampling;
  const periodMs = sampling === 'event' ? TIMEFRAME_MS[first] : SAMPLING_MS[sampling];
  let fallback: CandleSeries | null = null;
  for (const timeframe of TIMEFRAMES) {
    if (TIMEFRAME_MS[timeframe] < TIMEFRAME_MS[first] || periodMs % TIMEFRAME_MS[timeframe] !== 0) continue;
    const series = {
      ...market.candleColumns(stored.instrument, timeframe, from, to),
      barMs: TIMEFRAME_MS[timeframe],
    };
    if (series.length > 0) return series;
    fallback ??= series;
  }
  return (
    fallback ?? { ...market.candleColumns(stored.instrument, first, from, to), barMs: TIMEFRAME_MS[first] }
  );
}

/** Per row, the close of the last candle closed at or before the row's time; NaN before the first. */
export function rowPrices(ts: Float64Array, candles: CandleSeries): Float64Array {
  const prices = new Float64Array(ts.length);
  let bar = -1;
  for (let row = 0; row < ts.length; row++) {
    const t = ts[row] ?? Number.NaN;
    while (
      bar + 1 < candles.length &&
      (candles.openTime[bar + 1] ?? Number.POSITIVE_INFINITY) + candles.barMs <= t
    )
      bar++;
    prices[row] = bar < 0 ? Number.NaN : (candles.close[bar] ?? Number.NaN);
  }
  return prices;
}

/** The data of one training run as posted to its worker, with the buffers to transfer. */
export interface PackedDataset {
  readonly wire: DatasetWire;
  readonly transfer: ArrayBuffer[];
}

/**
 * Copies of the matrix and the row prices for one worker (a search posts the same matrix to
 * every trial, so the App keeps its own); the worker labels them.
 */
export function packDataset(
  matrix: FeatureMatrix,
  prices: Float64Array,
  label: LabelSpec,
  marks: readonly LabelMark[] = [],
): PackedDataset {
  if (prices.length !== matrix.ts.length)
    throw new RangeError(`${prices.length} prices for ${matrix.ts.length} matrix rows`);
  const wire: DatasetWire = {
    columns: [...matrix.columns],
    ts: matrix.ts.slice().buffer,
    values: matrix.values.slice().buffer,
    prices: prices.slice().buffer,
    label,
    marks: [...marks],
  };
  return { wire, transfer: [wire.ts, wire.values, wire.prices] };
}

/** Candles as posted to the worker (copies: the caller keeps its own). */
export function packCandles(candles: CandleSeries): { wire: CandlesWire; transfer: ArrayBuffer[] } {
  const copy = (a: Float64Array): ArrayBuffer => a.slice(0, candles.length).buffer;
  const wire: CandlesWire = {
    barMs: candles.barMs,
    openTime: copy(candles.openTime),
    open: copy(candles.open),
    high: copy(candles.high),
    low: copy(candles.low),
    close: copy(candles.close),
    volume: copy(candles.volume),
  };
  return { wire, transfer: [wire.openTime, wire.open, wire.high, wire.low, wire.close, wire.volume] };
}
