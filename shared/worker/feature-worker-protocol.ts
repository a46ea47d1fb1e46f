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

export const toFeatureWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('events'), payload: encodedEventsSchema }),
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
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
]);
export type FromFeatureWorker = z.infer<typeof fromFeatureWorkerSchema>;
