import { ApiError } from '../../shared/api/protocol.js';
import type {
  DriftReport,
  FeatureSeries,
  FeatureSetInfo,
  LiveFeatureRows,
  MatrixInfo,
} from '../../shared/api/domains/features.js';
import {
  compileFeatureSet,
  type CanonicalFeatureSet,
  type FeatureSet,
} from '../../shared/features/feature-set.js';
import { FeatureSpecError } from '../../shared/features/resolve.js';
import { catalogueEntries } from '../../shared/features/pipeline/catalogue-info.js';
import { emptyFeatures, samplingProblem } from '../../shared/features/pipeline/data-needs.js';
import { DEFAULT_DRIFT_THRESHOLDS, driftReport, isDrifting } from '../../shared/features/pipeline/drift.js';
import { columnOf, type FeatureMatrix } from '../../shared/features/pipeline/matrix.js';
import { fitNormalization } from '../../shared/features/pipeline/normalize.js';
import { warmupMs } from '../../shared/features/pipeline/warmup.js';
import type { CommandHandlers, TopicSources } from '../api/handlers.js';
import { KeyedFanout } from '../api/fanout.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { FeatureWorker, LiveVectors } from '../workers/feature-worker.js';
import { FeatureStore, type StoredFeatureSet } from './feature-store.js';
import { buildMatrixInPool } from './matrix-pool.js';
import { matrixDataSource, RecordedBars } from './recorded-bars.js';
import { RecordedEvents } from './recorded-events.js';

/** Live rows kept per set: the sparklines' history and the live window drift compares against. */
export const LIVE_ROWS_KEPT = 2_000;
const PUBLISH_MS = 250;
const DRIFT_CHECK_MS = 5_000;
/** Matrices kept decoded in memory, so plotting column after column reads the blobs once. */
const MATRIX_MEMORY = 2;

type FeatureCommandName =
  | 'features.catalogue'
  | 'features.sets.list'
  | 'features.sets.save'
  | 'features.sets.delete'
  | 'features.sets.data'
  | 'features.range'
  | 'features.matrix.build'
  | 'features.matrix.list'
  | 'features.matrix.series'
  | 'features.normalization.fit'
  | 'features.drift';

export interface FeatureServiceOptions {
  readonly db: SqliteDatabase;
  readonly databaseFile: string;
  readonly jobs: JobBoard;
  readonly worker: FeatureWorker;
  /** The built matrix-build worker script (dist/main/features/matrix-worker.js). */
  readonly matrixWorkerEntry: URL;
  readonly nativeBinding?: string;
  readonly clock: () => number;
  readonly knownInstrument: (instrument: string) => void;
  readonly log?: (line: string) => void;
}

export interface FeatureService {
  readonly commands: Pick<CommandHandlers, FeatureCommandName>;
  readonly topics: Pick<TopicSources, 'features.live'>;
  readonly store: FeatureStore;
  /** What is wrong on the feature side now (a drifting feature, a set that cannot run). */
  problems(): string[];
  stop(): void;
}

/** A ring of the last LIVE_ROWS_KEPT rows of one live set. */
class LiveWindow {
  readonly ts = new Float64Array(LIVE_ROWS_KEPT);
  readonly values: Float64Array;
  count = 0;
  private next = 0;

  constructor(readonly width: number) {
    this.values = new Float64Array(LIVE_ROWS_KEPT * width);
  }

  push(ts: number, values: Float64Array, offset: number): void {
    this.ts[this.next] = ts;
    this.values.set(values.subarray(offset, offset + this.width), this.next * this.width);
    this.next = (this.next + 1) % LIVE_ROWS_KEPT;
    this.count = Math.min(LIVE_ROWS_KEPT, this.count + 1);
  }

  /** One column, oldest row first. */
  column(column: number): Float64Array {
    const out = new Float64Array(this.count);
    const first = (this.next - this.count + LIVE_ROWS_KEPT) % LIVE_ROWS_KEPT;
    for (let i = 0; i < this.count; i++) {
      out[i] = this.values[((first + i) % LIVE_ROWS_KEPT) * this.width + column] ?? Number.NaN;
    }
    return out;
  }
}

/**
 * The feature side of the App: saved sets (run live in the feature worker), live rows fanned
 * out to the UI, matrices built on the job board in a worker pool and cached in SQLite,
 * normalisation fitted on a training range, and drift of the live window against a cached
 * matrix with an alert in the status bar.
 */
export function createFeatureService(options: FeatureServiceOptions): FeatureService {
  const store = new FeatureStore(options.db, options.clock);
  const recorded = new RecordedEvents(options.db);
  const bars = new RecordedBars(options.db);
  const liveStreams = new KeyedFanout<LiveFeatureRows>();
  const windows = new Map<string, LiveWindow>();
  const pending = new Map<string, { ts: number[]; values: (number | null)[][] }>();
  const setFailures = new Map<string, string>();
  const monitors = new Map<string, number>();
  const driftAlerts = new Map<string, string>();
  const decoded: { id: number; matrix: FeatureMatrix }[] = [];
  let catalogue: ReturnType<typeof catalogueEntries> | null = null;

  const info = (stored: StoredFeatureSet): FeatureSetInfo => ({
    id: stored.id,
    name: stored.name,
    instrument: stored.instrument,
    sampling: stored.set.sampling,
    features: stored.set.features.map((f) => ({ kind: f.kind, params: { ...f.params } })),
    hash: stored.hash,
    columns: [...stored.columns],
    createdAt: stored.createdAt,
  });

  const requireSet = (id: string): StoredFeatureSet => {
    const stored = store.getSet(id);
    if (stored === null) throw new ApiError('not_found', `no feature set '${id}'`);
    return stored;
  };

  const requireMatrix = (id: number): { info: MatrixInfo; matrix: FeatureMatrix } => {
    const meta = store.matrixInfo(id);
    if (meta === null) throw new ApiError('not_found', `no feature matrix ${id}`);
    let entry = decoded.find((d) => d.id === id);
    if (entry === undefined) {
      const matrix = store.readMatrix(id);
      if (matrix === null) throw new ApiError('not_found', `no feature matrix ${id}`);
      entry = { id, matrix };
      decoded.unshift(entry);
      decoded.length = Math.min(decoded.length, MATRIX_MEMORY);
    }
    return { info: { ...meta, columns: [...meta.columns] }, matrix: entry.matrix };
  };

  /** Tells the worker which sets to run: every saved set (those of other builds excluded). */
  const configureLive = (): void => {
    const sets = store.listSets();
    for (const id of windows.keys()) if (!sets.some((s) => s.id === id)) windows.delete(id);
    options.worker.configureSets(
      sets.map((stored) => ({
        id: stored.id,
        set: {
          name: stored.name,
          instrument: stored.instrument,
          sampling: stored.set.sampling,
          features: stored.set.features.map((f) => ({ kind: f.kind, params: { ...f.params } })),
        },
      })),
    );
  };

  const columnsOf = new Map<string, readonly string[]>();
  const unsubscribeVectors = options.worker.subscribeVectors({
    onVectors: (batches: readonly LiveVectors[]) => {
      for (const batch of batches) {
        let window = windows.get(batch.setId);
        if (window === undefined || window.width !== batch.width) {
          window = new LiveWindow(batch.width);
          windows.set(batch.setId, window);
        }
        const rows = batch.ts.length;
        const streaming = liveStreams.has(batch.setId);
        let out = pending.get(batch.setId);
        for (let r = 0; r < rows; r++) {
          window.push(batch.ts[r] ?? Number.NaN, batch.values, r * batch.width);
          if (!streaming) continue;
          if (out === undefined) {
            out = { ts: [], values: [] };
            pending.set(batch.setId, out);
          }
          out.ts.push(batch.ts[r] ?? Number.NaN);
          out.values.push(
            Array.from(batch.values.subarray(r * batch.width, (r + 1) * batch.width), nullIfNaN),
          );
        }
      }
    },
    onSetFailed: (setId, message) => {
      setFailures.set(setId, message);
      options.log?.(`feature set ${setId} cannot run live: ${message}`);
    },
  });

  const publish = setInterval(() => {
    for (const [setId, rows] of pending) {
      // The topic is a view: a burst of event-sampled rows is cut to its newest part.
      const keep = Math.max(0, rows.ts.length - LIVE_ROWS_KEPT);
      liveStreams.emit(setId, {
        setId,
        columns: [...(columnsOf.get(setId) ?? [])],
        rows: rows.ts.slice(keep).map((ts, i) => ({ ts, values: rows.values[keep + i] ?? [] })),
      });
    }
    pending.clear();
  }, PUBLISH_MS);

  const computeDrift = (setId: string, matrixId: number): DriftReport => {
    const stored = requireSet(setId);
    const { matrix } = requireMatrix(matrixId);
    if (matrix.columns.join('\n') !== stored.columns.join('\n')) {
      throw new ApiError('bad_request', `matrix ${matrixId} has other columns than set '${stored.name}'`);
    }
    const window = windows.get(setId);
    const reference = matrix.columns.map((_, c) => columnOf(matrix, c));
    const live = matrix.columns.map((_, c) => window?.column(c) ?? new Float64Array(0));
    const features = driftReport(matrix.columns, reference, live).map((drift) => ({
      column: drift.column,
      psi: nullIfNaN(drift.psi),
      ks: nullIfNaN(drift.ks),
      referenceCount: drift.referenceCount,
      liveCount: drift.liveCount,
      drifting: isDrifting(drift),
    }));
    const drifting = features.filter((f) => f.drifting);
    if (drifting.length === 0) driftAlerts.delete(setId);
    else {
      const worst = drifting.map(
        (f) => `${f.column} (PSI ${f.psi?.toFixed(2) ?? '—'}, KS ${f.ks?.toFixed(2) ?? '—'})`,
      );
      driftAlerts.set(setId, `drift in '${stored.name}': ${worst.join(', ')}`);
    }
    return {
      setId,
      matrixId,
      liveRows: window?.count ?? 0,
      thresholds: { ...DEFAULT_DRIFT_THRESHOLDS },
      features,
      alert: drifting.length > 0,
      at: options.clock(),
    };
  };

  const driftTimer = setInterval(() => {
    for (const [setId, matrixId] of monitors) {
      try {
        computeDrift(setId, matrixId);
      } catch {
        // The set or matrix is gone: stop watching it.
        monitors.delete(setId);
        driftAlerts.delete(setId);
      }
    }
  }, DRIFT_CHECK_MS);

  configureLive();

  return {
    store,
    commands: {
      'features.catalogue': () => (catalogue ??= catalogueEntries()),
      'features.sets.list': () => store.listSets().map(info),
      'features.sets.save': (request) => {
        options.knownInstrument(request.instrument);
        let stored: StoredFeatureSet;
        try {
          stored = store.saveSet(request);
        } catch (error) {
          if (error instanceof FeatureSpecError) throw new ApiError('bad_request', error.message);
          throw error;
        }
        columnsOf.set(stored.id, stored.columns);
        configureLive();
        return info(stored);
      },
      'features.sets.delete': ({ setId }) => {
        const deleted = store.deleteSet(setId);
        monitors.delete(setId);
        driftAlerts.delete(setId);
        setFailures.delete(setId);
        if (deleted) configureLive();
        return { deleted };
      },
      'features.sets.data': ({ setId }) => {
        const stored = requireSet(setId);
        const compiled = compileFeatureSet(asFeatureSet(stored.set));
        const source = matrixDataSource(options.db, stored.instrument);
        return {
          source: source.kind,
          timeframe: source.kind === 'candles' ? source.timeframe : null,
          problem: samplingProblem(compiled, source),
          emptyFeatures: emptyFeatures(compiled, source).map((f) => ({ ...f, columns: [...f.columns] })),
        };
      },
      'features.range': ({ instrument }) => {
        const events = recorded.recordedRange(instrument);
        if (events !== null) return events;
        const timeframe = bars.finestTimeframe(instrument);
        return timeframe === null ? null : bars.recordedRange(instrument, timeframe);
      },
      'features.matrix.build': ({ setId, from, to, workers }) => {
        const stored = requireSet(setId);
        if (!(to > from)) throw new ApiError('bad_request', `empty range [${from}, ${to})`);
        const cached = store.findMatrix(stored.hash, stored.instrument, from, to);
        if (cached !== null) return { jobId: null, matrix: { ...cached, columns: [...cached.columns] } };
        const set = asFeatureSet(stored.set);
        const compiled = compileFeatureSet(set);
        const source = matrixDataSource(options.db, stored.instrument);
        const problem = samplingProblem(compiled, source);
        if (problem !== null) throw new ApiError('bad_request', problem);
        const empty = emptyFeatures(compiled, source);
        const { job } = options.jobs.start(
          {
            kind: 'feature-matrix',
            title: `Feature matrix '${stored.name}' (${workers} worker${workers === 1 ? '' : 's'})`,
            unit: 's of market time',
            total: null,
          },
          async (context) => {
            const built = await buildMatrixInPool({
              workerEntry: options.matrixWorkerEntry,
              databaseFile: options.databaseFile,
              ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
              set,
              source,
              from,
              to,
              workers,
              warmupMs: warmupMs(compiled),
              signal: context.signal,
              onProgress: (doneMs, totalMs) => {
                context.progress(Math.round(doneMs / 1000), Math.round(totalMs / 1000));
              },
            });
            context.throwIfCancelled();
            const matrix = store.putMatrix(
              { hash: stored.hash, instrument: stored.instrument, from, to },
              built.matrix,
              built.events,
            );
            return {
              matrix,
              workers: built.workers,
              seamsVerified: built.seamsVerified,
              inexactColumns: built.inexactColumns,
              fallback: built.fallback,
              // Candle-only data: which columns stay empty, and why (book and trade features).
              emptyFeatures: empty,
            };
          },
        );
        return { jobId: job.id, matrix: null };
      },
      'features.matrix.list': ({ setId }) =>
        store.listMatrices(requireSet(setId).hash).map((m) => ({ ...m, columns: [...m.columns] })),
      'features.matrix.series': ({ matrixId, column, maxPoints, bins }) => {
        const { matrix } = requireMatrix(matrixId);
        const index = matrix.columns.indexOf(column);
        if (index < 0) throw new ApiError('not_found', `matrix ${matrixId} has no column '${column}'`);
        return seriesOf(matrix, index, maxPoints, bins);
      },
      'features.normalization.fit': ({ matrixId, method, trainFrom, trainTo }) => {
        const { info: meta, matrix } = requireMatrix(matrixId);
        if (!(trainTo > trainFrom))
          throw new ApiError('bad_request', `empty training range [${trainFrom}, ${trainTo})`);
        const stats = fitNormalization(matrix, method, trainFrom, trainTo);
        store.saveNormalization(meta.setHash, meta.instrument, stats);
        return {
          ...stats,
          columns: [...stats.columns],
          center: [...stats.center],
          scale: [...stats.scale],
          count: [...stats.count],
        };
      },
      'features.drift': ({ setId, matrixId }) => {
        const report = computeDrift(setId, matrixId);
        monitors.set(setId, matrixId);
        return report;
      },
    },
    topics: {
      'features.live': ({ setId }, emit) => {
        const stored = requireSet(setId);
        columnsOf.set(setId, stored.columns);
        return liveStreams.add(setId, emit);
      },
    },
    problems: () => [
      ...[...driftAlerts.values()],
      ...[...setFailures.entries()].map(([id, message]) => `feature set ${id} cannot run: ${message}`),
    ],
    stop() {
      clearInterval(publish);
      clearInterval(driftTimer);
      unsubscribeVectors();
    },
  };
}

/** A canonical set as plain, mutable data again (what compileFeatureSet and the pool take). */
export function asFeatureSet(set: CanonicalFeatureSet): FeatureSet {
  return {
    name: set.name,
    instrument: set.instrument,
    sampling: set.sampling,
    features: set.features.map((f) => ({ kind: f.kind, params: { ...f.params } })),
  };
}

function nullIfNaN(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A column thinned to at most maxPoints rows for a plot, with a histogram and stats over all rows. */
export function seriesOf(
  matrix: FeatureMatrix,
  column: number,
  maxPoints: number,
  bins: number,
): FeatureSeries {
  const values = columnOf(matrix, column);
  const rows = values.length;
  const step = Math.max(1, Math.ceil(rows / maxPoints));
  const ts: number[] = [];
  const drawn: (number | null)[] = [];
  for (let r = 0; r < rows; r += step) {
    ts.push(matrix.ts[r] ?? Number.NaN);
    drawn.push(nullIfNaN(values[r] ?? Number.NaN));
  }
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = count > 0 ? sum / count : Number.NaN;
  let squares = 0;
  for (const v of values) if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
  const { edges, counts } = histogramOf(values, count, min, max, bins);
  return {
    column: matrix.columns[column] ?? '',
    ts,
    values: drawn,
    histogram: { edges, counts },
    stats: {
      rows,
      missing: rows - count,
      mean: nullIfNaN(mean),
      std: count > 0 ? nullIfNaN(Math.sqrt(squares / count)) : null,
      min: count > 0 ? min : null,
      max: count > 0 ? max : null,
    },
  };
}

/** Equal-width bins between min and max (one bin when the column is constant). */
function histogramOf(
  values: Float64Array,
  count: number,
  min: number,
  max: number,
  bins: number,
): { edges: number[]; counts: number[] } {
  if (count === 0) return { edges: [], counts: [] };
  const n = max > min ? bins : 1;
  const width = max > min ? (max - min) / bins : 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => min + i * width);
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const bin = Math.min(n - 1, Math.floor((v - min) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { edges, counts };
}
