import type { LabelMark } from '../../shared/models/annotation-labels.js';
import type { LabelSpec } from '../../shared/models/model.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { SqliteDatabase } from '../storage/database.js';
import { AnnotationStore } from './annotation-store.js';

/**
 * The trader's marks a training over [from, to) of `instrument` labels from: none for the price
 * label kinds, and for the "annotations" kind the marks touching the range, refused up front
 * when not one of them carries the `up` label (every row would be one class: nothing to learn).
 */
export function trainingMarks(
  db: SqliteDatabase,
  instrument: string,
  from: number,
  to: number,
  label: LabelSpec,
): LabelMark[] {
  if (label.kind !== 'annotations') return [];
  const marks = new AnnotationStore(db)
    .overlapping(instrument, from, to)
    .map(({ kind, from: markFrom, to: markTo, label: name }) => ({
      kind,
      from: markFrom,
      to: markTo,
      label: name,
    }));
  if (!marks.some((mark) => mark.label === label.up)) {
    const labels = [...new Set(marks.map((mark) => mark.label))];
    throw new ApiError(
      'bad_request',
      `no mark labelled '${label.up}' on ${instrument} between ${new Date(from).toISOString()} and ` +
        `${new Date(to).toISOString()} (labels there: ${labels.length === 0 ? 'none' : labels.join(', ')})`,
    );
  }
  return marks;
}
