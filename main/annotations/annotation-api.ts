import { ANNOTATION_CONTEXT, type AnnotationDraft } from '../../shared/api/domains/annotations.js';
import type { MarketContext } from '../../shared/api/domains/history.js';
import type { BookView } from '../../shared/api/schemas.js';
import {
  AnnotationCsvError,
  formatAnnotationCsv,
  parseAnnotationCsv,
} from '../../shared/annotations/annotation-csv.js';
import { ApiError } from '../../shared/api/protocol.js';
import { MarketContextReader } from '../history/context.js';
import type { CommandHandlers } from '../api/handlers.js';
import type { SqliteDatabase } from '../storage/database.js';
import { AnnotationStore } from './annotation-store.js';

export type AnnotationCommandName =
  | 'annotations.list'
  | 'annotations.get'
  | 'annotations.create'
  | 'annotations.update'
  | 'annotations.delete'
  | 'annotations.export'
  | 'annotations.import';

export interface AnnotationServiceDeps {
  readonly db: SqliteDatabase;
  readonly clock: () => number;
  /** The live book, for a mark made at the newest bar (its context's book is then the live one). */
  readonly liveBook?: (instrument: string, depth: number, at: number) => BookView | null;
}

/**
 * annotations.*: a trader's marks. Each mark is stored with the history.context at its start
 * (the hour before it: what the trader saw when it began), taken by the same reader the
 * history.context command uses. A CSV import is checked whole, instruments included, before one
 * row is written.
 */
export function annotationHandlers(
  deps: AnnotationServiceDeps,
): Pick<CommandHandlers, AnnotationCommandName> {
  const store = new AnnotationStore(deps.db);
  const contexts = new MarketContextReader({
    db: deps.db,
    clock: deps.clock,
    ...(deps.liveBook === undefined ? {} : { liveBook: deps.liveBook }),
  });
  const contextAt = (instrument: string, at: number): MarketContext =>
    contexts.read({ instrument, at, ...ANNOTATION_CONTEXT, timeframes: [...ANNOTATION_CONTEXT.timeframes] });
  const known = (instrument: string): void => {
    if (store.instrumentKey(instrument) === null)
      throw new ApiError('not_found', `unknown instrument '${instrument}'`);
  };
  const create = (draft: AnnotationDraft) => ({
    draft,
    createdAt: deps.clock(),
    context: contextAt(draft.instrument, draft.from),
  });

  return {
    'annotations.list': ({ instrument, search }) => store.list(instrument, search),
    'annotations.get': ({ id }) => {
      const mark = store.get(id);
      if (mark === null) throw new ApiError('not_found', `no annotation ${id}`);
      return mark;
    },
    'annotations.create': (draft) => {
      known(draft.instrument);
      const [mark] = store.insert([create(draft)]);
      if (mark === undefined) throw new Error('the annotation was not stored');
      return mark;
    },
    'annotations.update': ({ id, ...mark }) => {
      const before = store.get(id);
      if (before === null) throw new ApiError('not_found', `no annotation ${id}`);
      const context = mark.from === before.from ? null : contextAt(before.instrument, mark.from);
      const updated = store.update(id, mark, context);
      if (updated === null) throw new ApiError('not_found', `no annotation ${id}`);
      return updated;
    },
    'annotations.delete': ({ ids }) => ({ deleted: store.delete(ids) }),
    'annotations.export': ({ instrument }) => {
      if (instrument !== undefined) known(instrument);
      const marks = store.list(instrument);
      return { csv: formatAnnotationCsv(marks), count: marks.length };
    },
    'annotations.import': ({ csv }) => {
      let marks;
      try {
        marks = parseAnnotationCsv(csv);
      } catch (error) {
        if (error instanceof AnnotationCsvError) throw new ApiError('bad_request', error.message);
        throw error;
      }
      for (const { line, draft } of marks) {
        if (store.instrumentKey(draft.instrument) === null)
          throw new ApiError('bad_request', `line ${line}: unknown instrument '${draft.instrument}'`);
      }
      // Contexts are read before the write transaction, which then only inserts.
      return { imported: store.insert(marks.map(({ draft }) => create(draft))).length };
    },
  };
}
