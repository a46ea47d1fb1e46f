// The feature worker: keeps incremental feature state per instrument, turns every event
// batch from the host into fresh feature values and the signals they fire, and runs the
// workspace's live feature sets (one FeatureSetEngine per set, each on its own instrument).
// It runs the same shared/ feature code that replay, backtests and training sets use, and the
// models running live on those sets' rows (inference.ts).
import { parentPort } from 'node:worker_threads';
import type { BookFeatures, Signal } from '../shared/domain/signal.js';
import { EncodedEventReader } from '../shared/market/event-codec.js';
import { IMBALANCE_LEVELS } from '../shared/features/book-features.js';
import { FeatureSetEngine } from '../shared/features/engine.js';
import { compileFeatureSet } from '../shared/features/feature-set.js';
import { InstrumentSignals } from '../shared/features/imbalance-signal.js';
import {
  toFeatureWorkerSchema,
  type FromFeatureWorker,
  type InferenceSkips,
  type LivePrediction,
  type LiveRows,
  type LiveSet,
  type ToFeatureWorker,
} from '../shared/worker/feature-worker-protocol.js';
import { LiveInference, messageOf, restoreModel } from './inference.js';

interface RunningSet {
  readonly id: string;
  readonly hash: string;
  readonly instrument: string;
  readonly engine: FeatureSetEngine;
}

const port = parentPort;
if (port === null) throw new Error('worker/features.ts must run as a worker thread');

const states = new Map<string, InstrumentSignals>();
/**
 * One string per instrument name: each batch arrives with fresh copies of the names, and the
 * per-event instrument checks downstream are then identity compares, not character compares.
 */
const names = new Map<string, string>();
let liveSets: RunningSet[] = [];
let outSeq = 0;
const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });

function stateOf(instrument: string): InstrumentSignals {
  let state = states.get(instrument);
  if (state === undefined) {
    state = new InstrumentSignals(instrument, { levels: IMBALANCE_LEVELS });
    states.set(instrument, state);
  }
  return state;
}

function post(message: Omit<FromFeatureWorker, 'seq'>, transfer: ArrayBuffer[] = []): void {
  port?.postMessage({ ...message, seq: outSeq++ }, transfer);
}

/**
 * The rows one set took during a batch, after the clock reached the batch's last event; the
 * models running on the set predict them (into `predictions`) before they are transferred.
 */
function drainSet(
  set: RunningSet,
  lastTs: number,
  predictions: LivePrediction[],
  skipped: InferenceSkips[],
): LiveRows | null {
  // Events reach the worker in (ts, seq) order, so none before the batch's last time can
  // still come: time-sampled rows up to it are due now, not at the next batch.
  if (lastTs > Number.NEGATIVE_INFINITY) set.engine.advanceTo(lastTs);
  const rows = set.engine.drainRows();
  if (rows.count === 0) return null;
  inference.onRows(set.id, rows.ts, rows.values, rows.count, rows.width, predictions, skipped);
  // The views start at offset 0 and may be shorter than their buffers: the host reads `count`.
  return {
    setId: set.id,
    count: rows.count,
    width: rows.width,
    ts: rows.ts.buffer as ArrayBuffer,
    values: rows.values.buffer as ArrayBuffer,
  };
}

function processBatch(message: Extract<ToFeatureWorker, { type: 'events' }>): void {
  // One pass over the buffer, each event read into a reused object and handed to the book
  // features, the signal rule and every set before the next is read: nothing keeps it.
  const instruments = message.payload.instruments.map((name) => {
    const known = names.get(name);
    if (known !== undefined) return known;
    names.set(name, name);
    return name;
  });
  const reader = new EncodedEventReader({ ...message.payload, instruments });
  const sets = liveSets;
  const touched = new Set<InstrumentSignals>();
  const signals: Signal[] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  // Batches mostly hold one instrument: look its state up once per run of events, not per event.
  let lastInstrument = '';
  let state: InstrumentSignals | null = null;
  for (let event = reader.next(); event !== null; event = reader.next()) {
    if (state === null || event.instrument !== lastInstrument) {
      lastInstrument = event.instrument;
      state = stateOf(event.instrument);
      touched.add(state);
    }
    state.onEvent(event, signals);
    for (let i = 0; i < sets.length; i++) (sets[i] as RunningSet).engine.onEvent(event);
    if (event.ts > lastTs) lastTs = event.ts;
  }
  const features: BookFeatures[] = [];
  for (const state of touched) {
    state.endOfBatch(signals);
    features.push(state.features.values());
  }
  const vectors: LiveRows[] = [];
  const predictions: LivePrediction[] = [];
  const skipped: InferenceSkips[] = [];
  for (const set of sets) {
    const rows = drainSet(set, lastTs, predictions, skipped);
    if (rows !== null) vectors.push(rows);
  }
  post(
    {
      type: 'processed',
      payload: { events: message.payload.count, features, signals, vectors, predictions, skipped },
    },
    vectors.flatMap((rows) => [rows.ts, rows.values]),
  );
}

/** Replaces the live sets; a set whose id and hash are unchanged keeps its warmed-up state. */
function configure(sets: readonly LiveSet[]): void {
  const next: RunningSet[] = [];
  for (const { id, set } of sets) {
    try {
      const compiled = compileFeatureSet(set);
      const running = liveSets.find((s) => s.id === id && s.hash === compiled.hash);
      next.push(
        running ?? {
          id,
          hash: compiled.hash,
          instrument: compiled.set.instrument,
          engine: new FeatureSetEngine(compiled, { collectRows: true }),
        },
      );
    } catch (error) {
      post({
        type: 'set_failed',
        payload: { setId: id, message: error instanceof Error ? error.message : String(error) },
      });
    }
  }
  liveSets = next;
}

port.on('message', (raw: unknown) => {
  const parsed = toFeatureWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    post({
      type: 'failed',
      payload: { message: `feature worker: malformed message: ${parsed.error.message}` },
    });
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'events':
      try {
        processBatch(message);
      } catch (error) {
        post({
          type: 'failed',
          payload: { message: error instanceof Error ? error.message : String(error) },
        });
      }
      return;
    case 'sets':
      configure(message.payload.sets);
      return;
    case 'load_model': {
      const { modelId } = message.payload;
      const request = message.seq;
      inference.load(message.payload).then(
        (info) => {
          post({ type: 'model_loaded', payload: { request, modelId, ...info } });
        },
        (error: unknown) => {
          post({ type: 'model_failed', payload: { request, modelId, message: messageOf(error) } });
        },
      );
      return;
    }
    case 'unload_model':
      inference.unload(message.payload.modelId);
      return;
    case 'stop':
      inference.dispose();
      port.close();
      return;
    default:
      message satisfies never;
  }
});
