import type { FundingSchedule } from '../../shared/backtest/funding.js';
import type { SqliteDatabase } from './database.js';

/** One funding time of an instrument and the rate settled at it. */
export interface FundingRate {
  readonly ts: number;
  readonly rate: number;
}

/**
 * Funding rates per instrument (0017_funding_rates). Writes are upserts keyed by
 * (instrument, ts), so importing or backfilling the same times again changes nothing but the
 * rates; reads come back as the engines' typed columns.
 */
export class FundingStore {
  private readonly sql;

  constructor(readonly db: SqliteDatabase) {
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      upsert: db.prepare<[number, number, number]>(
        `INSERT INTO funding_rates (instrument, ts, rate) VALUES (?, ?, ?)
         ON CONFLICT (instrument, ts) DO UPDATE SET rate = excluded.rate WHERE rate <> excluded.rate`,
      ),
      range: db.prepare<[number, number, number], FundingRate>(
        'SELECT ts, rate FROM funding_rates WHERE instrument = ? AND ts >= ? AND ts < ? ORDER BY ts',
      ),
      summary: db.prepare<[number], { count: number; first: number | null; last: number | null }>(
        'SELECT count(*) AS count, min(ts) AS first, max(ts) AS last FROM funding_rates WHERE instrument = ?',
      ),
    };
  }

  /** The instrument's key; throws naming an instrument the workspace does not have. */
  keyOf(instrument: string): number {
    const key = this.sql.key.get(instrument);
    if (key === undefined)
      throw new Error(`Unknown instrument '${instrument}': add it before storing its funding rates`);
    return key;
  }

  /** Writes the rates in one transaction; returns how many rows were added or changed. */
  upsert(instrument: string, rates: readonly FundingRate[]): number {
    const key = this.keyOf(instrument);
    return this.db.transaction(() => {
      let changed = 0;
      for (const { ts, rate } of rates) changed += this.sql.upsert.run(key, ts, rate).changes;
      return changed;
    })();
  }

  /** The stored rates with from <= ts < to, in time order, as columns. */
  schedule(instrument: string, from: number, to: number): FundingSchedule {
    const key = this.sql.key.get(instrument);
    if (key === undefined) return { ts: new Float64Array(0), rate: new Float64Array(0) };
    const rows = this.sql.range.all(key, from, to);
    const ts = new Float64Array(rows.length);
    const rate = new Float64Array(rows.length);
    rows.forEach((row, i) => {
      ts[i] = row.ts;
      rate[i] = row.rate;
    });
    return { ts, rate };
  }

  /** How many rates are stored for an instrument and the span they cover. */
  summary(instrument: string): { count: number; first: number | null; last: number | null } {
    const key = this.sql.key.get(instrument);
    if (key === undefined) return { count: 0, first: null, last: null };
    return this.sql.summary.get(key) ?? { count: 0, first: null, last: null };
  }
}
