import { z } from 'zod';

/**
 * The wire envelopes every transport carries. The client sends calls and subscriptions;
 * the host answers with results and streams events. Errors are always `{kind, message}`.
 */

export const ERROR_KINDS = [
  'bad_request',
  'unknown_command',
  'unknown_topic',
  'malformed_message',
  'unauthorized',
  'not_found',
  'internal',
  'disconnected',
] as const;
export type ApiErrorKind = (typeof ERROR_KINDS)[number];

export const apiErrorSchema = z.object({ kind: z.enum(ERROR_KINDS), message: z.string() });
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

const id = z.number().int().nonnegative();

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id, command: z.string(), params: z.unknown() }),
  z.object({ type: z.literal('subscribe'), id, topic: z.string(), params: z.unknown() }),
  z.object({ type: z.literal('unsubscribe'), id }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** The answer to one call: exactly one per call id. */
const resultSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('result'), id, ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id, ok: z.literal(false), error: apiErrorSchema }),
]);

export const hostMessageSchema = z.discriminatedUnion('type', [
  resultSchema,
  z.object({ type: z.literal('event'), id, payload: z.unknown() }),
  /** A subscription the host ended (bad params, source gone); `id` is the subscription's. */
  z.object({ type: z.literal('ended'), id, error: apiErrorSchema }),
  /** A message the host could not attribute to any call (malformed JSON, no id). */
  z.object({ type: z.literal('error'), error: apiErrorSchema }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** An error that carries its kind across the wire. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;

  constructor(kind: ApiErrorKind, message: string) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
  }

  toBody(): ApiErrorBody {
    return { kind: this.kind, message: this.message };
  }
}

/** Turns any thrown value into an error body, without leaking stack traces. */
export function toErrorBody(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) return error.toBody();
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message };
}

/** One line per zod issue, e.g. `depth: Too big: expected number to be <=500`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
