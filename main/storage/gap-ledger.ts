import type { SqliteDatabase } from './database.js';

/** One interval of market data that is missing and could not be recovered. */
export interface Gap {
  /** Instrument id, `<exchange>:<symbol>`. */
  readonly instrument: string;
  /** Which data is missing: 'trades', 'book', 'candles'. */
  readonly kind: string;
  /** First ms (UTC) of the hole, inclusive. */
  readonly fromTs: number;
  /** Last ms of the hole, inclusive; >= fromTs. */
  readonly toTs: number;
  /** Why it is missing, in words for the coverage view. */
  readonly reason: string;
}

export interface RecordedGap extends Gap {
  readonly id: number;
  /** When the ledger learnt of the gap (ms UTC). */
  readonly recordedAt: number;
}

interface GapRow {
  id: number;
  instrument: string;
  kind: string;
  from_ts: number;
  to_ts: number;
  reason: string;
  recorded_at: number;
}

const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * What the recorder knows it does not have. Writers append (never update), readers ask by
 * instrument and time range; a gap overlapping the asked range is returned whole.
 */
export class GapLedger {
  private readonly sql;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.sql = {
      // A rerun over the same range finds the same hole again: it is recorded once.
      insert: db.prepare<[string, string, number, number, string, number]>(
        `INSERT INTO gap_ledger (instrument, kind, from_ts, to_ts, reason, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (instrument, kind, from_ts, to_ts) DO NOTHING`,
      ),
      same: db.prepare<[string, string, number, number], GapRow>(
        `SELECT id, instrument, kind, from_ts, to_ts, reason, recorded_at FROM gap_ledger
         WHERE instrument = ? AND kind = ? AND from_ts = ? AND to_ts = ?`,
      ),
      all: db.prepare<[number, number], GapRow>(
        `SELECT id, instrument, kind, from_ts, to_ts, reason, recorded_at FROM gap_ledger
         WHERE to_ts >= ? AND from_ts <= ? ORDER BY from_ts, id`,
      ),
      byInstrument: db.prepare<[string, number, number], GapRow>(
        `SELECT id, instrument, kind, from_ts, to_ts, reason, recorded_at FROM gap_ledger
         WHERE instrument = ? AND to_ts >= ? AND from_ts <= ? ORDER BY from_ts, id`,
      ),
    };
  }

  /**
   * Appends one gap, or returns the one already recorded for the same instrument, kind and
   * interval; an interval with toTs < fromTs is a caller bug and throws.
   */
  record(gap: Gap): RecordedGap {
    if (!Number.isSafeInteger(gap.fromTs) || !Number.isSafeInteger(gap.toTs) || gap.toTs < gap.fromTs) {
      throw new RangeError(`gap interval must be integer ms with from <= to, got ${gap.fromTs}..${gap.toTs}`);
    }
    const recordedAt = this.clock();
    const { changes, lastInsertRowid } = this.sql.insert.run(
      gap.instrument,
      gap.kind,
      gap.fromTs,
      gap.toTs,
      gap.reason,
      recordedAt,
    );
    if (changes === 1) return { ...gap, id: Number(lastInsertRowid), recordedAt };
    const kept = this.sql.same.get(gap.instrument, gap.kind, gap.fromTs, gap.toTs);
    if (kept === undefined)
      throw new Error(`gap ledger: ${gap.instrument} ${gap.kind} gap neither new nor kept`);
    return rowToGap(kept);
  }

  /** Gaps overlapping [from, to] (everything when omitted), of one instrument or all, oldest first. */
  list(instrument?: string, from = 0, to = END_OF_TIME): RecordedGap[] {
    const rows =
      instrument === undefined ? this.sql.all.all(from, to) : this.sql.byInstrument.all(instrument, from, to);
    return rows.map(rowToGap);
  }
}

function rowToGap(row: GapRow): RecordedGap {
  return {
    id: row.id,
    instrument: row.instrument,
    kind: row.kind,
    fromTs: row.from_ts,
    toTs: row.to_ts,
    reason: row.reason,
    recordedAt: row.recorded_at,
  };
}
