/**
 * Orders as the backtest engine, the paper broker and (later) the live broker see them: what
 * a strategy asks for (OrderRequest, OrderIntent), the engine's working record of an order
 * (WorkingOrder) and the lifecycle events it goes through (OrderEvent).
 *
 * Quantities are base-currency amounts, always positive; `side` carries the direction.
 * Prices are quote per base. A missing price is NaN inside the engine (never 0).
 */

export type OrderSide = 'buy' | 'sell';

/** `stop` becomes a market order and `stop_limit` a limit order once the stop triggers. */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';

/** `gtc` rests until filled or cancelled; `ioc` takes what it can on arrival and the rest expires. */
export type TimeInForce = 'gtc' | 'ioc';

/** Maker: our order rested and was hit. Taker: our order took resting liquidity. */
export type Liquidity = 'maker' | 'taker';

export interface OrderRequest {
  /** Chosen by the strategy, unique per run; every later intent and event refers to it. */
  readonly clientId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  /** Limit price: required for `limit` and `stop_limit`. */
  readonly price?: number;
  /** Trigger price: required for `stop` and `stop_limit`. */
  readonly stopPrice?: number;
  readonly timeInForce?: TimeInForce;
  /** Rejected instead of taking liquidity if it would cross on arrival. */
  readonly postOnly?: boolean;
  /** May only shrink the position: clipped to it, rejected if it would grow it. */
  readonly reduceOnly?: boolean;
  /** The order expires at this market time (ms) if still working. */
  readonly goodTillTs?: number;
}

/** What a strategy returns: new orders, cancels and amendments, all by client order id. */
export type OrderIntent =
  | { readonly kind: 'submit'; readonly order: OrderRequest }
  | { readonly kind: 'cancel'; readonly clientId: string }
  | {
      readonly kind: 'replace';
      readonly clientId: string;
      /** New limit price; a price change sends the order to the back of the queue. */
      readonly price?: number;
      /** New total quantity (filled part included); a pure reduction keeps queue priority. */
      readonly quantity?: number;
    };

export type OrderStatus =
  | 'pending' // sent, not yet at the venue (latency)
  | 'open' // working at the venue, nothing filled
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'expired';

export type RejectReason =
  | 'invalid_quantity'
  | 'invalid_price'
  | 'missing_price'
  | 'missing_stop_price'
  | 'post_only_needs_limit'
  | 'duplicate_client_id'
  | 'post_only_would_cross'
  | 'reduce_only_would_increase'
  | 'unknown_order'
  | 'order_not_working';

/**
 * Why an order ended without being filled completely. `buying_power`: the account could not
 * pay for (spot) or margin (perpetual) the rest (accounting.ts, margin.ts).
 */
export type ExpireReason =
  'ioc_remainder' | 'no_liquidity' | 'good_till' | 'reduce_only_flat' | 'buying_power';

export type OrderEvent =
  | { readonly kind: 'accepted'; readonly ts: number; readonly clientId: string }
  | {
      readonly kind: 'rejected';
      readonly ts: number;
      readonly clientId: string;
      readonly reason: RejectReason;
    }
  | { readonly kind: 'triggered'; readonly ts: number; readonly clientId: string }
  | {
      readonly kind: 'partially_filled' | 'filled';
      readonly ts: number;
      readonly clientId: string;
      readonly price: number;
      readonly quantity: number;
      readonly liquidity: Liquidity;
      readonly fee: number;
      /** Quantity still working after this fill. */
      readonly remaining: number;
    }
  | {
      readonly kind: 'replaced';
      readonly ts: number;
      readonly clientId: string;
      readonly price: number;
      readonly quantity: number;
    }
  | { readonly kind: 'cancelled'; readonly ts: number; readonly clientId: string }
  | {
      readonly kind: 'expired';
      readonly ts: number;
      readonly clientId: string;
      readonly reason: ExpireReason;
    };

export type OrderEventKind = OrderEvent['kind'];

/** One execution against our order. */
export interface Fill {
  readonly ts: number;
  readonly clientId: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly quantity: number;
  readonly liquidity: Liquidity;
  /** Quote currency, positive = paid. */
  readonly fee: number;
  /** Mid (candle mode: close) when the strategy decided; NaN if there was none. */
  readonly decisionMid: number;
}

/**
 * The engine's mutable record of one order. One object per order (never per event); the
 * fill model keeps its queue state here so it needs no lookup on the hot path.
 */
export class WorkingOrder {
  status: OrderStatus = 'pending';
  /** Total quantity; `replace` may change it. */
  quantity: number;
  /** Limit price (NaN for market and stop). */
  price: number;
  readonly stopPrice: number;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly goodTillTs: number;
  filled = 0;
  /** Sum of price * quantity over fills, so avgFillPrice = filledNotional / filled. */
  filledNotional = 0;
  fees = 0;
  /** Market time the venue accepted it (NaN while pending). */
  liveTs = Number.NaN;
  /** A stop whose trigger price traded; from then on it behaves as its market/limit self. */
  triggered = false;
  /** Fill model: visible size ahead of us in the level's queue. */
  queueAhead = 0;
  /** Fill model: traded volume at our level not yet reflected by a book update. */
  tradedUnseen = 0;
  /** Set when the account's buying power held back part of this order (the rest then expires). */
  shortOfBuyingPower = false;

  constructor(
    readonly clientId: string,
    readonly side: OrderSide,
    readonly type: OrderType,
    request: OrderRequest,
    /** Market time the strategy decided. */
    readonly decisionTs: number,
    /** Mid (candle mode: close) at the decision, for slippage attribution. */
    readonly decisionMid: number,
  ) {
    this.quantity = request.quantity;
    this.price = request.price ?? Number.NaN;
    this.stopPrice = request.stopPrice ?? Number.NaN;
    this.timeInForce = request.timeInForce ?? 'gtc';
    this.postOnly = request.postOnly ?? false;
    this.reduceOnly = request.reduceOnly ?? false;
    this.goodTillTs = request.goodTillTs ?? Number.POSITIVE_INFINITY;
  }

  get remaining(): number {
    return this.quantity - this.filled;
  }

  get avgFillPrice(): number {
    return this.filled > 0 ? this.filledNotional / this.filled : Number.NaN;
  }

  /** +1 for a buy, -1 for a sell. */
  get sign(): 1 | -1 {
    return this.side === 'buy' ? 1 : -1;
  }

  /** Still able to fill: at the venue or on its way there. */
  get working(): boolean {
    return this.status === 'pending' || this.status === 'open' || this.status === 'partially_filled';
  }

  /** True once the order acts as a limit order (limit, or a triggered stop-limit). */
  get isLimit(): boolean {
    return this.type === 'limit' || (this.type === 'stop_limit' && this.triggered);
  }
}

/** What `validateOrderRequest` reads: the live broker checks requests before it has a client id. */
export type OrderRequestShape = Pick<OrderRequest, 'type' | 'quantity' | 'price' | 'stopPrice' | 'postOnly'>;

/**
 * Static checks of a request; venue-dependent checks (post-only, reduce-only) come on arrival.
 * One validator for the backtest engine, the paper venue and the live broker, so an order a
 * backtest rejects is never sent live and the other way round.
 */
export function validateOrderRequest(request: OrderRequestShape): RejectReason | null {
  if (!(request.quantity > 0) || !Number.isFinite(request.quantity)) return 'invalid_quantity';
  const needsPrice = request.type === 'limit' || request.type === 'stop_limit';
  const needsStop = request.type === 'stop' || request.type === 'stop_limit';
  if (needsPrice && request.price === undefined) return 'missing_price';
  if (needsStop && request.stopPrice === undefined) return 'missing_stop_price';
  if (request.price !== undefined && (!(request.price > 0) || !Number.isFinite(request.price)))
    return 'invalid_price';
  if (request.stopPrice !== undefined && (!(request.stopPrice > 0) || !Number.isFinite(request.stopPrice)))
    return 'invalid_price';
  if (request.postOnly === true && request.type !== 'limit') return 'post_only_needs_limit';
  return null;
}

/** A sentence naming what `validateOrderRequest` found wrong with `request`, for a user. */
export function describeInvalidRequest(reason: RejectReason, request: OrderRequestShape): string {
  switch (reason) {
    case 'invalid_quantity':
      return `quantity must be a finite positive number, got ${request.quantity}`;
    case 'missing_price':
      return `a ${request.type} order without a price`;
    case 'missing_stop_price':
      return `a ${request.type} order without a stop price`;
    case 'invalid_price':
      return request.price !== undefined && !(request.price > 0 && Number.isFinite(request.price))
        ? `price must be a finite positive number, got ${request.price}`
        : `stop price must be a finite positive number, got ${String(request.stopPrice)}`;
    case 'post_only_needs_limit':
      return `a post-only ${request.type} order`;
    case 'duplicate_client_id':
    case 'post_only_would_cross':
    case 'reduce_only_would_increase':
    case 'unknown_order':
    case 'order_not_working':
      return reason.replaceAll('_', ' ');
    default:
      return reason satisfies never;
  }
}
