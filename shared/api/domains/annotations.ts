import { z } from 'zod';
import type { CommandSpec } from '../spec.js';
import { marketContextSchema } from './history.js';

/**
 * A trader's own marks on the price chart: a point (one moment: a good entry) or a range
 * (from..to: a breakout, a regime), each with a short label and a free note. Every mark keeps
 * the `history.context` snapshot it was made on, and the "annotations" label kind of training
 * turns marks into class labels (shared/models/labels.ts). Times are ms UTC.
 */

const timestamp = z.number().int().nonnegative();
const instrumentId = z.string().min(1);

export const ANNOTATION_KINDS = ['point', 'range'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

/** Longest label and note kept (labels are names a model learns, notes are sentences). */
export const LABEL_MAX = 64;
export const NOTE_MAX = 2000;

export const annotationLabelSchema = z
  .string()
  .trim()
  .min(1, 'a label is required')
  .max(LABEL_MAX, `a label has at most ${LABEL_MAX} characters`);

const markFields = {
  kind: z.enum(ANNOTATION_KINDS),
  /** A point's time, or where a range starts. */
  from: timestamp,
  /** A point: equal to `from`; a range: after `from`. */
  to: timestamp,
  label: annotationLabelSchema,
  note: z.string().max(NOTE_MAX, `a note has at most ${NOTE_MAX} characters`).default(''),
};

type MarkTimes = { kind: AnnotationKind; from: number; to: number };
/** Why a mark's times do not fit its kind, or null when they do. */
export function markTimesProblem(mark: MarkTimes): string | null {
  if (mark.kind === 'point' && mark.to !== mark.from) return 'a point mark has from = to';
  if (mark.kind === 'range' && !(mark.to > mark.from)) return 'a range mark ends after it starts';
  return null;
}
const timesFit = (mark: MarkTimes, context: z.core.$RefinementCtx): void => {
  const problem = markTimesProblem(mark);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem, path: ['to'] });
};

/** A new mark as the chart or a CSV line gives it. */
export const annotationDraftSchema = z
  .object({ instrument: instrumentId, ...markFields })
  .superRefine(timesFit);
export type AnnotationDraft = z.output<typeof annotationDraftSchema>;
export type AnnotationDraftInput = z.input<typeof annotationDraftSchema>;

/** A stored mark (without its market context, which `annotations.get` returns). */
export const annotationSchema = z.object({
  id: z.number().int().positive(),
  instrument: z.string(),
  kind: z.enum(ANNOTATION_KINDS),
  from: timestamp,
  to: timestamp,
  label: z.string(),
  note: z.string(),
  createdAt: timestamp,
});
export type Annotation = z.infer<typeof annotationSchema>;

export const annotationWithContextSchema = annotationSchema.extend({ context: marketContextSchema });
export type AnnotationWithContext = z.infer<typeof annotationWithContextSchema>;

/** How much market the snapshot of a mark keeps: the hour before it, 1 m bars, a short tape and book. */
export const ANNOTATION_CONTEXT = {
  windowMs: 3_600_000,
  timeframes: ['1m'],
  tradeLimit: 200,
  depth: 20,
} as const;

export const annotationCommands = {
  'annotations.list': {
    summary:
      "A trader's marks, oldest first: of one instrument or all, those whose label or note holds `search`.",
    request: z.object({
      instrument: instrumentId.optional(),
      /** Case-insensitive text searched in labels and notes. */
      search: z.string().max(200).optional(),
    }),
    response: z.array(annotationSchema),
  },
  'annotations.get': {
    summary: 'One mark with the history.context snapshot it was made on.',
    request: z.object({ id: z.number().int().positive() }),
    response: annotationWithContextSchema,
  },
  'annotations.create': {
    summary: 'Stores a point or range mark, with the market context at its start.',
    request: annotationDraftSchema,
    response: annotationSchema,
  },
  'annotations.update': {
    summary: "Changes a mark's times, label or note (its context is taken again when its start moved).",
    request: z.object({ id: z.number().int().positive(), ...markFields }).superRefine(timesFit),
    response: annotationSchema,
  },
  'annotations.delete': {
    summary: 'Deletes marks by id; answers how many were deleted.',
    request: z.object({ ids: z.array(z.number().int().positive()).min(1).max(100_000) }),
    response: z.object({ deleted: z.number().int().nonnegative() }),
  },
  'annotations.export': {
    summary:
      'Marks as CSV (instrument,kind,from,to,label,note; times ISO 8601 UTC), of one instrument or all.',
    request: z.object({ instrument: instrumentId.optional() }),
    response: z.object({ csv: z.string(), count: z.number().int().nonnegative() }),
  },
  'annotations.import': {
    summary:
      'Adds the marks of a CSV (as exported), checked line by line first: a bad line is named and nothing is written.',
    request: z.object({ csv: z.string().max(50_000_000) }),
    response: z.object({ imported: z.number().int().nonnegative() }),
  },
} as const satisfies Record<string, CommandSpec>;
