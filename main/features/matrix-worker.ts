// A matrix-build worker: replays one chunk of a recorded range through the feature engine and
// sends the rows back as transferred buffers. It lives beside the storage code it reads
// with (main/storage: snapshot blobs, the delta codec) because worker/ may not import main/;
// each worker opens its own read-only connection, which WAL lets run beside the writer.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { DEFAULT_MAX_GAP_MS, FeatureSetEngine } from '../../shared/features/engine.js';
import { MatrixBuilder } from '../../shared/features/pipeline/matrix.js';
import {
  toMatrixWorkerSchema,
  type FromMatrixWorker,
  type MatrixChunkRequest,
} from '../../shared/features/pipeline/matrix-protocol.js';
import { barGapMs, RecordedBars } from './recorded-bars.js';
import { RecordedEvents } from './recorded-events.js';

const port = parentPort;
if (port === null) throw new Error('matrix-worker must run as a worker thread');
let outSeq = 0;

function post(message: Omit<FromMatrixWorker, 'seq'>, transfer: ArrayBuffer[] = []): void {
  port?.postMessage({ ...message, seq: outSeq++ }, transfer);
}

function build(request: MatrixChunkRequest): void {
  const db = new Database(request.databaseFile, {
    readonly: true,
    fileMustExist: true,
    ...(request.nativeBinding === null ? {} : { nativeBinding: request.nativeBinding }),
  });
  try {
    const kept = { builder: null as MatrixBuilder | null, overlap: null as MatrixBuilder | null };
    const source = request.source;
    const engine = new FeatureSetEngine(request.set, {
      // Bars arrive one bar length apart: only a missing bar's worth of silence more is a gap.
      ...(source.kind === 'candles' ? { maxGapMs: barGapMs(source.timeframe, DEFAULT_MAX_GAP_MS) } : {}),
      onRow: (ts, row) => {
        if (ts >= request.keepFrom && ts < request.keepTo) kept.builder?.push(ts, row);
        else if (ts >= request.keepTo && ts < request.overlapTo) kept.overlap?.push(ts, row);
      },
    });
    kept.builder = new MatrixBuilder(engine.columns, 4096);
    kept.overlap = new MatrixBuilder(engine.columns, 256);
    const onPage = (reachedTs: number): void => {
      post({ type: 'progress', payload: { chunk: request.chunk, reachedTs } });
    };
    const { events } =
      source.kind === 'candles'
        ? new RecordedBars(db).replay(
            engine.instruments,
            source.timeframe,
            request.replayFrom,
            request.overlapTo,
            (bar) => {
              engine.onCandle(bar);
            },
            onPage,
          )
        : new RecordedEvents(db).replay(
            engine.instruments,
            request.replayFrom,
            request.overlapTo,
            (event) => {
              engine.onEvent(event);
            },
            onPage,
          );
    // Every event before overlapTo has been replayed: rows due by then can be taken.
    engine.advanceTo(request.overlapTo);
    const rows = kept.builder.build();
    const overlap = kept.overlap.build();
    const buffers = [rows.ts.buffer, rows.values.buffer, overlap.ts.buffer, overlap.values.buffer];
    post(
      {
        type: 'built',
        payload: {
          chunk: request.chunk,
          columns: [...engine.columns],
          rows: { ts: rows.ts.buffer, values: rows.values.buffer },
          overlap: { ts: overlap.ts.buffer, values: overlap.values.buffer },
          events,
        },
      },
      buffers,
    );
  } finally {
    db.close();
  }
}

port.on('message', (raw: unknown) => {
  const parsed = toMatrixWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    post({
      type: 'failed',
      payload: { message: `matrix worker: malformed message: ${parsed.error.message}` },
    });
    return;
  }
  // The only request a matrix worker takes; the schema refused anything else.
  try {
    build(parsed.data.payload);
  } catch (error) {
    post({ type: 'failed', payload: { message: error instanceof Error ? error.message : String(error) } });
  }
});
