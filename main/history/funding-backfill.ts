import type { SqliteDatabase } from '../storage/database.js';
import { FundingStore, type FundingRate } from '../storage/funding-store.js';

/** What a funding backfill needs from a ccxt exchange (`exchange.has.fetchFundingRateHistory`). */
export interface FundingHistoryExchange {
  fetchFundingRateHistory(
    symbol: string,
    since?: number,
    limit?: number,
  ): Promise<
    readonly { readonly timestamp?: number | undefined; readonly fundingRate?: number | undefined }[]
  >;
}

/**
 * Readies a ccxt instance for funding history: refuses an exchange without it, and loads its
 * perpetual markets, which the venue profile leaves out (it loads spot only, ccxt-exchange.ts).
 */
export function forFundingHistory<
  T extends { has: Record<string, unknown>; options: Record<string, unknown> },
>(exchange: T, id: string): T {
  if (exchange.has['fetchFundingRateHistory'] !== true)
    throw new Error(`${id} has no funding rate history in ccxt`);
  exchange.options = { ...exchange.options, fetchMarkets: { types: ['linear', 'inverse'] } };
  return exchange;
}

export interface FundingBackfillRequest {
  readonly instrument: string;
  /** The exchange's perpetual symbol in ccxt's spelling, e.g. BTC/USDT:USDT. */
  readonly symbol: string;
  readonly from: number;
  readonly to: number;
}

export interface FundingBackfillResult {
  /** Funding times received in [from, to]. */
  readonly rows: number;
  /** Rows added or changed. */
  readonly inserted: number;
  readonly pages: number;
}

/**
 * Fetches the funding rates of [from, to] page by page (`since` moves past the last time
 * received) and stores each page in its own transaction, keyed by funding time: running it
 * again, or over an overlapping range, rewrites the same rows. Funding comes three times a day,
 * so a year is about two pages of Binance's 1000: there is no resume ledger as the trade
 * backfill has; a stopped run is simply run again.
 */
export async function runFundingBackfill(
  db: SqliteDatabase,
  exchange: FundingHistoryExchange,
  request: FundingBackfillRequest,
  onProgress: (done: number, total: number, message: string) => void = () => undefined,
  signal?: AbortSignal,
  pageSize = 1000,
): Promise<FundingBackfillResult> {
  if (request.to < request.from)
    throw new Error(`funding backfill range ends before it starts: ${request.from}..${request.to}`);
  const store = new FundingStore(db);
  store.keyOf(request.instrument);
  let cursor = request.from;
  let rows = 0;
  let inserted = 0;
  let pages = 0;
  const span = Math.max(1, request.to - request.from);
  while (cursor <= request.to) {
    if (signal?.aborted === true) throw new Error('cancelled; run the backfill again to complete it');
    const page = await exchange.fetchFundingRateHistory(request.symbol, cursor, pageSize);
    pages++;
    const rates: FundingRate[] = [];
    let last = cursor - 1;
    for (const entry of page) {
      const ts = entry.timestamp;
      const rate = entry.fundingRate;
      if (ts === undefined || ts < cursor || ts > request.to) continue;
      // A malformed rate from the venue stops the run: stored funding moves every backtest.
      if (rate === undefined || !Number.isFinite(rate) || Math.abs(rate) > 1)
        throw new Error(
          `${request.symbol}: the exchange sent funding rate ${rate} at ${new Date(ts).toISOString()}`,
        );
      rates.push({ ts, rate });
      last = Math.max(last, ts);
    }
    if (rates.length > 0) {
      inserted += store.upsert(request.instrument, rates);
      rows += rates.length;
    }
    onProgress(Math.min(span, Math.max(0, last - request.from)), span, `${rows} funding rates`);
    // A short page is the end of the history the exchange has for the range.
    if (rates.length === 0 || page.length < pageSize) break;
    cursor = last + 1;
  }
  onProgress(span, span, `${rows} funding rates`);
  return { rows, inserted, pages };
}
