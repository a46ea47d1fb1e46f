import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';

/**
 * Typed envelopes `{seq, type, payload}` between the host and a matrix-build worker. Rows
 * come back as transferred ArrayBuffers (Float64 timestamps and row-major values), never as
 * arrays of objects.
 */

const featureSetWire = z.object({
  name: z.string(),
  instrument: z.string(),
  features: z.array(z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()) })),
  sampling: z.enum(['event', '1s', '1m', '5m', '30m']),
});

/** The recorded events, or the stored bars of a candle-only instrument (data-needs.ts). */
const dataSourceWire = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('events') }),
  z.object({ kind: z.literal('candles'), timeframe: z.enum(TIMEFRAMES) }),
]);

/** One chunk of a matrix: replay [replayFrom, overlapTo), keep rows in [keepFrom, keepTo). */
export const matrixChunkSchema = z.object({
  source: dataSourceWire,
  chunk: z.number().int().nonnegative(),
  databaseFile: z.string(),
  nativeBinding: z.string().nullable(),
  set: featureSetWire,
  replayFrom: z.number(),
  keepFrom: z.number(),
  keepTo: z.number(),
  /** Rows in [keepTo, overlapTo) come back separately: the pool checks them against the next chunk. */
  overlapTo: z.number(),
});
export type MatrixChunkRequest = z.infer<typeof matrixChunkSchema>;

export const toMatrixWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('build'), payload: matrixChunkSchema }),
]);
export type ToMatrixWorker = z.infer<typeof toMatrixWorkerSchema>;

const rowsSchema = z.object({
  ts: z.instanceof(ArrayBuffer),
  values: z.instanceof(ArrayBuffer),
});

export const fromMatrixWorkerSchema = z.discriminatedUnion('type', [
  /** Market time replayed so far by this chunk. */
  z.object({
    seq: z.number().int(),
    type: z.literal('progress'),
    payload: z.object({ chunk: z.number().int(), reachedTs: z.number() }),
  }),
  z.object({
    seq: z.number().int(),
    type: z.literal('built'),
    payload: z.object({
      chunk: z.number().int(),
      columns: z.array(z.string()),
      rows: rowsSchema,
      overlap: rowsSchema,
      events: z.number().int().nonnegative(),
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
]);
export type FromMatrixWorker = z.infer<typeof fromMatrixWorkerSchema>;
