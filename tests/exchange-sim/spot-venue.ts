/**
 * The trading side of the Binance simulator: accounts with free and locked balances, our
 * orders, and a matching engine against the demo book the simulator publishes.
 *
 * Matching (what a test can rely on):
 * - A MARKET order, or the crossing part of a LIMIT order, walks the published book level by
 *   level (one fill per level, so an order that crosses several levels is filled in parts);
 *   what the book cannot absorb expires (Binance's EXPIRED for a market order out of depth).
 *   Our fills do not move the public book: the demo market owns it.
 * - A resting LIMIT order fills when the market trades THROUGH it (a print strictly below a
 *   buy, strictly above a sell), at its own price, as maker, up to the printed amount; a
 *   print at its price does not fill it (its queue position is unknown). So a small print
 *   fills part of a large order.
 * - Commission is `feeRate` of what the account receives, in the received asset (Binance's
 *   default without BNB).
 * - Stop orders (STOP_LOSS: market on trigger, STOP_LOSS_LIMIT: limit on trigger) rest
 *   untriggered (status NEW, `isWorking` false, `workingTime` -1) and are triggered by the
 *   venue's own last trade price: a SELL when a print is at or below its stopPrice, a BUY at or
 *   above (Binance spot's STOP_LOSS direction). A stop the last price has already reached is
 *   refused (-2010 "Stop price would trigger immediately."). Funds are reserved at placement:
 *   the base for a sell; for a buy the quote at the limit price (STOP_LOSS_LIMIT) or at the
 *   stop price (STOP_LOSS, the simulator's choice: Binance does not publish what it holds for
 *   a market buy stop). On trigger an executionReport NEW with `w` true reports it working;
 *   then a STOP_LOSS walks the book as a MARKET order (what the book cannot absorb expires) and
 *   a STOP_LOSS_LIMIT takes what crosses at its limit and rests with the rest. The print that
 *   triggers a stop does not fill it (the order reaches the book after that trade).
 *
 * Validation follows Binance spot's order of checks and error codes: filters (-1013), then
 * duplicate client id and balances (-2010); unknown orders are -2011 on cancel and -2013 on
 * query.
 */

export class BinanceError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const ERRORS = {
  insufficientBalance: () =>
    new BinanceError(400, -2010, 'Account has insufficient balance for requested action.'),
  duplicateOrder: () => new BinanceError(400, -2010, 'Duplicate order sent.'),
  wouldTake: () => new BinanceError(400, -2010, 'Order would immediately match and take.'),
  filter: (name: 'LOT_SIZE' | 'PRICE_FILTER' | 'MIN_NOTIONAL') =>
    new BinanceError(400, -1013, `Filter failure: ${name}`),
  stopWouldTrigger: () => new BinanceError(400, -2010, 'Stop price would trigger immediately.'),
  notRequired: (name: string) => new BinanceError(400, -1106, `Parameter '${name}' sent when not required.`),
  unknownOrder: () => new BinanceError(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new BinanceError(400, -2013, 'Order does not exist.'),
  mandatory: (name: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidOrderType: () => new BinanceError(400, -1116, 'Invalid orderType.'),
  invalidSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  invalidTimeInForce: () => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  illegalClientId: () =>
    new BinanceError(
      400,
      -1100,
      "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
    ),
} as const;

export interface SpotMarketRules {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minQty: number;
  readonly maxQty: number;
  readonly minNotional: number;
}

export type SimOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
export type SimOrderType = 'LIMIT' | 'MARKET' | 'LIMIT_MAKER' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT';

/** Types that carry a limit price (and reserve funds at it while they rest). */
export function hasLimitPrice(type: SimOrderType): boolean {
  return type === 'LIMIT' || type === 'LIMIT_MAKER' || type === 'STOP_LOSS_LIMIT';
}

export function isStopType(type: SimOrderType): boolean {
  return type === 'STOP_LOSS' || type === 'STOP_LOSS_LIMIT';
}

/** Binance spot STOP_LOSS: a sell triggers at or below its stop price, a buy at or above. */
export function stopReached(side: 'BUY' | 'SELL', stopPrice: number, lastPrice: number): boolean {
  return side === 'SELL' ? lastPrice <= stopPrice + EPS : lastPrice >= stopPrice - EPS;
}

export interface SimOrder {
  readonly account: string;
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: SimOrderType;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK';
  /** Limit price; 0 for market orders (as Binance reports it). */
  readonly price: number;
  /** Trigger price of a stop order; 0 for the other types (as Binance reports it). */
  readonly stopPrice: number;
  /** False while a stop order waits for its trigger (Binance's `isWorking`). */
  isWorking: boolean;
  /** When the order started working on the book; -1 while a stop waits for its trigger. */
  workingTime: number;
  readonly origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: SimOrderStatus;
  readonly time: number;
  updateTime: number;
  /** Still reserved for this order: quote for a buy (at its limit price), base for a sell. */
  locked: number;
}

export interface SimFill {
  readonly id: number;
  readonly account: string;
  readonly symbol: string;
  readonly orderId: number;
  readonly price: number;
  readonly qty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  readonly time: number;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
}

export interface PlaceParams {
  readonly side: 'BUY' | 'SELL';
  readonly type: SimOrderType;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK';
  readonly quantity: number;
  readonly price: number;
  /** Trigger price of STOP_LOSS / STOP_LOSS_LIMIT; NaN for the other types. */
  readonly stopPrice: number;
  readonly clientOrderId: string;
}

/** Levels of the published book, best first. */
export interface BookSides {
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** One change of one order, as Binance's executionReport reports it. */
export interface VenueExecution {
  readonly order: SimOrder;
  readonly execType: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';
  /** The fill of a TRADE, null otherwise. */
  readonly fill: SimFill | null;
}

interface Balance {
  free: number;
  locked: number;
}

const EPS = 1e-9;

/** Balances are kept to 8 decimals, as Binance reports them. */
function round8(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

function isMultiple(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

/** PRICE_FILTER: at least the tick (minPrice here) and a multiple of it. */
function onTick(price: number, rules: SpotMarketRules): boolean {
  return price >= rules.tickSize - EPS && isMultiple(price, rules.tickSize);
}

/** What the opposite side of the book gives an order: one take per level, best first. */
function walk(
  opposite: BookSides['bids'],
  quantity: number,
  crosses: (levelPrice: number) => boolean,
  timeInForce: 'GTC' | 'IOC' | 'FOK',
): [number, number][] {
  const takes: [number, number][] = [];
  let left = quantity;
  for (const [levelPrice, size] of opposite) {
    if (left <= EPS || !crosses(levelPrice)) break;
    const take = round8(Math.min(left, size));
    takes.push([levelPrice, take]);
    left = round8(left - take);
  }
  // Binance accepts a FOK it cannot fill and expires it at once.
  if (timeInForce === 'FOK' && left > EPS) return [];
  return takes;
}

export class SpotVenue {
  private readonly balances = new Map<string, Map<string, Balance>>();
  private readonly orderList: SimOrder[] = [];
  private readonly fillList: SimFill[] = [];
  private nextOrderId = 1;
  private nextFillId = 1;
  /** Sees every order change (the user data stream). */
  onExecution: ((execution: VenueExecution) => void) | null = null;

  constructor(
    private readonly clock: () => number,
    private readonly feeRate: number,
  ) {}

  hasAccount(account: string): boolean {
    return this.balances.has(account);
  }

  /** Opens (or tops up) an account with free balances. */
  fund(account: string, amounts: Readonly<Record<string, number>>): void {
    let wallet = this.balances.get(account);
    if (wallet === undefined) {
      wallet = new Map();
      this.balances.set(account, wallet);
    }
    for (const [asset, amount] of Object.entries(amounts)) {
      const balance = this.balance(wallet, asset);
      balance.free = round8(balance.free + amount);
    }
  }

  wallet(account: string): Record<string, { free: number; locked: number }> {
    const out: Record<string, { free: number; locked: number }> = {};
    for (const [asset, b] of this.balances.get(account) ?? [])
      out[asset] = { free: b.free, locked: b.locked };
    return out;
  }

  orders(account?: string): readonly SimOrder[] {
    return account === undefined ? this.orderList : this.orderList.filter((o) => o.account === account);
  }

  fills(account?: string): readonly SimFill[] {
    return account === undefined ? this.fillList : this.fillList.filter((f) => f.account === account);
  }

  /**
   * A new order. `lastPrice` is the venue's last trade price: what a stop order is judged
   * against (refused when it would trigger at once).
   */
  place(
    account: string,
    rules: SpotMarketRules,
    params: PlaceParams,
    book: BookSides,
    lastPrice: number,
  ): SimOrder {
    const now = this.clock();
    const { side, type, quantity, price, stopPrice } = params;
    const isLimit = hasLimitPrice(type);
    const isStop = isStopType(type);
    if (isLimit && !onTick(price, rules)) throw ERRORS.filter('PRICE_FILTER');
    // PRICE_FILTER applies to the stop price too.
    if (isStop && !onTick(stopPrice, rules)) throw ERRORS.filter('PRICE_FILTER');
    if (
      !(quantity >= rules.minQty - EPS) ||
      quantity > rules.maxQty + EPS ||
      !isMultiple(quantity, rules.stepSize)
    )
      throw ERRORS.filter('LOT_SIZE');
    const opposite = side === 'BUY' ? book.asks : book.bids;
    const reference = isLimit ? price : isStop ? stopPrice : (opposite[0]?.[0] ?? 0);
    if (quantity * reference < rules.minNotional - EPS) throw ERRORS.filter('MIN_NOTIONAL');
    if (
      this.orderList.some(
        (o) => o.account === account && o.clientOrderId === params.clientOrderId && isOpen(o),
      )
    )
      throw ERRORS.duplicateOrder();
    if (isStop && stopReached(side, stopPrice, lastPrice)) throw ERRORS.stopWouldTrigger();
    const crosses = (levelPrice: number): boolean =>
      !isLimit || (side === 'BUY' ? levelPrice <= price + EPS : levelPrice >= price - EPS);
    if (type === 'LIMIT_MAKER' && opposite[0] !== undefined && crosses(opposite[0][0]))
      throw ERRORS.wouldTake();

    // What the book would give, before touching any balance (a stop takes nothing yet).
    const takes = isStop ? [] : walk(opposite, quantity, crosses, params.timeInForce);
    const wallet = this.balances.get(account);
    if (wallet === undefined) throw ERRORS.insufficientBalance();
    const spendAsset = side === 'BUY' ? rules.quote : rules.base;
    const spend = this.balance(wallet, spendAsset);
    const needed =
      side === 'SELL'
        ? quantity
        : isLimit
          ? quantity * price
          : isStop
            ? quantity * stopPrice
            : takes.reduce((sum, [p, q]) => sum + p * q, 0);
    if (spend.free + EPS < needed) throw ERRORS.insufficientBalance();

    const order: SimOrder = {
      account,
      symbol: rules.symbol,
      orderId: this.nextOrderId++,
      clientOrderId: params.clientOrderId,
      side,
      type,
      timeInForce: params.timeInForce,
      price: isLimit ? price : 0,
      stopPrice: isStop ? stopPrice : 0,
      isWorking: !isStop,
      workingTime: isStop ? -1 : now,
      origQty: quantity,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      locked: 0,
    };
    this.orderList.push(order);
    this.onExecution?.({ order, execType: 'NEW', fill: null });
    if (isLimit || isStop) {
      order.locked = round8(needed);
      spend.free = round8(spend.free - needed);
      spend.locked = round8(spend.locked + needed);
    }
    if (isStop) return order;
    for (const [levelPrice, take] of takes) this.execute(order, rules, levelPrice, take, false, now);
    if (isOpen(order) && (type === 'MARKET' || params.timeInForce !== 'GTC'))
      this.close(order, rules, 'EXPIRED', now);
    return order;
  }

  cancel(
    account: string,
    rules: SpotMarketRules,
    ref: { orderId?: number; clientOrderId?: string },
  ): SimOrder {
    const order = this.find(account, rules.symbol, ref);
    if (order === undefined || !isOpen(order)) throw ERRORS.unknownOrder();
    this.close(order, rules, 'CANCELED', this.clock());
    return order;
  }

  query(account: string, symbol: string, ref: { orderId?: number; clientOrderId?: string }): SimOrder {
    const order = this.find(account, symbol, ref);
    if (order === undefined) throw ERRORS.orderDoesNotExist();
    return order;
  }

  openOrders(account: string, symbol: string | null): SimOrder[] {
    return this.orderList.filter(
      (o) => o.account === account && isOpen(o) && (symbol === null || o.symbol === symbol),
    );
  }

  /**
   * A print on the public tape: resting limit orders it traded through fill at their own
   * price, oldest first, sharing the printed amount; then every untriggered stop the print
   * reached is triggered and executes against `book` (the published book).
   */
  onMarketTrade(rules: SpotMarketRules, tradePrice: number, amount: number, book: BookSides): SimFill[] {
    const now = this.clock();
    const before = this.fillList.length;
    let available = amount;
    for (const order of this.orderList) {
      if (available <= EPS) break;
      if (order.symbol !== rules.symbol || !isOpen(order) || !order.isWorking || !hasLimitPrice(order.type))
        continue;
      const through = order.side === 'BUY' ? tradePrice < order.price - EPS : tradePrice > order.price + EPS;
      if (!through) continue;
      const take = round8(Math.min(order.origQty - order.executedQty, available));
      available = round8(available - take);
      this.execute(order, rules, order.price, take, true, now);
    }
    const reached = this.orderList.filter(
      (o) =>
        o.symbol === rules.symbol &&
        isOpen(o) &&
        !o.isWorking &&
        stopReached(o.side, o.stopPrice, tradePrice),
    );
    for (const order of reached) this.trigger(order, rules, book, now);
    return this.fillList.slice(before);
  }

  /** A stop reached: it starts working and executes as a market or a limit order. */
  private trigger(order: SimOrder, rules: SpotMarketRules, book: BookSides, now: number): void {
    order.isWorking = true;
    order.workingTime = now;
    order.updateTime = now;
    this.onExecution?.({ order, execType: 'NEW', fill: null });
    const opposite = order.side === 'BUY' ? book.asks : book.bids;
    if (order.type === 'STOP_LOSS') {
      // The reservation goes back; the market order pays from the free balance like any other.
      this.release(order, rules);
      const takes = walk(opposite, order.origQty, () => true, order.timeInForce);
      const wallet = this.balances.get(order.account);
      const cost = takes.reduce((sum, [p, q]) => sum + p * q, 0);
      const spend =
        wallet === undefined ? 0 : this.balance(wallet, order.side === 'BUY' ? rules.quote : rules.base).free;
      if (spend + EPS >= (order.side === 'BUY' ? cost : order.origQty))
        for (const [levelPrice, take] of takes) this.execute(order, rules, levelPrice, take, false, now);
      if (isOpen(order)) this.close(order, rules, 'EXPIRED', now);
      return;
    }
    const limit = order.price;
    const crosses = (levelPrice: number): boolean =>
      order.side === 'BUY' ? levelPrice <= limit + EPS : levelPrice >= limit - EPS;
    const takes = walk(opposite, order.origQty, crosses, order.timeInForce);
    for (const [levelPrice, take] of takes) this.execute(order, rules, levelPrice, take, false, now);
    if (isOpen(order) && order.timeInForce !== 'GTC') this.close(order, rules, 'EXPIRED', now);
  }

  private execute(
    order: SimOrder,
    rules: SpotMarketRules,
    price: number,
    qty: number,
    isMaker: boolean,
    now: number,
  ): void {
    const wallet = this.balances.get(order.account);
    if (wallet === undefined || qty <= EPS) return;
    const baseBalance = this.balance(wallet, rules.base);
    const quoteBalance = this.balance(wallet, rules.quote);
    const notional = round8(price * qty);
    let commission: number;
    // Limit-priced orders pay from what they reserved; market orders (a triggered STOP_LOSS
    // included, its reservation released) from the free balance.
    const fromFree = !hasLimitPrice(order.type);
    if (order.side === 'BUY') {
      if (fromFree) {
        quoteBalance.free = round8(quoteBalance.free - notional);
      } else {
        // Reserved at the limit price; a better price refunds the difference.
        const reserved = round8(Math.min(order.locked, order.price * qty));
        order.locked = round8(order.locked - reserved);
        quoteBalance.locked = round8(quoteBalance.locked - reserved);
        quoteBalance.free = round8(quoteBalance.free + reserved - notional);
      }
      commission = round8(qty * this.feeRate);
      baseBalance.free = round8(baseBalance.free + qty - commission);
    } else {
      if (fromFree) {
        baseBalance.free = round8(baseBalance.free - qty);
      } else {
        order.locked = round8(order.locked - qty);
        baseBalance.locked = round8(baseBalance.locked - qty);
      }
      commission = round8(notional * this.feeRate);
      quoteBalance.free = round8(quoteBalance.free + notional - commission);
    }
    order.executedQty = round8(order.executedQty + qty);
    order.cummulativeQuoteQty = round8(order.cummulativeQuoteQty + notional);
    order.updateTime = now;
    order.status = order.executedQty >= order.origQty - EPS ? 'FILLED' : 'PARTIALLY_FILLED';
    const fill: SimFill = {
      id: this.nextFillId++,
      account: order.account,
      symbol: order.symbol,
      orderId: order.orderId,
      price,
      qty,
      commission,
      commissionAsset: order.side === 'BUY' ? rules.base : rules.quote,
      time: now,
      isBuyer: order.side === 'BUY',
      isMaker,
    };
    this.fillList.push(fill);
    if (order.status === 'FILLED') this.release(order, rules);
    this.onExecution?.({ order, execType: 'TRADE', fill });
  }

  private close(order: SimOrder, rules: SpotMarketRules, status: 'CANCELED' | 'EXPIRED', now: number): void {
    order.status = status;
    order.updateTime = now;
    this.release(order, rules);
    this.onExecution?.({ order, execType: status, fill: null });
  }

  /** Gives back what the order still reserves. */
  private release(order: SimOrder, rules: SpotMarketRules): void {
    if (order.locked <= 0) return;
    const wallet = this.balances.get(order.account);
    if (wallet === undefined) return;
    const balance = this.balance(wallet, order.side === 'BUY' ? rules.quote : rules.base);
    balance.locked = round8(balance.locked - order.locked);
    balance.free = round8(balance.free + order.locked);
    order.locked = 0;
  }

  private find(
    account: string,
    symbol: string,
    ref: { orderId?: number; clientOrderId?: string },
  ): SimOrder | undefined {
    // A client id may be reused once its order is done; the latest order with it answers.
    for (let i = this.orderList.length - 1; i >= 0; i--) {
      const o = this.orderList[i];
      if (o === undefined || o.account !== account || o.symbol !== symbol) continue;
      if (ref.orderId !== undefined ? o.orderId === ref.orderId : o.clientOrderId === ref.clientOrderId)
        return o;
    }
    return undefined;
  }

  private balance(wallet: Map<string, Balance>, asset: string): Balance {
    let balance = wallet.get(asset);
    if (balance === undefined) {
      balance = { free: 0, locked: 0 };
      wallet.set(asset, balance);
    }
    return balance;
  }
}

export function isOpen(order: SimOrder): boolean {
  return order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';
}
