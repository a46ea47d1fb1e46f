import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { Backoff } from '../exchange/backoff.js';
import type { SqliteDatabase } from '../storage/database.js';
import { BulkStore } from './bulk-store.js';
import { CandleColumns, TradeColumns } from './trade-batch.js';

/** What a backfill needs from a ccxt exchange: the two REST history calls. */
export interface HistoryExchange {
  fetchTrades(symbol: string, since?: number, limit?: number): Promise<readonly HistoryTrade[]>;
  fetchOHLCV(
    symbol: string,
    timeframe?: string,
    since?: number,
    limit?: number,
  ): Promise<readonly (readonly (number | undefined)[])[]>;
}

/** The fields of a ccxt trade a backfill stores. */
export interface HistoryTrade {
  readonly id?: string | undefined;
  readonly timestamp?: number | undefined;
  readonly price?: number | undefined;
  readonly amount?: number | undefined;
  readonly side?: string | undefined;
}

export interface BackfillRequest {
  readonly instrument: string;
  readonly symbol: string;
  readonly kind: 'trades' | 'candles';
  readonly timeframe: Timeframe;
  readonly from: number;
  readonly to: number;
}

export interface BackfillDeps {
  readonly db: SqliteDatabase;
  readonly exchange: HistoryExchange;
  readonly clock: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Rows per request (ccxt `limit`). Default 1000, Binance's maximum. */
  readonly pageSize?: number;
  /** Retries of one page after rate limits or network errors before the job fails. Default 8. */
  readonly maxRetries?: number;
}

export interface BackfillResult {
  readonly rows: number;
  readonly pages: number;
  readonly retries: number;
  /** True when an earlier interrupted run's cursor was picked up. */
  readonly resumed: boolean;
}

/** How far ahead to look when a page comes back empty: Binance answers `since` with a 1 h window. */
const EMPTY_STEP_MS = 3_600_000;

/** ccxt error classes worth waiting out; anything else fails the job at once. */
const RETRYABLE = new Set([
  'RateLimitExceeded',
  'DDoSProtection',
  'NetworkError',
  'RequestTimeout',
  'ExchangeNotAvailable',
  'OnMaintenance',
]);

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // ccxt's classes inherit (RateLimitExceeded < DDoSProtection < NetworkError): walk the chain.
  for (
    let proto: object | null = Object.getPrototypeOf(error) as object | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && RETRYABLE.has(name)) return true;
  }
  return RETRYABLE.has(error.name);
}

interface LedgerRow {
  cursor: number;
  state: 'running' | 'done';
  rows: number;
}

/**
 * Fetch trades or candles of [from, to] page by page with `since`, and store each page in the
 * same transaction as the ledger's cursor: a crash or cancel loses at most the page in flight,
 * and running the same request again resumes at the cursor. Trades that a page boundary
 * repeats are dropped by their trade id, so nothing is stored twice. ccxt's `enableRateLimit`
 * spaces requests; a 429 (RateLimitExceeded / DDoSProtection) or a network error is retried
 * after a capped exponential backoff with jitter. When all pages are in, candles of every
 * timeframe are rebuilt from the trades and the ledger row is marked done.
 */
export async function runBackfill(
  deps: BackfillDeps,
  request: BackfillRequest,
  onProgress: (done: number, total: number, message: string) => void = () => undefined,
  signal?: AbortSignal,
): Promise<BackfillResult> {
  const { db, exchange } = deps;
  if (request.to < request.from)
    throw new Error(`backfill range ends before it starts: ${request.from}..${request.to}`);
  const pageSize = deps.pageSize ?? 1000;
  const maxRetries = deps.maxRetries ?? 8;
  const bulk = new BulkStore(db);
  bulk.keyOf(request.instrument);
  const ledgerKey = [
    request.instrument,
    request.kind === 'candles' ? `candles` : 'trades',
    request.from,
    request.to,
  ] as const;
  const getLedger = db.prepare<[string, string, number, number], LedgerRow>(
    'SELECT cursor, state, rows FROM backfill_ledger WHERE instrument = ? AND kind = ? AND from_ts = ? AND to_ts = ?',
  );
  const putLedger = db.prepare<[string, string, number, number, number, string, number, number]>(
    `INSERT INTO backfill_ledger (instrument, kind, from_ts, to_ts, cursor, state, rows, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (instrument, kind, from_ts, to_ts) DO UPDATE SET cursor = excluded.cursor, state = excluded.state,
       rows = excluded.rows, updated_at = excluded.updated_at`,
  );
  const existing = getLedger.get(...ledgerKey);
  if (existing?.state === 'done') return { rows: existing.rows, pages: 0, retries: 0, resumed: true };
  let cursor = existing?.cursor ?? request.from;
  let rows = existing?.rows ?? 0;
  const resumed = existing !== undefined;
  let pages = 0;
  let retries = 0;
  const span = Math.max(1, request.to - request.from);
  const backoff = new Backoff(deps.random);
  const bar = TIMEFRAME_MS[request.timeframe];
  // ccxt's timeframe strings are the workstation's ('1m', '1h', ...).
  const fetchPage = async (): Promise<{
    trades: TradeColumns | null;
    candles: CandleColumns | null;
    next: number;
  }> => {
    if (request.kind === 'trades') {
      const page = await exchange.fetchTrades(request.symbol, cursor, pageSize);
      const trades = new TradeColumns();
      let last = -1;
      let seq = 0;
      for (const trade of page) {
        const ts = trade.timestamp;
        if (ts === undefined || ts < cursor || ts > request.to) continue;
        if (!(trade.price !== undefined && trade.price > 0 && trade.amount !== undefined && trade.amount > 0))
          continue;
        const id = trade.id ?? null;
        const numeric = id === null ? Number.NaN : Number(id);
        trades.push(
          ts,
          Number.isSafeInteger(numeric) ? numeric : seq++,
          id,
          trade.price,
          trade.amount,
          trade.side === 'sell' ? -1 : 1,
        );
        if (ts > last) last = ts;
      }
      const newest = page.reduce((max, trade) => Math.max(max, trade.timestamp ?? -1), -1);
      // A full page may stop inside a millisecond: start the next at that ms again (its trades
      // come back and are dropped by id), unless the whole page was that one ms.
      let next: number;
      if (page.length === 0 || newest < cursor) next = cursor + EMPTY_STEP_MS;
      else if (newest > request.to) next = request.to + 1;
      else if (page.length >= pageSize) next = newest > cursor ? newest : cursor + 1;
      else next = newest + 1;
      return { trades, candles: null, next };
    }
    const page = await exchange.fetchOHLCV(request.symbol, request.timeframe, cursor, pageSize);
    const candles = new CandleColumns(request.timeframe);
    let newest = -1;
    for (const [openTime, open, high, low, close, volume] of page) {
      if (openTime === undefined || openTime < cursor) continue;
      newest = Math.max(newest, openTime);
      if (openTime > request.to) continue;
      if (
        open === undefined ||
        high === undefined ||
        low === undefined ||
        close === undefined ||
        volume === undefined
      )
        continue;
      if (!(open > 0 && high > 0 && low > 0 && close > 0 && volume >= 0)) continue;
      candles.push(openTime, open, high, low, close, volume, volume * close, 0);
    }
    const next = newest < 0 ? cursor + pageSize * bar : newest + bar;
    return { trades: null, candles, next };
  };

  const commit = db.transaction(
    (page: { trades: TradeColumns | null; candles: CandleColumns | null; next: number }) => {
      let inserted = 0;
      if (page.trades !== null) inserted = bulk.insertTrades(request.instrument, page.trades);
      if (page.candles !== null) inserted = bulk.upsertCandles(request.instrument, page.candles);
      rows += inserted;
      putLedger.run(...ledgerKey, Math.min(page.next, request.to + 1), 'running', rows, deps.clock());
    },
  );

  while (cursor <= request.to) {
    if (signal?.aborted === true) throw new Error('cancelled');
    let page: Awaited<ReturnType<typeof fetchPage>>;
    for (;;) {
      try {
        page = await fetchPage();
        backoff.reset();
        break;
      } catch (error) {
        if (!isRetryable(error) || backoff.attempts >= maxRetries) throw error;
        retries++;
        const wait = backoff.next();
        onProgress(
          cursor - request.from,
          span,
          `rate limited or offline, retrying in ${(wait / 1000).toFixed(1)} s`,
        );
        await deps.sleep(wait, signal);
      }
    }
    commit.immediate(page);
    pages++;
    cursor = Math.min(page.next, request.to + 1);
    onProgress(
      Math.min(span, cursor - request.from),
      span,
      `${rows.toLocaleString('en')} ${request.kind} up to ${new Date(Math.min(cursor, request.to)).toISOString()}`,
    );
  }
  db.transaction(() => {
    if (request.kind === 'trades' && rows > 0)
      bulk.rebuildCandles(request.instrument, request.from, request.to);
    putLedger.run(...ledgerKey, request.to + 1, 'done', rows, deps.clock());
  }).immediate();
  return { rows, pages, retries, resumed };
}

/** A sleep that an abort cuts short (the job was cancelled while waiting out a rate limit). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Error('cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
