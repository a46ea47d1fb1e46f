import type { BookSide, Level, MarketEvent, TakerSide } from '../../../../shared/domain/market.js';
import type { BacktestConfig } from '../../../../shared/backtest/engine.js';
import type { OrderIntent, OrderRequest } from '../../../../shared/backtest/orders.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';

/** Small builders for hand-checked backtest scenarios: one instrument, events by (ts, seq). */
const INSTRUMENT = 'demo:DEMO/USD';

export function snapshot(ts: number, seq: number, bids: Level[], asks: Level[]): MarketEvent {
  return { kind: 'book_snapshot', instrument: INSTRUMENT, ts, seq, bids, asks };
}

export function delta(ts: number, seq: number, side: BookSide, price: number, size: number): MarketEvent {
  return { kind: 'book_delta', instrument: INSTRUMENT, ts, seq, side, price, size };
}

export function trade(ts: number, seq: number, side: TakerSide, price: number, amount: number): MarketEvent {
  return { kind: 'trade', instrument: INSTRUMENT, ts, seq, id: `${ts}-${seq}`, side, price, amount };
}

/** The fixture book: bids 99.5 x 2, 99 x 5; asks 100.5 x 1, 101 x 3, 102 x 5 (mid 100). */
export function fixtureBook(ts = 0, seq = 0): MarketEvent {
  return snapshot(
    ts,
    seq,
    [
      [99.5, 2],
      [99, 5],
    ],
    [
      [100.5, 1],
      [101, 3],
      [102, 5],
    ],
  );
}

export function submit(order: OrderRequest): OrderIntent {
  return { kind: 'submit', order };
}

/** A strategy that sends the given intents right after the event with that seq is applied. */
export function scripted(script: Record<number, OrderIntent[]>): Strategy {
  return {
    onEvent: (event) => script[event.seq] ?? null,
  };
}

/** A strategy that sends the given intents at the close of the n-th bar (0-based). */
export function scriptedBars(script: Record<number, OrderIntent[]>): Strategy {
  let bar = 0;
  return {
    onBar: () => script[bar++] ?? null,
  };
}

/** 10,000 quote, taker 10 bp, maker 2 bp, no latency. */
export function config(strategy: Strategy, overrides: Partial<BacktestConfig> = {}): BacktestConfig {
  return { strategy, initialCash: 10_000, fees: { maker: 0.0002, taker: 0.001 }, ...overrides };
}
