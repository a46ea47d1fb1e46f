import type { BookDelta, BookSide, BookSnapshot, Trade } from '../domain/market.js';
import { OrderBook, type ReadonlyOrderBook } from '../market/order-book.js';
import type { ExpireReason, Liquidity, RejectReason, WorkingOrder } from './orders.js';

/**
 * Where our orders meet the market. The engine hands an order to its venue once the
 * submit latency has passed; the venue decides fills and reports them to its listener.
 * Two venues share the engine: FillModel (trades + L2 book) and BarFillModel (candles).
 */
export interface Venue {
  /** The order reached the venue at `ts` (its checks passed the engine's). */
  submit(order: WorkingOrder, ts: number): void;
  /** The cancel reached the venue; false if the order was no longer there. */
  cancel(order: WorkingOrder, ts: number): boolean;
  /** A replace reached the venue: the order is still working, with a new price and/or quantity. */
  amend(order: WorkingOrder, price: number, quantity: number, ts: number): void;
}

/** What a venue tells its owner (the backtest engine, or the paper broker live). */
export interface FillListener {
  /**
   * How much of `order` may fill now at `price`. The owner clips reduce-only orders to the
   * position and every order to the account's buying power here (setting
   * `order.shortOfBuyingPower`), so the clipping follows the account as other fills change it.
   */
  capacity(order: WorkingOrder, price: number, liquidity: Liquidity): number;
  /**
   * One execution. `reference`: the price the venue would have given without slippage (candle
   * mode), which the owner measures slippage against; NaN: the mid at the decision.
   */
  fill(
    order: WorkingOrder,
    price: number,
    quantity: number,
    liquidity: Liquidity,
    ts: number,
    reference?: number,
  ): void;
  accepted(order: WorkingOrder, ts: number): void;
  rejected(order: WorkingOrder, reason: RejectReason, ts: number): void;
  triggered(order: WorkingOrder, ts: number): void;
  expired(order: WorkingOrder, reason: ExpireReason, ts: number): void;
}

const SIDE_BID = 0;
const SIDE_ASK = 1;

/**
 * The event-mode fill model: ONE implementation, used by the backtest engine and by the
 * paper broker live. It maintains the L2 book from the recorded stream and simulates our
 * orders against it.
 *
 * Assumptions, stated once:
 *
 * 1. Taking liquidity (market orders, the marketable part of a limit, triggered stops) walks
 *    the book as it is at that moment, best level first: slippage comes from real depth. Our
 *    fills do NOT alter the recorded stream (it is history, and other participants would not
 *    have acted exactly as recorded anyway), but a per-level "consumed by us" overlay stops us
 *    taking the same liquidity twice: what we took at a level is unavailable to us until that
 *    level is refreshed by a book update (delta at that price, or a snapshot).
 *    A market order that exhausts the visible book expires for the rest (`no_liquidity`).
 *
 * 2. A resting limit order joins the BACK of its level's queue: `queueAhead` starts at the
 *    visible size at its price. The queue ahead shrinks when
 *    - a trade prints at our price on our side (the taker hits our level): it first eats the
 *      queue ahead, and only what is left over fills us;
 *    - the level shrinks without a trade (cancels): we assume cancels come pro rata from the
 *      queue ahead of us and behind us, so the ahead part shrinks by
 *      cancelled * ahead / (ahead + behind). A trade is followed by the book update that
 *      reflects it; `tradedUnseen` keeps the traded volume so that update is not counted as
 *      cancels a second time. This assumes a trade comes BEFORE the book update that shows
 *      it, as the demo market does; a feed that sends the update first would have that
 *      volume counted as cancels (pro rata) and then as trades.
 *    A trade THROUGH our price (a sell below our bid, a buy above our ask) means our level
 *    was emptied: we are filled completely at our price. An opposite-side level appearing at
 *    or through our price means a counterparty arrived that would have met us first: we are
 *    filled at our price, up to its size. Our resting fills are maker fills at our price.
 *    A snapshot re-anchors: the queue ahead is capped at the new visible size at our price.
 *
 * 3. A post-only limit that would cross on arrival is rejected (`post_only_would_cross`).
 *    An IOC limit takes what it can on arrival; the rest expires.
 *
 * 4. Stops trigger on TRADE prices, not on the mid or the book: a buy stop when a trade
 *    prints at or above the stop, a sell stop at or below it (exchanges trigger on last
 *    price by default). The triggering trade is processed first (it may fill resting
 *    orders); then the stop becomes a market order (stop) or a limit order (stop-limit) and
 *    is handled as a new arrival against the book at that moment.
 */
export class FillModel implements Venue {
  readonly book: OrderBook;
  /** Resting limit orders (bids and asks). Few: scanned linearly, no lookup structure. */
  private readonly resting: WorkingOrder[] = [];
  /** Untriggered stops. */
  private readonly stops: WorkingOrder[] = [];
  /** The "consumed by us" overlay: side, price, amount taken since the level last refreshed. */
  private overlaySide = new Int8Array(16);
  private overlayPrice = new Float64Array(16);
  private overlayAmount = new Float64Array(16);
  private overlayCount = 0;

  constructor(
    private readonly listener: FillListener,
    book: OrderBook = new OrderBook(),
  ) {
    this.book = book;
  }

  /** The book as the model sees it (the recorded book, without our orders). */
  get view(): ReadonlyOrderBook {
    return this.book;
  }

  /** Orders resting at the venue, stops included. Allocates: not for hot loops. */
  workingOrders(): WorkingOrder[] {
    return [...this.resting, ...this.stops];
  }

  // ---- market data -------------------------------------------------------------------------

  applySnapshot(snapshot: Pick<BookSnapshot, 'bids' | 'asks'>, ts: number): void {
    this.book.applySnapshot(snapshot);
    this.overlayCount = 0;
    for (const order of this.resting) {
      const visible = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
      if (order.queueAhead > visible) order.queueAhead = visible;
      order.tradedUnseen = 0;
    }
    this.crossResting(ts);
  }

  applyDelta(delta: Pick<BookDelta, 'side' | 'price' | 'size'>, ts: number): void {
    const { side, price, size } = delta;
    if (this.resting.length > 0) this.queueOnDelta(side, price, size);
    if (this.overlayCount > 0) this.forget(side === 'bid' ? SIDE_BID : SIDE_ASK, price);
    this.book.set(side, price, size);
    if (this.resting.length > 0 && size > 0) this.crossResting(ts);
  }

  applyTrade(trade: Pick<Trade, 'price' | 'amount' | 'side'>, ts: number): void {
    if (this.resting.length > 0) this.restingOnTrade(trade.price, trade.amount, trade.side === 'sell', ts);
    if (this.stops.length > 0) this.triggerStops(trade.price, ts);
  }

  // ---- orders ------------------------------------------------------------------------------

  submit(order: WorkingOrder, ts: number): void {
    switch (order.type) {
      case 'market':
        this.listener.accepted(order, ts);
        this.take(order, Number.NaN, ts);
        if (order.working) this.listener.expired(order, 'no_liquidity', ts);
        return;
      case 'limit':
        this.arriveLimit(order, ts);
        return;
      case 'stop':
      case 'stop_limit':
        this.listener.accepted(order, ts);
        this.stops.push(order);
        return;
      default:
        return order.type satisfies never;
    }
  }

  cancel(order: WorkingOrder, _ts: number): boolean {
    return remove(this.resting, order) || remove(this.stops, order);
  }

  amend(order: WorkingOrder, price: number, quantity: number, ts: number): void {
    // As on most venues, only a pure size cut keeps the order's place in the queue; a new
    // price or a bigger size is a new order: back of the queue, and a new price may cross.
    const losesPriority = (order.isLimit && price !== order.price) || quantity > order.quantity;
    order.quantity = quantity;
    order.price = price;
    if (!losesPriority || !remove(this.resting, order)) return; // untriggered stops just take the values
    this.arriveLimit(order, ts, false);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** A limit order (new, triggered stop-limit, or re-priced) arrives at the venue. */
  private arriveLimit(order: WorkingOrder, ts: number, announce = true): void {
    const crosses = this.wouldCross(order);
    if (crosses && order.postOnly) {
      this.listener.rejected(order, 'post_only_would_cross', ts);
      return;
    }
    if (announce) this.listener.accepted(order, ts);
    if (crosses) this.take(order, order.price, ts);
    if (!order.working) return;
    if (order.timeInForce === 'ioc') {
      this.listener.expired(order, 'ioc_remainder', ts);
      return;
    }
    order.queueAhead = this.book.sizeAt(order.side === 'buy' ? 'bid' : 'ask', order.price);
    order.tradedUnseen = 0;
    this.resting.push(order);
  }

  private wouldCross(order: WorkingOrder): boolean {
    if (order.side === 'buy') {
      const ask = this.book.bestAsk();
      return ask !== null && order.price >= ask;
    }
    const bid = this.book.bestBid();
    return bid !== null && order.price <= bid;
  }

  /** Walks the opposite side up to `limit` (NaN = no limit), net of what we already took. */
  private take(order: WorkingOrder, limit: number, ts: number): void {
    const buy = order.side === 'buy';
    const overlaySide = buy ? SIDE_ASK : SIDE_BID;
    const depth = this.book.depth(buy ? 'ask' : 'bid');
    for (let i = 0; i < depth && order.working; i++) {
      const price = buy ? this.book.askPrice(i) : this.book.bidPrice(i);
      if (buy ? price > limit : price < limit) break; // comparisons with NaN are false: no limit
      const available =
        (buy ? this.book.askSize(i) : this.book.bidSize(i)) - this.consumed(overlaySide, price);
      if (available <= 0) continue;
      const quantity = Math.min(available, order.remaining, this.listener.capacity(order, price, 'taker'));
      if (quantity <= 0) {
        this.listener.expired(order, cutShort(order), ts);
        return;
      }
      this.consume(overlaySide, price, quantity);
      this.listener.fill(order, price, quantity, 'taker', ts);
    }
  }

  private restingOnTrade(price: number, amount: number, sellTaker: boolean, ts: number): void {
    for (let i = 0; i < this.resting.length; i++) {
      const order = this.resting[i];
      if (order === undefined) continue;
      const buy = order.side === 'buy';
      if (buy !== sellTaker) continue; // a sell taker hits bids, a buy taker lifts asks
      let quantity: number;
      if (price === order.price) {
        const fromQueue = Math.min(order.queueAhead, amount);
        order.queueAhead -= fromQueue;
        order.tradedUnseen += amount;
        quantity = Math.min(amount - fromQueue, order.remaining);
      } else if (buy ? price < order.price : price > order.price) {
        quantity = order.remaining; // traded through: our level was emptied
      } else {
        continue;
      }
      if (quantity > 0 && this.fillResting(order, quantity, ts)) i--;
    }
  }

  /** Fills a resting order at its price; true if it left the resting list. */
  private fillResting(order: WorkingOrder, quantity: number, ts: number): boolean {
    const allowed = Math.min(quantity, this.listener.capacity(order, order.price, 'maker'));
    if (allowed > 0) this.listener.fill(order, order.price, allowed, 'maker', ts);
    if (allowed <= 0 || (order.working && order.shortOfBuyingPower))
      this.listener.expired(order, cutShort(order), ts);
    if (order.working) return false;
    remove(this.resting, order);
    return true;
  }

  /** Called before the book applies the delta: the level's old size is still visible. */
  private queueOnDelta(side: BookSide, price: number, size: number): void {
    for (const order of this.resting) {
      if (order.price !== price || (order.side === 'buy') !== (side === 'bid')) continue;
      const before = this.book.sizeAt(side, price);
      const decrease = before - size;
      if (decrease <= 0) continue; // growth joins behind us
      const explained = Math.min(decrease, order.tradedUnseen);
      order.tradedUnseen -= explained;
      const cancelled = decrease - explained;
      if (cancelled <= 0 || order.queueAhead <= 0) continue;
      const behind = Math.max(0, before - explained - order.queueAhead);
      order.queueAhead = Math.max(
        0,
        order.queueAhead - (cancelled * order.queueAhead) / (order.queueAhead + behind),
      );
    }
  }

  /** Opposite liquidity at or through a resting order's price fills it at its price. */
  private crossResting(ts: number): void {
    for (let i = 0; i < this.resting.length; i++) {
      const order = this.resting[i];
      if (order === undefined) continue;
      const buy = order.side === 'buy';
      const touch = buy ? this.book.bestAsk() : this.book.bestBid();
      if (touch === null || (buy ? touch > order.price : touch < order.price)) continue;
      const overlaySide = buy ? SIDE_ASK : SIDE_BID;
      let crossing = 0;
      const depth = this.book.depth(buy ? 'ask' : 'bid');
      for (let level = 0; level < depth; level++) {
        const price = buy ? this.book.askPrice(level) : this.book.bidPrice(level);
        if (buy ? price > order.price : price < order.price) break;
        const available =
          (buy ? this.book.askSize(level) : this.book.bidSize(level)) - this.consumed(overlaySide, price);
        if (available <= 0) continue;
        const take = Math.min(available, order.remaining - crossing);
        this.consume(overlaySide, price, take);
        crossing += take;
        if (crossing >= order.remaining) break;
      }
      if (crossing > 0 && this.fillResting(order, crossing, ts)) i--;
    }
  }

  private triggerStops(price: number, ts: number): void {
    for (let i = 0; i < this.stops.length; i++) {
      const order = this.stops[i];
      if (order === undefined) continue;
      const hit = order.side === 'buy' ? price >= order.stopPrice : price <= order.stopPrice;
      if (!hit) continue;
      this.stops.splice(i--, 1);
      order.triggered = true;
      this.listener.triggered(order, ts);
      if (order.type === 'stop') {
        this.take(order, Number.NaN, ts);
        if (order.working) this.listener.expired(order, 'no_liquidity', ts);
      } else {
        this.arriveLimit(order, ts, false);
      }
    }
  }

  private consumed(side: number, price: number): number {
    for (let i = 0; i < this.overlayCount; i++) {
      if (this.overlaySide[i] === side && this.overlayPrice[i] === price) return this.overlayAmount[i] ?? 0;
    }
    return 0;
  }

  private consume(side: number, price: number, amount: number): void {
    for (let i = 0; i < this.overlayCount; i++) {
      if (this.overlaySide[i] === side && this.overlayPrice[i] === price) {
        this.overlayAmount[i] = (this.overlayAmount[i] ?? 0) + amount;
        return;
      }
    }
    if (this.overlayCount === this.overlaySide.length) this.growOverlay();
    this.overlaySide[this.overlayCount] = side;
    this.overlayPrice[this.overlayCount] = price;
    this.overlayAmount[this.overlayCount] = amount;
    this.overlayCount++;
  }

  /** A book update at a level refreshes it: what we took there is forgotten. */
  private forget(side: number, price: number): void {
    for (let i = 0; i < this.overlayCount; i++) {
      if (this.overlaySide[i] !== side || this.overlayPrice[i] !== price) continue;
      const last = --this.overlayCount;
      this.overlaySide[i] = this.overlaySide[last] ?? 0;
      this.overlayPrice[i] = this.overlayPrice[last] ?? 0;
      this.overlayAmount[i] = this.overlayAmount[last] ?? 0;
      return;
    }
  }

  private growOverlay(): void {
    const size = this.overlaySide.length * 2;
    const sides = new Int8Array(size);
    const prices = new Float64Array(size);
    const amounts = new Float64Array(size);
    sides.set(this.overlaySide);
    prices.set(this.overlayPrice);
    amounts.set(this.overlayAmount);
    this.overlaySide = sides;
    this.overlayPrice = prices;
    this.overlayAmount = amounts;
  }
}

/** Why an order the owner would not let fill (further) ends. */
export function cutShort(order: WorkingOrder): 'buying_power' | 'reduce_only_flat' {
  return order.shortOfBuyingPower ? 'buying_power' : 'reduce_only_flat';
}

function remove(list: WorkingOrder[], order: WorkingOrder): boolean {
  const at = list.indexOf(order);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
}
