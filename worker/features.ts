// The feature worker: keeps incremental feature state per instrument, turns every event
// batch from the host into fresh feature values and the signals they fire. It runs the same
// shared/ feature code that replay, backtests and training sets use.
import { parentPort } from 'node:worker_threads';
import type { BookFeatures, Signal } from '../shared/domain/signal.js';
import { decodeEvents } from '../shared/market/event-codec.js';
import { BookFeatureEngine } from '../shared/features/book-features.js';
import { ImbalanceSignalRule } from '../shared/features/imbalance-signal.js';
import {
  toFeatureWorkerSchema,
  type FromFeatureWorker,
  type ToFeatureWorker,
} from '../shared/worker/feature-worker-protocol.js';

interface InstrumentState {
  readonly features: BookFeatureEngine;
  readonly signals: ImbalanceSignalRule;
}

const port = parentPort;
if (port === null) throw new Error('worker/features.ts must run as a worker thread');

const states = new Map<string, InstrumentState>();
let outSeq = 0;

function stateOf(instrument: string): InstrumentState {
  let state = states.get(instrument);
  if (state === undefined) {
    state = { features: new BookFeatureEngine(instrument), signals: new ImbalanceSignalRule(instrument) };
    states.set(instrument, state);
  }
  return state;
}

function post(message: Omit<FromFeatureWorker, 'seq'>): void {
  port?.postMessage({ ...message, seq: outSeq++ });
}

function processBatch(message: Extract<ToFeatureWorker, { type: 'events' }>): void {
  const events = decodeEvents(message.payload);
  const touched = new Set<InstrumentState>();
  const signals: Signal[] = [];
  for (const event of events) {
    const state = stateOf(event.instrument);
    state.features.onEvent(event);
    touched.add(state);
    if (event.kind !== 'trade') {
      const signal = state.signals.update(state.features.values());
      if (signal !== null) signals.push(signal);
    }
  }
  const features: BookFeatures[] = [];
  for (const state of touched) features.push(state.features.values());
  post({ type: 'processed', payload: { events: events.length, features, signals } });
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
    case 'stop':
      port.close();
      return;
    default:
      message satisfies never;
  }
});
