import type { Candle } from '../../shared/domain/candle.js';
import type { Level } from '../../shared/domain/market.js';
import type { ReadonlyOrderBook } from '../../shared/market/order-book.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { ConnectionConfig } from '../exchange/exchange-hub.js';
import type { KeyChange } from '../exchange/key-changes.js';
import type { SecretStore } from '../exchange/secret-store.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { StrategyLibrary } from '../strategies/strategy-library.js';
import type { TradingModels } from './paper-signal.js';

/** What the App gives trading: storage, clock, the live market, exchanges, keys, models. */

export interface TradingSettings {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface TradingServiceOptions {
  readonly db: SqliteDatabase;
  readonly settings: TradingSettings;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** The live mid of an instrument (cheap: asked on every gate decision), or null. */
  readonly mid: (instrument: string) => number | null;
  /** The live book of an instrument (the pipeline's), or null before any data. */
  readonly book: (
    instrument: string,
  ) => { bids: readonly Level[]; asks: readonly Level[]; mid: number | null } | null;
  readonly candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[];
  /** Throws ApiError not_found for an instrument the workspace does not know. */
  readonly knownInstrument: (instrument: string) => void;
  readonly connections: () => readonly ConnectionConfig[];
  readonly connected: (exchange: string) => boolean;
  readonly secrets: SecretStore;
  /** Tells of every save, replace and delete of an exchange's keys (main/exchange/key-changes.ts). */
  readonly keyChanges?: (listener: (change: KeyChange) => void) => () => void;
  readonly exportsDir: string;
  /** The live order book of an instrument (what a live strategy reads), or null before data. */
  readonly orderBook?: (instrument: string) => ReadonlyOrderBook | null;
  /** The model registry and live inference, for the ML-signal strategy; absent: not offered. */
  readonly models?: TradingModels;
  /** The user's strategy files (compiled when a strategy starts); absent: only the built-ins run. */
  readonly strategies?: StrategyLibrary;
}
