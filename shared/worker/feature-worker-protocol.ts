import { z } from 'zod';
import { bookFeaturesSchema, signalSchema } from '../api/schemas.js';

/**
 * Typed envelopes `{seq, type, payload}` between the host and the feature worker.
 * Both sides parse what they receive; the event buffer is transferred, not copied.
 */

const encodedEventsSchema = z.object({
  buffer: z.instanceof(ArrayBuffer),
  count: z.number().int().nonnegative(),
  instruments: z.array(z.string()),
  tradeIds: z.array(z.string()),
});

/** A feature set the worker runs live: the stored id and the set as data (feature-set.ts). */
const liveSetSchema = z.object({
  id: z.string().min(1),
  set: z.object({
    name: z.string(),
    instrument: z.string(),
    features: z.array(z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()) })),
    sampling: z.enum(['event', '1s', '1m', '5m', '30m']),
  }),
});
export type LiveSet = z.infer<typeof liveSetSchema>;

/** Rows one live set took during a batch: Float64 timestamps and row-major values, transferred. */
const liveRowsSchema = z.object({
  setId: z.string(),
  count: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  ts: z.instanceof(ArrayBuffer),
  values: z.instanceof(ArrayBuffer),
});
export type LiveRows = z.infer<typeof liveRowsSchema>;

export const toFeatureWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('events'), payload: encodedEventsSchema }),
  /**
   * The sets to run from now on. A set already running keeps its state (same id and hash);
   * a new one starts empty and warms up on the live stream.
   */
  z.object({
    seq: z.number().int(),
    type: z.literal('sets'),
    payload: z.object({ sets: z.array(liveSetSchema) }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('stop'), payload: z.object({}) }),
]);
export type ToFeatureWorker = z.infer<typeof toFeatureWorkerSchema>;

export const fromFeatureWorkerSchema = z.discriminatedUnion('type', [
  /** Sent once per processed batch: latest features per instrument touched, and signals fired. */
  z.object({
    seq: z.number().int(),
    type: z.literal('processed'),
    payload: z.object({
      events: z.number().int().nonnegative(),
      features: z.array(bookFeaturesSchema),
      signals: z.array(signalSchema),
      /** Rows of the live feature sets taken in this batch (only sets that took any). */
      vectors: z.array(liveRowsSchema),
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
  /** A set could not be started (its features do not compile in this build); the others run. */
  z.object({
    seq: z.number().int(),
    type: z.literal('set_failed'),
    payload: z.object({ setId: z.string(), message: z.string() }),
  }),
]);
export type FromFeatureWorker = z.infer<typeof fromFeatureWorkerSchema>;
