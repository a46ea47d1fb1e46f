import type {
  Annotation,
  AnnotationDraft,
  AnnotationKind,
  AnnotationWithContext,
} from '../../shared/api/domains/annotations.js';
import { marketContextSchema, type MarketContext } from '../../shared/api/domains/history.js';
import type { SqliteDatabase } from '../storage/database.js';

interface AnnotationRow {
  id: number;
  instrument: string;
  kind: AnnotationKind;
  from_ts: number;
  to_ts: number;
  label: string;
  note: string;
  created_at: number;
}

const COLUMNS = `a.id, i.id AS instrument, a.kind, a.from_ts, a.to_ts, a.label, a.note, a.created_at`;

const fromRow = (row: AnnotationRow): Annotation => ({
  id: row.id,
  instrument: row.instrument,
  kind: row.kind,
  from: row.from_ts,
  to: row.to_ts,
  label: row.label,
  note: row.note,
  createdAt: row.created_at,
});

/** A mark ready to store: its fields, when it was made and the market context it was made on. */
export interface NewAnnotation {
  readonly draft: AnnotationDraft;
  readonly createdAt: number;
  readonly context: MarketContext;
}

/**
 * The annotations table (migration 0018). Instruments are stored by key and answered by id;
 * the context snapshot is JSON read back through its schema, so a row edited by hand that no
 * longer parses is reported instead of handed on.
 */
export class AnnotationStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      insert: db.prepare<[number, string, number, number, string, string, number, string], { id: number }>(
        `INSERT INTO annotations (instrument, kind, from_ts, to_ts, label, note, created_at, context)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      one: db.prepare<[number], AnnotationRow & { context: string }>(
        `SELECT ${COLUMNS}, a.context FROM annotations a JOIN instruments i ON i.key = a.instrument WHERE a.id = ?`,
      ),
      // instr() rather than LIKE: a trader's search text is taken literally, % and _ included.
      list: db.prepare<
        [string | null, string | null, string | null, string | null, string | null],
        AnnotationRow
      >(
        `SELECT ${COLUMNS} FROM annotations a JOIN instruments i ON i.key = a.instrument
         WHERE (? IS NULL OR i.id = ?)
           AND (? IS NULL OR instr(lower(a.label), ?) > 0 OR instr(lower(a.note), ?) > 0)
         ORDER BY a.from_ts, a.id`,
      ),
      overlapping: db.prepare<[number, number, number], AnnotationRow>(
        `SELECT ${COLUMNS} FROM annotations a JOIN instruments i ON i.key = a.instrument
         WHERE a.instrument = ? AND a.to_ts >= ? AND a.from_ts < ? ORDER BY a.from_ts, a.id`,
      ),
      update: db.prepare<[string, number, number, string, string, number]>(
        'UPDATE annotations SET kind = ?, from_ts = ?, to_ts = ?, label = ?, note = ? WHERE id = ?',
      ),
      updateContext: db.prepare<[string, number]>('UPDATE annotations SET context = ? WHERE id = ?'),
      delete: db.prepare<[number]>('DELETE FROM annotations WHERE id = ?'),
    };
  }

  /** The instrument's key, or null when the workspace has no such instrument. */
  instrumentKey(instrument: string): number | null {
    return this.sql.key.get(instrument) ?? null;
  }

  /** Stores marks in one transaction (all or none); answers them in the order given. */
  insert(marks: readonly NewAnnotation[]): Annotation[] {
    const write = this.db.transaction(() =>
      marks.map(({ draft, createdAt, context }) => {
        const key = this.instrumentKey(draft.instrument);
        if (key === null) throw new Error(`unknown instrument '${draft.instrument}'`);
        const { id } = this.sql.insert.get(
          key,
          draft.kind,
          draft.from,
          draft.to,
          draft.label,
          draft.note,
          createdAt,
          JSON.stringify(context),
        ) ?? { id: 0 };
        return { id, ...draft, createdAt };
      }),
    );
    return write();
  }

  get(id: number): AnnotationWithContext | null {
    const row = this.sql.one.get(id);
    if (row === undefined) return null;
    const context = marketContextSchema.safeParse(JSON.parse(row.context));
    if (!context.success) throw new Error(`the stored context of annotation ${id} is not a market context`);
    return { ...fromRow(row), context: context.data };
  }

  /** Marks oldest first, of one instrument or all, whose label or note holds `search` (any case). */
  list(instrument?: string, search?: string): Annotation[] {
    const needle = search === undefined || search.trim() === '' ? null : search.trim().toLowerCase();
    const only = instrument ?? null;
    return this.sql.list.all(only, only, needle, needle, needle).map(fromRow);
  }

  /** The instrument's marks that touch [from, to): what labels a training range. */
  overlapping(instrument: string, from: number, to: number): Annotation[] {
    const key = this.instrumentKey(instrument);
    return key === null ? [] : this.sql.overlapping.all(key, from, to).map(fromRow);
  }

  /** Changes a mark (and its context when given); null when there is no such mark. */
  update(
    id: number,
    mark: Omit<AnnotationDraft, 'instrument'>,
    context: MarketContext | null,
  ): Annotation | null {
    const change = this.db.transaction(() => {
      const { changes } = this.sql.update.run(mark.kind, mark.from, mark.to, mark.label, mark.note, id);
      if (changes === 0) return null;
      if (context !== null) this.sql.updateContext.run(JSON.stringify(context), id);
      const row = this.sql.one.get(id);
      return row === undefined ? null : fromRow(row);
    });
    return change();
  }

  /** Deletes marks by id; answers how many existed. */
  delete(ids: readonly number[]): number {
    const remove = this.db.transaction(() =>
      ids.reduce((sum, id) => sum + this.sql.delete.run(id).changes, 0),
    );
    return remove();
  }
}
