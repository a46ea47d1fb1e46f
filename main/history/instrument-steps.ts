import type { Instrument } from '../../shared/domain/market.js';
import type { SqliteDatabase } from '../storage/database.js';

/** An instrument's price and size increments. */
export interface InstrumentStepSizes {
  readonly tickSize: number;
  readonly lotSize: number;
}

/**
 * Steps for an instrument created by an import, before its rows are read: the finest the
 * workstation stores exactly. Replaced by the steps the file implies (import-steps.ts) once it
 * has been read, so they only last for the length of the import.
 */
export const PROVISIONAL_STEPS: InstrumentStepSizes = { tickSize: 1e-8, lotSize: 1e-8 };

/** Steps that can be stored: positive, finite, not finer than 1e-12 (float noise below). */
export function checkSteps(steps: InstrumentStepSizes): string | null {
  for (const [name, value] of [
    ['tick size', steps.tickSize],
    ['lot size', steps.lotSize],
  ] as const) {
    if (!Number.isFinite(value) || !(value > 0)) return `${name} must be a positive number, got ${value}`;
    if (value < 1e-12) return `${name} ${value} is finer than 1e-12`;
  }
  return null;
}

interface InstrumentRow {
  id: string;
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  tick_size: number;
  lot_size: number;
}

/**
 * Changes the tick and lot of a stored instrument (a typo at import, or a venue that changed
 * its increments). Stored data needs no rewrite: trades and candles are stored as prices, and
 * the book delta codec stores off-grid prices raw (book-delta-codec.ts), so nothing is rounded
 * to the new grid. A recorder already running picks the new steps up at its next start.
 */
export class InstrumentStepsStore {
  private readonly sql;

  constructor(db: SqliteDatabase) {
    this.sql = {
      update: db.prepare<[number, number, string]>(
        'UPDATE instruments SET tick_size = ?, lot_size = ? WHERE id = ?',
      ),
      get: db.prepare<[string], InstrumentRow>(
        'SELECT id, exchange, symbol, base, quote, tick_size, lot_size FROM instruments WHERE id = ?',
      ),
    };
  }

  /** Sets the steps; returns the instrument as now stored, or null when there is no such instrument. */
  set(instrument: string, steps: InstrumentStepSizes): Instrument | null {
    const problem = checkSteps(steps);
    if (problem !== null) throw new RangeError(`${instrument}: ${problem}`);
    this.sql.update.run(steps.tickSize, steps.lotSize, instrument);
    const row = this.sql.get.get(instrument);
    return row === undefined
      ? null
      : {
          id: row.id,
          exchange: row.exchange,
          symbol: row.symbol,
          base: row.base,
          quote: row.quote,
          tickSize: row.tick_size,
          lotSize: row.lot_size,
        };
  }
}
