import type { LabelSpec } from './model.js';

/**
 * Which matrix rows a trader's marks label, for the "annotations" label kind. A range mark
 * labels every row whose time lies in [from, to]; a point mark labels the one row in force at
 * its time (the newest row at or before it: what a model would have seen then). A row claimed
 * by both the up and the down label is contradictory and gets no label.
 *
 * PURGING. A mark is made looking at the whole of it, so its label is only known at its end:
 * a marked row's label end is the later of its horizon's end and the mark's `to`. A training
 * row early in a range that reaches into a test fold is then purged like a long triple-barrier
 * label would be, and no fold learns a range's label from the half of it that is tested.
 */

/** A mark as the labelling sees it (annotations.* without ids and notes). */
export interface LabelMark {
  readonly kind: 'point' | 'range';
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export type AnnotationLabelSpec = Extract<LabelSpec, { kind: 'annotations' }>;

export const UNMARKED = 0;
export const MARKED_UP = 1;
export const MARKED_DOWN = 2;
const CONTRADICTED = MARKED_UP | MARKED_DOWN;

/** Per row: which of the spec's labels mark it (bit flags) and the latest end of those marks. */
export interface MarkedRows {
  readonly flags: Uint8Array;
  /** The latest `to` of the marks on the row; -Infinity for an unmarked row. */
  readonly markEnd: Float64Array;
}

/** First index with ts[index] > t (ts ascending). */
function upperBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] ?? Number.NaN) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with ts[index] >= t. */
function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] ?? Number.NaN) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function markedRows(
  ts: Float64Array,
  marks: readonly LabelMark[],
  spec: AnnotationLabelSpec,
): MarkedRows {
  const flags = new Uint8Array(ts.length);
  const markEnd = new Float64Array(ts.length).fill(Number.NEGATIVE_INFINITY);
  for (const mark of marks) {
    const flag = mark.label === spec.up ? MARKED_UP : mark.label === spec.down ? MARKED_DOWN : UNMARKED;
    if (flag === UNMARKED) continue;
    // A point labels the row in force at its time; one before the first row labels nothing.
    const first = mark.kind === 'point' ? upperBound(ts, mark.from) - 1 : lowerBound(ts, mark.from);
    const end = mark.kind === 'point' ? first + 1 : upperBound(ts, mark.to);
    for (let row = Math.max(0, first); row < end; row++) {
      flags[row] = (flags[row] ?? 0) | flag;
      markEnd[row] = Math.max(markEnd[row] ?? Number.NEGATIVE_INFINITY, mark.to);
    }
  }
  return { flags, markEnd };
}

/** The class of a row from its flags: [down, flat, up] with a down label, else [unmarked, marked]; null: contradictory. */
export function markedClass(flags: number, spec: AnnotationLabelSpec): number | null {
  if (flags === CONTRADICTED) return null;
  if (spec.down === null) return flags === MARKED_UP ? 1 : 0;
  return flags === MARKED_UP ? 2 : flags === MARKED_DOWN ? 0 : 1;
}
