import type { Candle } from '../../shared/domain/candle.js';
import type { Trade } from '../../shared/domain/market.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';

/** A `trades` row as SQLite returns it (migration 0001): side is 1 for a taker buy, -1 for a sell. */
export interface TradeRow {
  ts: number;
  seq: number;
  trade_id: string | null;
  price: number;
  amount: number;
  side: number;
}

/** A `candles` row as SQLite returns it, without its key columns. */
export interface CandleRow {
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number;
  trades: number;
}

export function tradeFromRow(instrument: string, row: TradeRow): Trade {
  return {
    instrument,
    ts: row.ts,
    seq: row.seq,
    id: row.trade_id ?? '',
    price: row.price,
    amount: row.amount,
    side: row.side === 1 ? 'buy' : 'sell',
  };
}

export function candleFromRow(instrument: string, timeframe: Timeframe, row: CandleRow): Candle {
  return {
    instrument,
    timeframe,
    openTime: row.open_time,
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
    quoteVolume: row.quote_volume,
    trades: row.trades,
  };
}
