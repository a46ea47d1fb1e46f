import { cutShort, type FillListener, type Venue } from './fill-model.js';
import type { WorkingOrder } from './orders.js';

/** Candle mode: which price of the NEXT bar a market order gets. */
export type CandleFillPrice = 'open' | 'close';

/**
 * The candle-mode venue, for data that has only OHLCV bars. Without a book or a tape the
 * rules must be conservative and simple, and they are:
 *
 * - Orders decided at a bar's close reach the venue at the NEXT bar (latency is far below a
 *   bar and is ignored here). Nothing fills in the bar that made the decision.
 * - Market orders fill at the next bar's open (or close, by config), taker, worsened by
 *   `slippageBps`. There is no depth: the whole quantity fills.
 * - A limit order that is marketable at the open of its first bar (buy: open <= limit) fills
 *   at the open, taker; post-only is rejected instead; IOC takes this chance or expires.
 *   Otherwise it rests and fills at its limit, maker, in the first bar (its first included)
 *   whose range goes strictly THROUGH the limit (buy: low < limit). Touching the limit is not
 *   enough: without the queue we cannot know we would have been reached.
 * - A stop triggers in the first bar whose range reaches it (buy: high >= stop), at
 *   max(open, stop) for a buy (min for a sell: a gap fills at the open). A stop fills there,
 *   taker, with slippage. A stop-limit fills there if its limit allows that price; otherwise
 *   it becomes a resting limit from the next bar.
 */
export class BarFillModel implements Venue {
  private readonly arrivals: WorkingOrder[] = [];
  private readonly resting: WorkingOrder[] = [];
  private readonly stops: WorkingOrder[] = [];

  constructor(
    private readonly listener: FillListener,
    private readonly fillPrice: CandleFillPrice = 'open',
    private readonly slippageBps = 0,
  ) {}

  submit(order: WorkingOrder, _ts: number): void {
    this.arrivals.push(order);
  }

  cancel(order: WorkingOrder, _ts: number): boolean {
    return remove(this.arrivals, order) || remove(this.resting, order) || remove(this.stops, order);
  }

  amend(order: WorkingOrder, price: number, quantity: number, _ts: number): void {
    order.quantity = quantity;
    order.price = price;
  }

  get hasOrders(): boolean {
    return this.arrivals.length + this.resting.length + this.stops.length > 0;
  }

  /**
   * Runs one bar against our orders. Fills are stamped with the bar's open time `ts`, except
   * market orders filled at the close (`closeTs`).
   */
  onBar(ts: number, closeTs: number, open: number, high: number, low: number, close: number): void {
    for (const order of this.arrivals) this.arrive(order, ts, closeTs, open, close);
    this.arrivals.length = 0;
    for (let i = 0; i < this.resting.length; i++) {
      const order = this.resting[i];
      if (order === undefined) continue;
      const through = order.side === 'buy' ? low < order.price : high > order.price;
      if (!through) continue;
      const quantity = Math.min(order.remaining, this.listener.capacity(order, order.price, 'maker'));
      if (quantity > 0) this.listener.fill(order, order.price, quantity, 'maker', ts);
      if (quantity <= 0 || (order.working && order.shortOfBuyingPower))
        this.listener.expired(order, cutShort(order), ts);
      if (!order.working) this.resting.splice(i--, 1);
    }
    for (let i = 0; i < this.stops.length; i++) {
      const order = this.stops[i];
      if (order === undefined) continue;
      const buy = order.side === 'buy';
      if (buy ? high < order.stopPrice : low > order.stopPrice) continue;
      this.stops.splice(i--, 1);
      order.triggered = true;
      this.listener.triggered(order, ts);
      const at = buy ? Math.max(open, order.stopPrice) : Math.min(open, order.stopPrice);
      if (order.type === 'stop' || (buy ? order.price >= at : order.price <= at)) this.taker(order, at, ts);
      else this.resting.push(order); // from the next bar: we do not know the path inside this one
    }
  }

  private arrive(order: WorkingOrder, ts: number, closeTs: number, open: number, close: number): void {
    switch (order.type) {
      case 'market':
        this.listener.accepted(order, ts);
        if (this.fillPrice === 'open') this.taker(order, open, ts);
        else this.taker(order, close, closeTs);
        return;
      case 'limit': {
        const marketable = order.side === 'buy' ? open <= order.price : open >= order.price;
        if (marketable && order.postOnly) {
          this.listener.rejected(order, 'post_only_would_cross', ts);
          return;
        }
        this.listener.accepted(order, ts);
        if (marketable) this.taker(order, open, ts, false);
        else if (order.timeInForce === 'ioc') this.listener.expired(order, 'ioc_remainder', ts);
        else this.resting.push(order);
        return;
      }
      case 'stop':
      case 'stop_limit':
        this.listener.accepted(order, ts);
        this.stops.push(order);
        return;
      default:
        return order.type satisfies never;
    }
  }

  /**
   * A taker fill of what the owner allows at `price` (worsened by the slippage); a rest the
   * owner holds back expires, since a bar gives a market order one chance.
   */
  private taker(order: WorkingOrder, price: number, ts: number, slip = true): void {
    // At 0 bps the price is the bar's price itself, not a product that rounds differently.
    const filled =
      slip && this.slippageBps !== 0 ? price * (1 + (order.sign * this.slippageBps) / 10_000) : price;
    const quantity = Math.min(order.remaining, this.listener.capacity(order, filled, 'taker'));
    if (quantity > 0) this.listener.fill(order, filled, quantity, 'taker', ts, price);
    if (order.working) this.listener.expired(order, cutShort(order), ts);
  }
}

function remove(list: WorkingOrder[], order: WorkingOrder): boolean {
  const at = list.indexOf(order);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
}
