import { isSameBookMessage, type MarketEvent } from '../domain/market.js';
import type { ReadonlyOrderBook } from '../market/order-book.js';
import { createRng } from '../market/rng.js';
import { Account, type RoundTrip } from './accounting.js';
import { BarFillModel, type CandleFillPrice } from './bar-fill-model.js';
import {
  createLatency,
  feeOf,
  ZERO_LATENCY,
  type FeeSchedule,
  type LatencyConfig,
  type LatencyModel,
} from './costs.js';
import { FillModel, type FillListener, type Venue } from './fill-model.js';
import { checkFundingSchedule, type FundingSchedule } from './funding.js';
import {
  affordable,
  buyingPowerQuantity,
  liquidationPrice,
  SPOT_ACCOUNT,
  type AccountRules,
} from './margin.js';
import {
  validateOrderRequest,
  WorkingOrder,
  type ExpireReason,
  type Fill,
  type Liquidity,
  type OrderEvent,
  type OrderIntent,
  type RejectReason,
} from './orders.js';
import type { BarView, FeatureSource, Strategy, StrategyContext } from './strategy.js';
import { ClockBar } from '../candles/clock-bar.js';

/**
 * The backtest engine: deterministic replay of market data through a strategy, with
 * realistic order handling and accounting. Two modes, ONE core:
 *
 * - EventBacktest replays trades and book snapshots/deltas in (ts, seq) order, maintains
 *   the full L2 book and fills orders with FillModel (depth, queue position, latency).
 * - CandleBacktest replays OHLCV bars and fills with BarFillModel.
 *
 * Both extend BacktestCore, which owns everything else: intents -> orders, latency (a
 * time-ordered queue of actions reaching the venue), the order lifecycle, accounting, the
 * equity curve and the strategy calls. The paper broker will drive the same core live.
 *
 * Determinism: no clock and no Math.random; the only randomness (sampled latency) comes from
 * a generator seeded by `config.seed`. Same input, same config -> the same result, bit for bit.
 */

export interface BacktestConfig {
  readonly strategy: Strategy;
  readonly initialCash: number;
  /**
   * Given when the engine takes over an account (the paper venue's): the position it holds
   * from the start (quantity 0: flat), and `initialCash` is the account's cash, which may be
   * zero or negative after fees. Backtests start flat from positive cash and leave it out.
   */
  readonly initialPosition?: { readonly quantity: number; readonly avgEntryPrice: number };
  readonly fees: FeeSchedule;
  /** Event mode only (candle mode ignores latency, see BarFillModel). Default: zero. */
  readonly latency?: LatencyConfig;
  /** Seeds the latency sampling. */
  readonly seed?: number;
  readonly features?: FeatureSource;
  /** Event mode: equity is sampled on this grid of market time (ms). Default 1000. */
  readonly equityIntervalMs?: number;
  /** Event mode: build bars of this duration from trades and call `onBar` (0 = none). */
  readonly barMs?: number;
  /** Candle mode: market orders fill at the next bar's open (default) or close. */
  readonly candleFill?: CandleFillPrice;
  /** Candle mode: taker fills are worsened by this many basis points. */
  readonly slippageBps?: number;
  /**
   * What the account may hold and how much of an order it can pay for (margin.ts). Default:
   * spot, shorts collateralised 1:1. An order beyond buying power is reduced to what it
   * allows (floored to `lotStep`) or refused when nothing is left; both are counted.
   */
  readonly account?: AccountRules;
  /** Amount step a reduced order is floored to (0: none). */
  readonly lotStep?: number;
  /**
   * Event mode, perpetual accounts: the stored funding times and rates of the run's range
   * (funding.ts). Each is paid at the mark when market time reaches it. Candle mode takes its
   * funding with the bars (CandleSeries.fundingRate). Spot accounts pay none.
   */
  readonly funding?: FundingSchedule;
  /**
   * A run whose equity reaches zero stops there and is marked ruined: its curve ends at 0 and
   * no order is sent after. Default: on for backtests (no `initialPosition`); an account taken
   * over (the paper venue's) may start at zero cash and is not stopped.
   */
  readonly stopOnRuin?: boolean;
  /**
   * What the result keeps. `full` (default): every fill and order event, for the report's
   * tables. `trades`: round trips and the equity curve only, all that metrics need; sweeps
   * run thousands of configurations and keep no per-order history.
   */
  readonly log?: 'full' | 'trades';
}

/** A growable column of numbers (typed, so the curve of a year of bars costs no objects). */
class Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
  /** Makes room for `capacity` values at once (candle mode knows its length up front). */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = new Float64Array(capacity);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Mark-to-market equity over time; same length columns. */
export interface EquityCurve {
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  readonly position: Float64Array;
}

export interface BacktestResult {
  readonly initialCash: number;
  readonly finalEquity: number;
  readonly cash: number;
  readonly position: number;
  readonly avgEntryPrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly feesPaid: number;
  readonly tradedNotional: number;
  readonly curve: EquityCurve;
  readonly fills: readonly Fill[];
  readonly trips: readonly RoundTrip[];
  readonly orderEvents: readonly OrderEvent[];
  /** Events or bars replayed. */
  readonly steps: number;
  /** Equity reached zero: the run stopped at `ruinedAt` (market time; NaN when not ruined). */
  readonly ruined: boolean;
  readonly ruinedAt: number;
  /** Orders the buying power cut short (some filled) or refused (none filled). */
  readonly reducedOrders: number;
  readonly refusedOrders: number;
  /** Perpetual positions closed at the maintenance margin. */
  readonly liquidations: number;
  /** Funding paid (quote, negative = received). */
  readonly fundingPaid: number;
  /** Funding times in the run's range that were applied (0: the run had no funding, or is spot). */
  readonly fundingEvents: number;
}

type ActionKind = 'submit' | 'cancel' | 'replace' | 'expire';

/** Something reaching the venue at `at` (market time), after its latency. */
interface Action {
  readonly at: number;
  /** Arrival order for equal times: FIFO, so the replay is deterministic. */
  readonly seq: number;
  readonly kind: ActionKind;
  readonly order: WorkingOrder;
  readonly price: number;
  readonly quantity: number;
}

/** A binary min-heap of actions by (at, seq). */
class ActionQueue {
  private readonly items: Action[] = [];
  get size(): number {
    return this.items.length;
  }
  /** Time of the next action; +Infinity when empty (so `next <= ts` is a cheap check). */
  get next(): number {
    return this.items[0]?.at ?? Number.POSITIVE_INFINITY;
  }
  push(action: Action): void {
    const items = this.items;
    items.push(action);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (p === undefined || !before(action, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = action;
  }
  pop(): Action | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const l = items[left];
      const r = items[right];
      let child = left;
      let c = l;
      if (r !== undefined && l !== undefined && before(r, l)) {
        child = right;
        c = r;
      }
      if (c === undefined || !before(c, last)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: Action, b: Action): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Shared order handling, accounting and strategy calls of both modes. */
export abstract class BacktestCore implements FillListener, StrategyContext {
  protected readonly strategy: Strategy;
  protected readonly featureSource: FeatureSource | null;
  protected readonly account: Account;
  protected readonly fees: FeeSchedule;
  private readonly latency: LatencyModel;
  private readonly actions = new ActionQueue();
  private actionSeq = 0;
  /**
   * Working orders by client id. Finished orders leave it (their events and fills stay in
   * the logs), so a long run does not keep every order alive, and a client id may be reused
   * once its order is done, as on most venues.
   */
  private readonly orders = new Map<string, WorkingOrder>();
  private readonly working: WorkingOrder[] = [];
  private readonly fillLog: Fill[] = [];
  private readonly eventLog: OrderEvent[] = [];
  private readonly keepLog: boolean;
  /** Order events are built only if someone reads them: the log or the strategy. */
  private readonly wantEvents: boolean;
  private idSeq = 0;
  protected readonly curveTs = new Column();
  protected readonly curveEquity = new Column();
  protected readonly curvePosition = new Column();
  protected abstract readonly venue: Venue;
  protected steps = 0;
  protected readonly rules: AccountRules;
  private readonly lotStep: number;
  private readonly stopOnRuin: boolean;
  protected ruined = false;
  private ruinedAt = Number.NaN;
  private reducedOrders = 0;
  private refusedOrders = 0;
  private liquidations = 0;
  protected fundingEvents = 0;

  // StrategyContext fields, kept current by the modes.
  ts = Number.NaN;
  mark = Number.NaN;
  features: Float64Array | null = null;
  abstract readonly book: ReadonlyOrderBook | null;

  constructor(config: BacktestConfig, latency: LatencyConfig) {
    const held = config.initialPosition;
    if (held === undefined) {
      if (!(config.initialCash > 0))
        throw new RangeError(`initialCash must be > 0, got ${config.initialCash}`);
    } else if (
      !Number.isFinite(config.initialCash) ||
      !Number.isFinite(held.quantity) ||
      (held.quantity !== 0 && !(held.avgEntryPrice > 0))
    )
      throw new RangeError(
        `taking over an account needs finite cash and quantity and a positive entry, got ${config.initialCash}, ${held.quantity} @ ${held.avgEntryPrice}`,
      );
    this.strategy = config.strategy;
    this.featureSource = config.features ?? null;
    this.account = new Account(config.initialCash);
    if (held !== undefined && held.quantity !== 0) this.account.hold(held.quantity, held.avgEntryPrice);
    this.fees = config.fees;
    this.latency = createLatency(latency, createRng(config.seed ?? 0));
    this.rules = config.account ?? SPOT_ACCOUNT;
    this.lotStep = config.lotStep ?? 0;
    if (!(this.lotStep >= 0)) throw new RangeError(`lotStep must be >= 0, got ${this.lotStep}`);
    this.stopOnRuin = config.stopOnRuin ?? held === undefined;
    this.keepLog = (config.log ?? 'full') === 'full';
    this.wantEvents = this.keepLog || config.strategy.onOrderEvent !== undefined;
  }

  // ---- StrategyContext ---------------------------------------------------------------------

  get position(): number {
    return this.account.position;
  }
  get cash(): number {
    return this.account.cash;
  }
  get avgEntryPrice(): number {
    return this.account.avgEntryPrice;
  }
  get equity(): number {
    return this.account.equity(this.mark);
  }
  openOrders(): readonly WorkingOrder[] {
    return this.working;
  }
  /** A working order by client id (finished orders are in the result's logs). */
  order(clientId: string): WorkingOrder | undefined {
    return this.orders.get(clientId);
  }
  nextClientId(prefix = 'o'): string {
    return `${prefix}-${++this.idSeq}`;
  }

  // ---- results -----------------------------------------------------------------------------

  result(): BacktestResult {
    const a = this.account;
    return {
      initialCash: a.initialCash,
      finalEquity: a.equity(this.mark),
      cash: a.cash,
      position: a.position,
      avgEntryPrice: a.avgEntryPrice,
      realizedPnl: a.realizedPnl,
      unrealizedPnl: a.unrealizedPnl(this.mark),
      feesPaid: a.feesPaid,
      tradedNotional: a.tradedNotional,
      curve: {
        // Views, not copies: a result is taken when the run is over.
        ts: this.curveTs.view(),
        equity: this.curveEquity.view(),
        position: this.curvePosition.view(),
      },
      fills: this.fillLog,
      trips: a.trips,
      orderEvents: this.eventLog,
      steps: this.steps,
      ruined: this.ruined,
      ruinedAt: this.ruinedAt,
      reducedOrders: this.reducedOrders,
      refusedOrders: this.refusedOrders,
      liquidations: this.liquidations,
      fundingPaid: a.fundingPaid,
      fundingEvents: this.fundingEvents,
    };
  }

  // ---- intents -> actions ------------------------------------------------------------------

  /** Turns a strategy's answer into orders and timed actions. `zeroDelay`: candle mode. */
  protected decide(intents: readonly OrderIntent[] | null, ts: number, zeroDelay: boolean): void {
    if (intents === null || this.ruined) return;
    for (const intent of intents) {
      switch (intent.kind) {
        case 'submit': {
          const request = intent.order;
          const order = new WorkingOrder(
            request.clientId,
            request.side,
            request.type,
            request,
            ts,
            this.mark,
          );
          const reason: RejectReason | null = this.orders.has(request.clientId)
            ? 'duplicate_client_id'
            : validateOrderRequest(request);
          if (reason !== null) {
            order.status = 'rejected';
            this.emit({ kind: 'rejected', ts, clientId: request.clientId, reason });
            continue;
          }
          this.orders.set(order.clientId, order);
          this.working.push(order);
          this.schedule(
            'submit',
            order,
            ts + (zeroDelay ? 0 : this.latency.submitDelay()),
            order.price,
            order.quantity,
          );
          break;
        }
        case 'cancel':
        case 'replace': {
          const order = this.orders.get(intent.clientId);
          if (order === undefined) {
            this.emit({ kind: 'rejected', ts, clientId: intent.clientId, reason: 'unknown_order' });
            continue;
          }
          const at = ts + (zeroDelay ? 0 : this.latency.cancelDelay());
          if (intent.kind === 'cancel') this.schedule('cancel', order, at, Number.NaN, Number.NaN);
          else this.schedule('replace', order, at, intent.price ?? Number.NaN, intent.quantity ?? Number.NaN);
          break;
        }
        default:
          intent satisfies never;
      }
    }
  }

  private schedule(kind: ActionKind, order: WorkingOrder, at: number, price: number, quantity: number): void {
    this.actions.push({ at, seq: this.actionSeq++, kind, order, price, quantity });
  }

  /** Delivers every action due at or before `ts` to the venue, in (time, arrival) order. */
  protected runActions(ts: number): void {
    while (this.actions.next <= ts) {
      const action = this.actions.pop();
      if (action !== undefined) this.deliver(action);
    }
  }

  protected get nextActionAt(): number {
    return this.actions.next;
  }

  private deliver(action: Action): void {
    const { order, at } = action;
    if (!order.working) return; // cancelled while in flight, or already done
    if (!(this.ts >= at)) this.ts = at; // NaN before the first event
    switch (action.kind) {
      case 'submit': {
        if (order.reduceOnly) {
          const room = this.reduceRoom(order);
          if (room <= 0) {
            this.close(order, 'rejected');
            this.emit({
              kind: 'rejected',
              ts: at,
              clientId: order.clientId,
              reason: 'reduce_only_would_increase',
            });
            return;
          }
          if (order.quantity > room) order.quantity = room; // clipped on arrival
        }
        order.liveTs = at;
        this.venue.submit(order, at);
        const resting = order.status === 'open' || order.status === 'partially_filled';
        if (resting && Number.isFinite(order.goodTillTs)) {
          this.schedule('expire', order, Math.max(at, order.goodTillTs), Number.NaN, Number.NaN);
        }
        return;
      }
      case 'cancel':
        if (order.status === 'pending' || this.venue.cancel(order, at)) {
          this.close(order, 'cancelled');
          this.emit({ kind: 'cancelled', ts: at, clientId: order.clientId });
        }
        return;
      case 'expire':
        if (order.status !== 'pending' && this.venue.cancel(order, at)) this.expired(order, 'good_till', at);
        return;
      case 'replace': {
        const price = Number.isNaN(action.price) ? order.price : action.price;
        const quantity = Number.isNaN(action.quantity) ? order.quantity : action.quantity;
        if (!(quantity > order.filled) || (order.isLimit && !(price > 0))) {
          this.emit({ kind: 'rejected', ts: at, clientId: order.clientId, reason: 'invalid_quantity' });
          return;
        }
        this.emit({ kind: 'replaced', ts: at, clientId: order.clientId, price, quantity });
        if (order.status === 'pending') {
          order.price = price;
          order.quantity = quantity;
        } else {
          this.venue.amend(order, price, quantity, at);
        }
        return;
      }
      default:
        action.kind satisfies never;
    }
  }

  private reduceRoom(order: WorkingOrder): number {
    const position = this.account.position;
    return order.side === 'buy' ? Math.max(0, -position) : Math.max(0, position);
  }

  // ---- FillListener ------------------------------------------------------------------------

  capacity(order: WorkingOrder, price: number, liquidity: Liquidity): number {
    const room = order.reduceOnly ? Math.min(order.remaining, this.reduceRoom(order)) : order.remaining;
    if (!(room > 0)) return 0;
    const a = this.account;
    const feeRate = liquidity === 'maker' ? this.fees.maker : this.fees.taker;
    const power = buyingPowerQuantity(this.rules, order.sign, a.position, a.equity(price), price, feeRate);
    const allowed = affordable(room, power, this.lotStep);
    if (allowed < room) order.shortOfBuyingPower = true;
    return allowed;
  }

  fill(
    order: WorkingOrder,
    price: number,
    quantity: number,
    liquidity: Liquidity,
    ts: number,
    reference = Number.NaN,
  ): void {
    const fee = feeOf(this.fees, liquidity, price * quantity);
    // Slippage is measured against the venue's own price when it gives one (candle mode: the
    // open or close before `slippageBps`), else against the mid at the decision.
    const base = Number.isNaN(reference) ? order.decisionMid : reference;
    const slippage = Number.isNaN(base) ? 0 : order.sign * (price - base) * quantity;
    this.account.applyFill(order.sign, price, quantity, fee, slippage, ts);
    order.filled += quantity;
    order.filledNotional += price * quantity;
    order.fees += fee;
    // Fills are summed in floating point: a remainder below a billionth of the order is dust.
    const done = order.remaining <= 1e-9 * order.quantity;
    if (done) order.filled = order.quantity;
    order.status = done ? 'filled' : 'partially_filled';
    if (done) this.close(order, 'filled');
    if (this.keepLog)
      this.fillLog.push({
        ts,
        clientId: order.clientId,
        side: order.side,
        price,
        quantity,
        liquidity,
        fee,
        decisionMid: order.decisionMid,
      });
    // Built only when someone reads it: sweeps skip the allocation.
    if (!this.wantEvents) return;
    this.emit({
      kind: done ? 'filled' : 'partially_filled',
      ts,
      clientId: order.clientId,
      price,
      quantity,
      liquidity,
      fee,
      remaining: order.remaining,
    });
  }

  accepted(order: WorkingOrder, ts: number): void {
    order.status = 'open';
    if (this.wantEvents) this.emit({ kind: 'accepted', ts, clientId: order.clientId });
  }

  rejected(order: WorkingOrder, reason: RejectReason, ts: number): void {
    this.close(order, 'rejected');
    this.emit({ kind: 'rejected', ts, clientId: order.clientId, reason });
  }

  triggered(order: WorkingOrder, ts: number): void {
    this.emit({ kind: 'triggered', ts, clientId: order.clientId });
  }

  expired(order: WorkingOrder, reason: ExpireReason, ts: number): void {
    if (reason === 'buying_power') {
      if (order.filled > 0) this.reducedOrders++;
      else this.refusedOrders++;
    }
    this.close(order, 'expired');
    this.emit({ kind: 'expired', ts, clientId: order.clientId, reason });
  }

  private close(order: WorkingOrder, status: 'filled' | 'cancelled' | 'rejected' | 'expired'): void {
    order.status = status;
    const working = this.working;
    // Usually the newest order finishes first (or it is the only one): pop, no search.
    if (working[working.length - 1] === order) working.pop();
    else {
      const at = working.indexOf(order);
      if (at >= 0) working.splice(at, 1);
    }
    if (this.orders.get(order.clientId) === order) this.orders.delete(order.clientId);
  }

  private emit(event: OrderEvent): void {
    if (!this.wantEvents) return;
    if (this.keepLog) this.eventLog.push(event);
    const strategy = this.strategy;
    if (strategy.onOrderEvent !== undefined) this.decide(strategy.onOrderEvent(event, this), event.ts, false);
  }

  protected sample(ts: number): void {
    const equity = this.account.equity(this.mark);
    this.curveTs.push(ts);
    this.curvePosition.push(this.account.position);
    if (this.stopOnRuin && !(equity > 0)) {
      // The curve ends at zero: what lies below (a gap through a stop) is lost all the same,
      // and returns past zero would have no meaning.
      this.curveEquity.push(0);
      this.ruin(ts);
      return;
    }
    this.curveEquity.push(equity);
  }

  /** Equity reached zero: every working order is cancelled and nothing more is sent. */
  private ruin(ts: number): void {
    if (this.ruined) return;
    this.ruined = true;
    this.ruinedAt = ts;
    for (const order of [...this.working]) {
      if (order.status !== 'pending') this.venue.cancel(order, ts);
      this.close(order, 'cancelled');
      this.emit({ kind: 'cancelled', ts, clientId: order.clientId });
    }
  }

  /**
   * Perpetual accounts: the position is closed when the mark reaches its liquidation price
   * (margin.ts). `worst` is the least favourable price seen since the last check (candle mode:
   * the bar's low for a long, high for a short), `open` the first: a gap through the level
   * fills at the open, otherwise the close-out is at the liquidation price itself, taker.
   */
  protected checkLiquidation(open: number, low: number, high: number, ts: number): void {
    const position = this.account.position;
    if (position === 0 || this.rules.kind !== 'perpetual') return;
    const level = liquidationPrice(this.rules, position, this.account.cash);
    if (!(level > 0)) return;
    let at: number;
    if (position > 0) {
      if (low > level) return;
      at = open <= level ? open : level;
    } else {
      if (high < level) return;
      at = open >= level ? open : level;
    }
    for (const order of [...this.working]) {
      if (order.status !== 'pending') this.venue.cancel(order, ts);
      this.close(order, 'cancelled');
      this.emit({ kind: 'cancelled', ts, clientId: order.clientId });
    }
    const quantity = Math.abs(position);
    const close = new WorkingOrder(
      this.nextClientId('liquidation'),
      position > 0 ? 'sell' : 'buy',
      'market',
      { clientId: '', side: position > 0 ? 'sell' : 'buy', type: 'market', quantity, reduceOnly: true },
      ts,
      at,
    );
    this.liquidations++;
    this.fill(close, at, quantity, 'taker', ts, at);
  }

  /** Funding at `price` and `rate` (positive: longs pay shorts), where the data carries it. */
  protected payFunding(price: number, rate: number): void {
    const position = this.account.position;
    if (position !== 0 && rate !== 0 && Number.isFinite(rate))
      this.account.payFunding(position * price * rate);
  }
}

/** Event mode: trades and L2 book updates, full book maintenance, FillModel fills. */
export class EventBacktest extends BacktestCore {
  protected readonly venue: FillModel;
  readonly book: ReadonlyOrderBook;
  private readonly equityIntervalMs: number;
  private nextSampleTs = Number.NaN;
  private lastTrade = Number.NaN;
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastSeq = Number.NEGATIVE_INFINITY;
  /** Market time reached by events or `advanceTo`; nothing older is accepted. */
  private clockTs = Number.NEGATIVE_INFINITY;
  /** Bars built from trades (only when barMs > 0). */
  private readonly bars: ClockBar | null;
  /** The last delta of a book message not yet known to be whole, or null. */
  private pendingMessage: MarketEvent | null = null;
  private readonly funding: FundingSchedule | null;
  /** Index of the next funding time not yet reached. */
  private nextFunding = 0;

  constructor(config: BacktestConfig) {
    super(config, config.latency ?? ZERO_LATENCY);
    this.venue = new FillModel(this);
    this.book = this.venue.book;
    this.equityIntervalMs = config.equityIntervalMs ?? 1000;
    const barMs = config.barMs ?? 0;
    this.bars = barMs > 0 ? new ClockBar(barMs) : null;
    if (!(this.equityIntervalMs > 0)) throw new RangeError('equityIntervalMs must be > 0');
    const funding = config.funding ?? null;
    if (funding !== null) checkFundingSchedule(funding);
    this.funding =
      funding !== null && this.rules.kind === 'perpetual' && funding.ts.length > 0 ? funding : null;
  }

  /**
   * Replays one event; events must come in (ts, seq) order (a replay that is not is refused).
   * The deltas of one book message share (instrument, ts, seq) and are applied as one unit:
   * the strategy sees the book (and decides) once the whole message is in, at the next event
   * that is not part of it, `advanceTo` or `finish`; a stored message whose levels pass
   * through a crossed book (Bybit lists a bid before the ask it replaces) is never seen half
   * applied.
   */
  onEvent(event: MarketEvent): void {
    const ts = event.ts;
    const pending = this.pendingMessage;
    const continues = pending !== null && isSameBookMessage(pending, event);
    if (pending !== null && !continues) this.endMessage();
    if (
      ts < this.clockTs ||
      ts < this.lastTs ||
      (ts === this.lastTs && event.seq <= this.lastSeq && !continues)
    ) {
      throw new RangeError(`events out of (ts, seq) order at ts ${ts}, seq ${event.seq}`);
    }
    this.lastTs = ts;
    this.lastSeq = event.seq;
    if (this.ruined) return;
    this.steps++;
    if (!continues) this.moveClock(ts);
    switch (event.kind) {
      case 'trade':
        this.lastTrade = event.price;
        this.venue.applyTrade(event, ts);
        this.bars?.add(event.price, event.amount, ts);
        break;
      case 'book_snapshot':
        this.venue.applySnapshot(event, ts);
        break;
      case 'book_delta':
        this.venue.applyDelta(event, ts);
        // Features keep their own state event by event (the feature engine groups messages
        // too); what reads the book waits for the rest of the message.
        this.featureSource?.onEvent?.(event);
        this.pendingMessage = event;
        return;
      default:
        event satisfies never;
    }
    this.featureSource?.onEvent?.(event);
    this.afterEvent(event, ts);
  }

  /** The book message in progress is whole: the strategy sees it now. */
  private endMessage(): void {
    const last = this.pendingMessage;
    if (last === null) return;
    this.pendingMessage = null;
    if (this.ruined) return;
    this.afterEvent(last, last.ts);
  }

  /** Marks, checks liquidation and asks the strategy, after `event` (or its whole message) applied. */
  private afterEvent(event: MarketEvent, ts: number): void {
    const mid = this.book.mid();
    this.mark = mid ?? this.lastTrade;
    if (this.rules.kind === 'perpetual' && this.position !== 0)
      this.checkLiquidation(this.mark, this.mark, this.mark, ts);
    const source = this.featureSource;
    if (source !== null) this.features = source.current();
    const strategy = this.strategy;
    if (strategy.onEvent !== undefined) this.decide(strategy.onEvent(event, this), ts, false);
  }

  /**
   * Market time has reached `ts`: equity grid points, bar closes and order actions (latency
   * elapsed) due by then happen. It is what `onEvent` does before applying an event at `ts`,
   * so a live host can drive the engine incrementally; events older than `ts` are refused
   * from then on.
   * - At the time of the last event (the paper broker, at the end of each batch) it only
   *   delivers actions due by then, which the next event would deliver first anyway: the same
   *   orders, fills and curve as a batch replay.
   * - Further ahead (a clock tick, `ts` at or before the next event) and `barMs` = 0: the
   *   same again. With `barMs` > 0 and a bar closing inside the gap, that bar's decisions are
   *   handled in time order with actions already in flight, where a batch replay handles them
   *   after those actions (and samples the equity grid first): fills can differ there.
   */
  advanceTo(ts: number): void {
    this.endMessage();
    this.moveClock(ts);
  }

  private moveClock(ts: number): void {
    if (!(ts >= this.clockTs)) throw new RangeError(`time went back: ${ts} after ${this.clockTs}`);
    this.clockTs = ts;
    if (Number.isNaN(this.nextSampleTs)) this.nextSampleTs = ts;
    // Equity on the grid: the state after the last event before each grid time (the first
    // point, before any event, is the initial cash).
    while (ts >= this.nextSampleTs) {
      if (this.nextActionAt <= this.nextSampleTs) this.runActions(this.nextSampleTs);
      // Funding due by a grid time is in that point's equity, so the curve shows each payment.
      if (this.funding !== null) this.settleFunding(this.nextSampleTs);
      this.sample(this.nextSampleTs);
      this.nextSampleTs += this.equityIntervalMs;
    }
    const bars = this.bars;
    if (bars?.due(ts) === true) {
      this.runActions(bars.closeTime);
      this.closeBar(bars.finish());
    }
    if (this.nextActionAt <= ts) this.runActions(ts);
    if (this.funding !== null) this.settleFunding(ts);
    this.ts = ts;
  }

  /** Replays events in order and returns the result (the usual way to run a backtest). */
  run(events: readonly MarketEvent[]): BacktestResult {
    for (const event of events) this.onEvent(event);
    return this.finish();
  }

  /** Ends the replay at `endTs` (default: the last event): due actions run, a last equity point. */
  finish(endTs = this.lastTs): BacktestResult {
    this.endMessage();
    if (Number.isFinite(endTs)) {
      this.runActions(endTs);
      if (this.funding !== null && !this.ruined) this.settleFunding(endTs);
      this.sample(endTs);
    }
    return this.result();
  }

  /**
   * Pays every funding time reached by `ts` at the mark it finds (the mid or last trade before
   * it), before the event at `ts` moves the mark; orders due by a funding time fill first. The schedule holds the run's range only, so
   * every time reached counts, paid or not (a flat position pays nothing).
   */
  private settleFunding(ts: number): void {
    const funding = this.funding;
    if (funding === null) return;
    const times = funding.ts;
    while (this.nextFunding < times.length && (times[this.nextFunding] ?? 0) <= ts) {
      // Orders reaching the venue by the funding time change the position it is paid on.
      const at = times[this.nextFunding] ?? 0;
      if (this.nextActionAt <= at) this.runActions(at);
      this.payFunding(this.mark, funding.rate[this.nextFunding] ?? 0);
      this.fundingEvents++;
      this.nextFunding++;
    }
  }

  private closeBar(bar: BarView): void {
    this.ts = bar.closeTime;
    this.featureSource?.onBar?.(bar);
    const strategy = this.strategy;
    if (strategy.onBar !== undefined) this.decide(strategy.onBar(bar, this), bar.closeTime, false);
  }
}

/** OHLCV bars as columns: one typed array per field, `length` bars. */
export interface CandleSeries {
  readonly length: number;
  /** Bar duration (ms): a bar closes at openTime + barMs. */
  readonly barMs: number;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /**
   * Perpetuals: the funding rate paid at each bar's open (NaN or 0: none at that bar), where the
   * data has it. A long pays position x open x rate (a negative rate pays longs).
   */
  readonly fundingRate?: Float64Array;
  /** Funding times the `fundingRate` column holds (several can share a long bar); default: its bars with a rate. */
  readonly fundingEvents?: number;
}

/** Candle mode: OHLCV bars only, BarFillModel fills, the same core and strategy interface. */
export class CandleBacktest extends BacktestCore {
  protected readonly venue: BarFillModel;
  readonly book = null;
  private readonly bar = { openTime: 0, closeTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };

  constructor(config: BacktestConfig) {
    super(config, ZERO_LATENCY);
    this.venue = new BarFillModel(this, config.candleFill ?? 'open', config.slippageBps ?? 0);
  }

  run(series: CandleSeries): BacktestResult {
    const { openTime, open, high, low, close, volume, barMs } = series;
    const bar = this.bar;
    const strategy = this.strategy;
    this.curveTs.reserve(series.length + 1);
    this.curveEquity.reserve(series.length + 1);
    this.curvePosition.reserve(series.length + 1);
    const source = this.featureSource;
    const perpetual = this.rules.kind === 'perpetual';
    // A spot position pays no funding, whatever the data carries.
    const funding = perpetual ? (series.fundingRate ?? null) : null;
    if (funding !== null) this.fundingEvents = series.fundingEvents ?? countRates(funding, series.length);
    let previous = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < series.length; i++) {
      const t = openTime[i] ?? 0;
      // Corrupt data is worse than none: bars must come in time order, each once.
      if (!(t > previous)) throw new RangeError(`bars out of order at index ${i} (openTime ${t})`);
      previous = t;
      const o = open[i] ?? 0;
      const h = high[i] ?? 0;
      const l = low[i] ?? 0;
      const c = close[i] ?? 0;
      this.ts = t;
      if (funding !== null) this.payFunding(o, funding[i] ?? 0);
      // Orders decided at the previous close reach the venue at this bar's open.
      if (this.nextActionAt <= t) this.runActions(t);
      if (this.venue.hasOrders) this.venue.onBar(t, t + barMs, o, h, l, c);
      if (perpetual) this.checkLiquidation(o, l, h, t);
      bar.openTime = t;
      bar.closeTime = t + barMs;
      bar.open = o;
      bar.high = h;
      bar.low = l;
      bar.close = c;
      bar.volume = volume[i] ?? 0;
      this.mark = c;
      this.ts = bar.closeTime;
      this.steps++;
      this.sample(bar.closeTime);
      if (this.ruined) break;
      if (source !== null) {
        source.onBar?.(bar);
        this.features = source.current();
      }
      if (strategy.onBar !== undefined) {
        const intents = strategy.onBar(bar, this);
        if (intents !== null) this.decide(intents, bar.closeTime, true);
      }
    }
    return this.result();
  }
}

function countRates(rates: Float64Array, length: number): number {
  let n = 0;
  for (let i = 0; i < length; i++) if (Number.isFinite(rates[i] ?? Number.NaN)) n++;
  return n;
}

/** Convenience: an event-mode run over recorded events. */
export function runEventBacktest(config: BacktestConfig, events: readonly MarketEvent[]): BacktestResult {
  return new EventBacktest(config).run(events);
}

/** Convenience: a candle-mode run over OHLCV columns. */
export function runCandleBacktest(config: BacktestConfig, series: CandleSeries): BacktestResult {
  return new CandleBacktest(config).run(series);
}
