import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureStore } from '../../main/features/feature-store.js';
import {
  buildMatrixInPool,
  withinTolerance,
  type MatrixBuildRequest,
} from '../../main/features/matrix-pool.js';
import { RecordedEvents } from '../../main/features/recorded-events.js';
import { openDatabase } from '../../main/storage/database.js';
import { FeatureWorker, type LiveVectors } from '../../main/workers/feature-worker.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { FeatureSetEngine } from '../../shared/features/engine.js';
import { compileFeatureSet, type FeatureSet } from '../../shared/features/feature-set.js';
import { MatrixBuilder, type FeatureMatrix } from '../../shared/features/pipeline/matrix.js';
import { warmupMs } from '../../shared/features/pipeline/warmup.js';
import { recordDemo } from '../fixtures/recorded-demo.js';

const root = path.resolve(import.meta.dirname, '../..');
const matrixWorker = pathToFileURL(path.join(root, 'dist/main/features/matrix-worker.js'));
const featureWorker = pathToFileURL(path.join(root, 'dist/worker/features.js'));

/** Order-book and trade features with finite memory, sampled every second. */
function bookAndTradeSet(instrument: string, sampling: FeatureSet['sampling'] = '1s'): FeatureSet {
  return {
    name: 'book + trades',
    instrument,
    sampling,
    features: [
      { kind: 'book_imbalance', params: { levels: 5 } },
      { kind: 'spread', params: {} },
      { kind: 'microprice', params: {} },
      { kind: 'ofi', params: { windowMs: 5_000 } },
      { kind: 'vwap', params: { windowMs: 30_000 } },
      { kind: 'trade_intensity', params: { windowMs: 10_000 } },
    ],
  };
}

/** The matrix of one in-process single pass over the recorded range: the reference. */
function singlePass(file: string, set: FeatureSet, from: number, to: number): FeatureMatrix {
  const db = openDatabase(file);
  try {
    const engine = new FeatureSetEngine(set, {
      collectRows: false,
      onRow: (ts, row) => {
        if (ts >= from && ts < to) builder.push(ts, row);
      },
    });
    const builder = new MatrixBuilder(engine.columns);
    new RecordedEvents(db).replay(engine.instruments, from, to, (event) => {
      engine.onEvent(event);
    });
    engine.advanceTo(to);
    return builder.build();
  } finally {
    db.close();
  }
}

/**
 * Equality of two matrices, NaN equal to NaN (missing is a value here): bit for bit, or within
 * 1e-12 relative when `tolerant` (float order of windowed running sums, see matrix-pool.ts).
 */
function expectSameMatrix(actual: FeatureMatrix, expected: FeatureMatrix, tolerant = false): void {
  expect(actual.columns).toEqual(expected.columns);
  expect(actual.ts.length).toBe(expected.ts.length);
  expect(Array.from(actual.ts)).toEqual(Array.from(expected.ts));
  let differences = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i] ?? 0;
    const b = expected.values[i] ?? 0;
    const same = tolerant ? withinTolerance(a, b) : Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    if (!same) differences++;
  }
  expect(differences).toBe(0);
}

describe('feature matrices over recorded demo data', () => {
  let dir: string;
  let file: string;
  let instrument: string;
  let from: number;
  let to: number;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-matrix-'));
    file = path.join(dir, 'workspace.sqlite');
    const recorded = recordDemo(file, 12);
    instrument = recorded.instrument;
    from = recorded.from;
    to = recorded.to;
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (
    set: FeatureSet,
    workers: number,
    extra: Partial<MatrixBuildRequest> = {},
  ): MatrixBuildRequest => ({
    workerEntry: matrixWorker,
    databaseFile: file,
    set,
    from,
    to,
    workers,
    warmupMs: warmupMs(compileFeatureSet(set)),
    ...extra,
  });

  it('replays the recording with book deltas, in (ts, seq) order', () => {
    const db = openDatabase(file);
    const kinds = { trade: 0, book_delta: 0, book_snapshot: 0 };
    let last = { ts: -1, seq: -1 };
    let ordered = true;
    new RecordedEvents(db).replay(instrument, from, to, (event: MarketEvent) => {
      kinds[event.kind]++;
      if (event.ts < last.ts || (event.ts === last.ts && event.seq <= last.seq)) ordered = false;
      last = { ts: event.ts, seq: event.seq };
    });
    db.close();
    expect(ordered).toBe(true);
    expect(kinds.trade).toBeGreaterThan(1000);
    expect(kinds.book_delta).toBeGreaterThan(10_000);
    // The source's first snapshot is replayed; the recorder's periodic anchors are not events.
    expect(kinds.book_snapshot).toBe(1);
  });

  it('builds exactly the single pass with 1 worker', async () => {
    const set = bookAndTradeSet(instrument);
    const reference = singlePass(file, set, from, to);
    // 12 minutes at 1 s: one row a second from the first boundary after the first event.
    expect(reference.ts.length).toBe(12 * 60 - 1);
    const built = await buildMatrixInPool(request(set, 1));
    expect(built.workers).toBe(1);
    expectSameMatrix(built.matrix, reference);
  });

  it('builds the single pass with 2 and 3 workers, within 1e-12 where running sums round differently', async () => {
    const set = bookAndTradeSet(instrument);
    const reference = singlePass(file, set, from, to);
    for (const workers of [2, 3]) {
      const built = await buildMatrixInPool(request(set, workers));
      expect(built.fallback).toBeNull();
      expect(built.workers).toBe(workers);
      expect(built.seamsVerified).toBe(workers - 1);
      expectSameMatrix(built.matrix, reference, true);
      // Book state is rebuilt from the anchor snapshot, so book-only columns are bit-exact.
      const exact = ['book_imbalance(levels=5).value', 'spread().abs', 'spread().bps', 'microprice().value'];
      for (const column of exact) expect(built.inexactColumns).not.toContain(column);
      for (const column of built.inexactColumns) expect(column).toMatch(/^(ofi|vwap|trade_intensity)\(/);
    }
  });

  it('builds event-sampled matrices in chunks equal to a single pass', async () => {
    const set = bookAndTradeSet(instrument, 'event');
    const reference = singlePass(file, set, from, to);
    expect(reference.ts.length).toBeGreaterThan(100_000);
    const built = await buildMatrixInPool(request(set, 2));
    expect(built.seamsVerified).toBe(1);
    expectSameMatrix(built.matrix, reference, true);
  });

  it('falls back to one pass when the warm-up is shorter than a feature memory', async () => {
    const set = bookAndTradeSet(instrument);
    const built = await buildMatrixInPool(request(set, 2, { warmupMs: 1_000, overlapMs: 60_000 }));
    expect(built.fallback).toMatch(/warm-up of 1000 ms/);
    expect(built.workers).toBe(1);
    expectSameMatrix(built.matrix, singlePass(file, set, from, to));
  });

  it('gives back the same matrix from the SQLite cache', async () => {
    const set = bookAndTradeSet(instrument);
    const built = await buildMatrixInPool(request(set, 2));
    const db = openDatabase(file);
    try {
      const store = new FeatureStore(db, () => 1);
      const hash = compileFeatureSet(set).hash;
      const key = { hash, instrument, from, to };
      const stored = store.putMatrix(key, built.matrix, built.events);
      expect(store.findMatrix(hash, instrument, from, to)?.id).toBe(stored.id);
      expect(store.findMatrix(hash, instrument, from, to - 1)).toBeNull();
      const cached = store.readMatrix(stored.id);
      expect(cached).not.toBeNull();
      // Bit for bit: the cache stores float64 as they are.
      if (cached !== null) expectSameMatrix(cached, built.matrix);
    } finally {
      db.close();
    }
  });

  it('cancels a build when its signal aborts', async () => {
    const controller = new AbortController();
    const building = buildMatrixInPool(
      request(bookAndTradeSet(instrument, 'event'), 2, { signal: controller.signal }),
    );
    controller.abort();
    await expect(building).rejects.toThrow(/cancelled/);
  });

  it('emits the same vectors live, through the real feature worker, as the batch over the same events', async () => {
    const set = bookAndTradeSet(instrument);
    const events: MarketEvent[] = [];
    const db = openDatabase(file);
    new RecordedEvents(db).replay(instrument, from, to, (event) => events.push(event));
    db.close();
    const lastTs = events.at(-1)?.ts ?? to;
    // One worker: the batch is one pass, which live must equal bit for bit.
    const batch = await buildMatrixInPool({ ...request(set, 1), to: lastTs + 1 });

    const live = { ts: [] as number[], values: [] as number[] };
    const worker = new FeatureWorker(featureWorker, {
      onProcessed: () => undefined,
      onError: (message) => {
        throw new Error(message);
      },
    });
    worker.subscribeVectors({
      onVectors: (vectors: readonly LiveVectors[]) => {
        for (const v of vectors) {
          live.ts.push(...v.ts);
          live.values.push(...v.values);
        }
      },
      onSetFailed: (_id, message) => {
        throw new Error(message);
      },
    });
    worker.configureSets([
      {
        id: 'live',
        set: {
          name: set.name,
          instrument: set.instrument,
          sampling: set.sampling ?? 'event',
          features: set.features.map((f) => ({ kind: f.kind, params: f.params ?? {} })),
        },
      },
    ]);
    // Batches of uneven size, as a source delivers them.
    for (let at = 0, size = 137; at < events.length; at += size, size = size === 137 ? 1009 : 137) {
      worker.send(events.slice(at, at + size));
      if (worker.pending > 8) await worker.whenDrained();
    }
    await worker.whenDrained();
    await worker.stop();

    expect(live.ts.length).toBe(batch.matrix.ts.length);
    expectSameMatrix(
      {
        columns: batch.matrix.columns,
        ts: Float64Array.from(live.ts),
        values: Float64Array.from(live.values),
      },
      batch.matrix,
    );
  });
});
