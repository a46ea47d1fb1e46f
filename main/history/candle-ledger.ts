import { TIMEFRAME_MS } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { BulkStore } from './bulk-store.js';

const DAY_MS = TIMEFRAME_MS['1d'];

/** A UTC day of an instrument whose candles must be rebuilt from its trades. */
export interface DirtyDay {
  readonly instrument: string;
  /** Start of the UTC day, ms. */
  readonly day: number;
}

/**
 * The durable record of which days' candles are out of date (table candle_repairs, migration
 * 0015). Writers of trades call `markDirty` inside the transaction that writes the rows, and
 * `rebuildDay` rebuilds a day and clears its mark in one transaction: the marks and the rows
 * commit together, so no crash can leave changed trades with stale candles unmarked.
 */
export class CandleLedger {
  private readonly sql;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly bulk: BulkStore,
  ) {
    this.sql = {
      mark: db.prepare<[number, number]>(
        'INSERT INTO candle_repairs (instrument, day) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ),
      clear: db.prepare<[number, number]>('DELETE FROM candle_repairs WHERE instrument = ? AND day = ?'),
      pending: db.prepare<[], { instrument: string; day: number }>(
        `SELECT i.id AS instrument, r.day FROM candle_repairs r JOIN instruments i ON i.key = r.instrument
         ORDER BY i.id, r.day`,
      ),
      pendingOf: db.prepare<[string], { instrument: string; day: number }>(
        `SELECT i.id AS instrument, r.day FROM candle_repairs r JOIN instruments i ON i.key = r.instrument
         WHERE i.id = ? ORDER BY r.day`,
      ),
    };
  }

  /** Marks every UTC day that [from, to] (ms, inclusive) touches; call in the rows' transaction. */
  markDirty(instrument: string, from: number, to: number): void {
    const key = this.bulk.keyOf(instrument);
    for (let day = dayOf(from); day <= to; day += DAY_MS) this.sql.mark.run(key, day);
  }

  /** The days still to rebuild, of one instrument or of all, oldest first per instrument. */
  pending(instrument?: string): DirtyDay[] {
    return instrument === undefined ? this.sql.pending.all() : this.sql.pendingOf.all(instrument);
  }

  /**
   * Rebuilds one day's candles of every timeframe from its stored trades and clears its mark,
   * in one write transaction (the day's trades are read once). Returns the bars written.
   */
  rebuildDay(instrument: string, day: number): number {
    return this.db
      .transaction(() => {
        const bars = this.bulk.rebuildCandles(instrument, day, day + DAY_MS - 1);
        this.sql.clear.run(this.bulk.keyOf(instrument), day);
        return bars;
      })
      .immediate();
  }

  /**
   * Settles one marked day with bars built from the same trades elsewhere (a staged import
   * builds them as it reads): `write` replaces the day's candles, and the mark is cleared, in
   * one write transaction. Returns the bars written.
   */
  settleDay(instrument: string, day: number, write: (key: number) => number): number {
    return this.db
      .transaction(() => {
        const key = this.bulk.keyOf(instrument);
        const bars = write(key);
        this.sql.clear.run(key, day);
        return bars;
      })
      .immediate();
  }
}

/** Start of the UTC day holding `ts`. */
export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

export interface RepairResult {
  readonly days: number;
  readonly bars: number;
}

/**
 * Rebuilds the candles of every marked day (of one instrument, or all), a day per transaction
 * so the live recorder gets the write lock between days. `pause` runs between days: it gives
 * the event loop back and throws to stop (a stopped repair leaves the rest marked).
 */
export async function repairCandles(
  ledger: CandleLedger,
  instrument: string | undefined,
  onDay: (done: number, total: number) => void = () => undefined,
  pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<RepairResult> {
  const days = ledger.pending(instrument);
  let bars = 0;
  for (const [index, { instrument: id, day }] of days.entries()) {
    bars += ledger.rebuildDay(id, day);
    onDay(index + 1, days.length);
    await pause();
  }
  return { days: days.length, bars };
}
