import type { FeatureSet } from '../../shared/features/feature-set.js';
import type { MatrixDataSource } from '../../shared/features/pipeline/data-needs.js';
import {
  concatMatrices,
  type FeatureMatrix,
  type OwnedFeatureMatrix,
} from '../../shared/features/pipeline/matrix.js';
import {
  fromMatrixWorkerSchema,
  type MatrixChunkRequest,
  type ToMatrixWorker,
} from '../../shared/features/pipeline/matrix-protocol.js';
import { runWorkerChunks, type ChunkOutcome } from '../workers/chunk-pool.js';

/**
 * Builds a feature matrix over a recorded range in a pool of worker threads.
 *
 * The range [from, to) is cut into one contiguous chunk per worker. A chunk starts its replay
 * `warmupMs` before its first kept row (never before `from`), so its features have refilled
 * their windows by the time its rows count, and keeps only its own rows. Whether the warm-up
 * was long enough is not assumed, it is CHECKED: every chunk but the last replays `overlapMs`
 * past its end, and those rows must equal the first rows the next chunk computed from its own
 * warm-up: bit for bit, or within SEAM_TOLERANCE where only float order differs (see below;
 * the columns concerned are reported). With one worker the build IS the single pass. A feature with a longer memory than the warm-up (an EMA
 * started at the range's first bar, say) fails the check, and the matrix is then rebuilt in a
 * single pass: a pool build is exactly the single pass or it is not used.
 */

export interface MatrixBuildRequest {
  readonly workerEntry: URL;
  readonly databaseFile: string;
  readonly nativeBinding?: string;
  readonly set: FeatureSet;
  /** Recorded events (the default) or, for a candle-only instrument, its stored bars. */
  readonly source?: MatrixDataSource;
  readonly from: number;
  readonly to: number;
  /** Worker threads (and chunks); 1 is one single pass. */
  readonly workers: number;
  readonly warmupMs: number;
  /** Length of the seam check after each chunk; defaults to the warm-up. */
  readonly overlapMs?: number;
  readonly signal?: AbortSignal;
  /** Market time replayed so far over all chunks, and the total to replay. */
  readonly onProgress?: (doneMs: number, totalMs: number) => void;
}

export interface MatrixBuildResult {
  readonly matrix: OwnedFeatureMatrix;
  /** Events replayed, warm-ups and seam checks included. */
  readonly events: number;
  /** Workers that produced the matrix (1 when the seam check sent it back to a single pass). */
  readonly workers: number;
  /** Seams checked equal (within SEAM_TOLERANCE); 0 for a single pass. */
  readonly seamsVerified: number;
  /**
   * Columns that matched a seam within tolerance but not bit for bit: their chunked values
   * differ from a single pass in the last bits (float order of windowed running sums).
   */
  readonly inexactColumns: readonly string[];
  /** Why the pool build was replaced by a single pass, or null. */
  readonly fallback: string | null;
}

interface ChunkResult {
  readonly rows: FeatureMatrix;
  readonly overlap: FeatureMatrix;
  readonly events: number;
}

export class MatrixBuildCancelled extends Error {
  override readonly name = 'MatrixBuildCancelled';

  constructor() {
    super('cancelled');
  }
}

/** The chunk plan: boundaries at equal market time, warm-up and overlap clamped to the range. */
export function planChunks(
  request: Pick<
    MatrixBuildRequest,
    'from' | 'to' | 'workers' | 'warmupMs' | 'overlapMs' | 'set' | 'source'
  > & {
    databaseFile: string;
    nativeBinding?: string;
  },
): MatrixChunkRequest[] {
  const workers = Math.max(1, Math.floor(request.workers));
  const span = request.to - request.from;
  const overlap = request.overlapMs ?? request.warmupMs;
  const bounds = Array.from({ length: workers + 1 }, (_, k) =>
    k === workers ? request.to : request.from + Math.floor((span * k) / workers),
  );
  const set = {
    name: request.set.name,
    instrument: request.set.instrument,
    features: request.set.features.map((f) => ({ kind: f.kind, params: f.params ?? {} })),
    sampling: request.set.sampling ?? 'event',
  };
  const chunks: MatrixChunkRequest[] = [];
  for (let k = 0; k < workers; k++) {
    const keepFrom = bounds[k] ?? request.from;
    const keepTo = bounds[k + 1] ?? request.to;
    if (keepTo <= keepFrom) continue;
    chunks.push({
      source: request.source ?? { kind: 'events' },
      chunk: chunks.length,
      databaseFile: request.databaseFile,
      nativeBinding: request.nativeBinding ?? null,
      set,
      replayFrom: k === 0 ? request.from : Math.max(request.from, keepFrom - request.warmupMs),
      keepFrom,
      keepTo,
      overlapTo: k === workers - 1 ? keepTo : Math.min(request.to, keepTo + overlap),
    });
  }
  return chunks;
}

export async function buildMatrixInPool(request: MatrixBuildRequest): Promise<MatrixBuildResult> {
  const chunks = planChunks(request);
  const results = await runChunks(request, chunks);
  const columns = results[0]?.rows.columns ?? [];
  let seamsVerified = 0;
  let mismatch: string | null = null;
  const inexact = new Set<string>();
  for (let k = 0; k + 1 < results.length && mismatch === null; k++) {
    const seam = compareSeam(results[k] as ChunkResult, results[k + 1] as ChunkResult);
    for (const column of seam.inexact) inexact.add(column);
    if (seam.mismatch === null) seamsVerified++;
    else mismatch = `seam ${k + 1}: ${seam.mismatch}`;
  }
  const events = results.reduce((sum, r) => sum + r.events, 0);
  if (mismatch === null) {
    return {
      matrix: concatMatrices(
        columns,
        results.map((r) => r.rows),
      ),
      events,
      workers: chunks.length,
      seamsVerified,
      inexactColumns: [...inexact],
      fallback: null,
    };
  }
  const single = await runChunks({ ...request, workers: 1 }, planChunks({ ...request, workers: 1 }));
  const only = single[0] as ChunkResult;
  return {
    matrix: concatMatrices(only.rows.columns, [only.rows]),
    events: events + only.events,
    workers: 1,
    seamsVerified: 0,
    inexactColumns: [],
    fallback: `the warm-up of ${request.warmupMs} ms is shorter than a feature's memory (${mismatch}); built in one pass`,
  };
}

/**
 * Equal enough for a seam: the same bits, or within SEAM_TOLERANCE relative to the larger
 * magnitude (absolute below 1). Windowed running sums (OFI, VWAP, trade intensity...) carry
 * rounding from every add and subtract since their last rebuild (catalogue/windows.ts), so a
 * chunk that starts its window later holds the same sum in different last bits: a difference
 * of float order, not of data, which the issue allows up to 1e-12.
 */
export const SEAM_TOLERANCE = 1e-12;

export function withinTolerance(a: number, b: number): boolean {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return true;
  return Math.abs(a - b) <= SEAM_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

interface SeamCheck {
  /** What differs beyond the tolerance, or null. */
  readonly mismatch: string | null;
  /** Columns whose seam rows differ in their last bits (within tolerance). */
  readonly inexact: readonly string[];
}

/** Compares the overlap rows of `before` with the first rows of `after` over the time both cover. */
function compareSeam(before: ChunkResult, after: ChunkResult): SeamCheck {
  const width = before.overlap.columns.length;
  const rows = Math.min(before.overlap.ts.length, after.rows.ts.length);
  const inexact = new Set<string>();
  for (let r = 0; r < rows; r++) {
    if (before.overlap.ts[r] !== after.rows.ts[r]) {
      return {
        mismatch: `row ${r} at ${before.overlap.ts[r]} vs ${after.rows.ts[r]}`,
        inexact: [...inexact],
      };
    }
    for (let c = 0; c < width; c++) {
      const a = before.overlap.values[r * width + c] ?? Number.NaN;
      const b = after.rows.values[r * width + c] ?? Number.NaN;
      const column = before.overlap.columns[c] ?? String(c);
      if (!withinTolerance(a, b)) {
        return { mismatch: `${column} at ${before.overlap.ts[r]}: ${a} vs ${b}`, inexact: [...inexact] };
      }
      if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) inexact.add(column);
    }
  }
  return { mismatch: null, inexact: [...inexact] };
}

function runChunks(
  request: MatrixBuildRequest,
  chunks: readonly MatrixChunkRequest[],
): Promise<ChunkResult[]> {
  const totalMs = chunks.reduce((sum, c) => sum + (c.overlapTo - c.replayFrom), 0);
  const reached = chunks.map((c) => c.replayFrom);
  return runWorkerChunks({
    workerEntry: request.workerEntry,
    chunks,
    signal: request.signal,
    workerName: 'matrix worker',
    cancelled: () => new MatrixBuildCancelled(),
    reply: fromMatrixWorkerSchema,
    start: (chunk): ToMatrixWorker => ({ seq: 0, type: 'build', payload: chunk }),
    onReply: (message): ChunkOutcome<ChunkResult> => {
      switch (message.type) {
        case 'progress': {
          reached[message.payload.chunk] = message.payload.reachedTs;
          const done = chunks.reduce(
            (sum, c, i) => sum + Math.min(c.overlapTo, reached[i] ?? c.replayFrom) - c.replayFrom,
            0,
          );
          request.onProgress?.(done, totalMs);
          return null;
        }
        case 'built': {
          const { columns, rows, overlap, events } = message.payload;
          return {
            result: {
              rows: { columns, ts: new Float64Array(rows.ts), values: new Float64Array(rows.values) },
              overlap: {
                columns,
                ts: new Float64Array(overlap.ts),
                values: new Float64Array(overlap.values),
              },
              events,
            },
          };
        }
        case 'failed':
          return { failure: message.payload.message };
        default:
          return message satisfies never;
      }
    },
  });
}
