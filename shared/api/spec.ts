import type { z } from 'zod';

/** One command of the API: its request and response schemas and a one-line summary. */
export interface CommandSpec {
  readonly summary: string;
  readonly request: z.ZodType;
  readonly response: z.ZodType;
}

/** One topic (stream) of the API: its subscription params, payload schema and summary. */
export interface TopicSpec {
  readonly summary: string;
  readonly params: z.ZodType;
  readonly payload: z.ZodType;
}
