import type { ContextRequest, MarketContext } from '../../shared/api/domains/history.js';
import { contextRequestSchema } from '../../shared/api/domains/history.js';
import type { BookView } from '../../shared/api/schemas.js';
import type { Candle } from '../../shared/domain/candle.js';
import { TIMEFRAME_MS, barOpenTime } from '../../shared/domain/timeframes.js';
import { BookHistory } from '../storage/book-history.js';
import type { SqliteDatabase } from '../storage/database.js';
import { candleFromRow, type CandleRow } from '../storage/rows.js';
import { TradeStore } from '../storage/trade-store.js';

export interface MarketContextDeps {
  readonly db: SqliteDatabase;
  readonly clock: () => number;
  /** The live book, used for at = 'now' (what is in memory is newer than the last flush). */
  readonly liveBook?: (instrument: string, depth: number, at: number) => BookView | null;
}

/**
 * get_inference_data: what a model or a strategy may see at T. Trades in (T - window, T], the
 * book at T, and per timeframe the bars overlapping the window. The same code answers for
 * 'now' and for a historical T, so live inference and training read identical shapes.
 *
 * No look-ahead: the bar containing T is rebuilt from the trades up to T instead of read from
 * the candles table, which for a historical T holds the whole bar, trades after T included.
 */
export class MarketContextReader {
  private readonly books: BookHistory;
  private readonly trades: TradeStore;
  private readonly sql;

  constructor(private readonly deps: MarketContextDeps) {
    const db = deps.db;
    this.books = new BookHistory(db);
    this.trades = new TradeStore(db);
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      candles: db.prepare<[number, string, number, number], CandleRow>(
        `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
         WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ? ORDER BY open_time`,
      ),
    };
  }

  read(input: ContextRequest): MarketContext {
    const request = contextRequestSchema.parse(input);
    const { instrument, windowMs } = request;
    const live = request.at === 'now';
    const at = request.at === 'now' ? this.deps.clock() : request.at;
    const key = this.sql.key.get(instrument);
    if (key === undefined) throw new Error(`Unknown instrument '${instrument}'`);
    const from = at - windowMs;

    const trades = this.trades.latest(key, instrument, from, at, request.tradeLimit);

    let book: BookView | null = live ? (this.deps.liveBook?.(instrument, request.depth, at) ?? null) : null;
    if (book === null || (book.bids.length === 0 && book.asks.length === 0)) {
      const stored = this.books.bookAt(instrument, at, request.depth);
      book =
        stored === null
          ? null
          : {
              instrument,
              ts: at,
              bids: [...stored.bids],
              asks: [...stored.asks],
              mid: midOf(stored.bids[0]?.[0], stored.asks[0]?.[0]),
              spread: spreadOf(stored.bids[0]?.[0], stored.asks[0]?.[0]),
            };
    }

    const candles: Record<string, Candle[]> = {};
    for (const timeframe of request.timeframes) {
      const current = barOpenTime(at, timeframe);
      const first = barOpenTime(Math.max(0, from + 1), timeframe);
      const bars = this.sql.candles
        .all(key, timeframe, first, current)
        .map((row) => candleFromRow(instrument, timeframe, row));
      const partial = this.partialBar(key, instrument, timeframe, current, at);
      if (partial !== null) bars.push(partial);
      candles[timeframe] = bars;
    }
    return { instrument, at, windowMs, trades, book, candles };
  }

  private partialBar(
    key: number,
    instrument: string,
    timeframe: Candle['timeframe'],
    openTime: number,
    at: number,
  ): Candle | null {
    let bar: { -readonly [K in keyof Candle]: Candle[K] } | null = null;
    // A bar never holds more than TIMEFRAME_MS of trades: a bounded range of chunks.
    const last = Math.min(at, openTime + TIMEFRAME_MS[timeframe] - 1);
    this.trades.forEachBlock(key, openTime, last + 1, (block, a, b) => {
      for (let i = a; i < b; i++) {
        const price = block.price[i] ?? 0;
        const amount = block.amount[i] ?? 0;
        if (bar === null) {
          bar = {
            instrument,
            timeframe,
            openTime,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: 0,
            quoteVolume: 0,
            trades: 0,
          };
        }
        bar.high = Math.max(bar.high, price);
        bar.low = Math.min(bar.low, price);
        bar.close = price;
        bar.volume += amount;
        bar.quoteVolume += price * amount;
        bar.trades += 1;
      }
    });
    return bar;
  }
}

function midOf(bid: number | undefined, ask: number | undefined): number | null {
  return bid === undefined || ask === undefined ? null : (bid + ask) / 2;
}

function spreadOf(bid: number | undefined, ask: number | undefined): number | null {
  return bid === undefined || ask === undefined ? null : ask - bid;
}

/** One-shot form of MarketContextReader (prepares its statements per call; keep a reader for loops). */
export function marketContext(deps: MarketContextDeps, request: ContextRequest): MarketContext {
  return new MarketContextReader(deps).read(request);
}
