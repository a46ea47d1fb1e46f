import type { OrderEvent, OrderIntent, OrderRequest } from '../../../shared/backtest/orders.js';
import { WorkingOrder } from '../../../shared/backtest/orders.js';
import type { FeatureSource, Strategy, StrategyContext } from '../../../shared/backtest/strategy.js';
import { ClockBar } from '../../../shared/candles/clock-bar.js';
import type { MarketEvent } from '../../../shared/domain/market.js';
import type { ReadonlyOrderBook } from '../../../shared/market/order-book.js';
import type { RiskRefusal } from '../../../shared/risk/gate.js';
import type { LiveBrokerEvent, SubmitGuard } from './live-events.js';
import type { LiveOrder } from './live-exchange.js';

/**
 * A strategy trading on a live venue: the same Strategy object a backtest and the paper
 * broker run (with the same sizing and exits around it), fed the live events of its
 * instrument as the pipeline accepted them, its intents sent through the live venue (so
 * rounded to the market, decided by the risk gate, written before they leave, never sent
 * twice), and the exchange's answers turned back into the engine's order events.
 *
 * What differs from the engines, by necessity:
 * - The position the strategy sees is its own: the net of its fills since it started, not
 *   the wallet (a spot wallet holds its base whether or not a strategy bought it).
 * - Orders are asynchronous: an intent becomes a `pending` working order at once (so a
 *   strategy that repeats its wish does not stack orders), `open` when the exchange accepts
 *   it, and leaves the list when it ends. A refusal (gate, rounding, disarmed) or a rejection
 *   removes it without an order event, as the paper broker does: the Strategy contract has no
 *   refusal event, and the refusal is in the audit log.
 * - Replacing an order is not sent (spot venues have no amend): the intent is refused.
 * - Cash and equity are the venue's (quote currency), as its balances last read.
 */

export interface LiveDeskOptions {
  /** The exchange id (the live venue). */
  readonly venue: string;
  /** `<exchange>:<symbol>`, as the pipeline names the instrument. */
  readonly instrument: string;
  readonly symbol: string;
  readonly strategy: Strategy;
  readonly features?: FeatureSource;
  /** Bars the bar strategies see (0: none). */
  readonly barMs: number;
  /** The live book of the instrument (the pipeline's), or null before data. */
  readonly book: () => ReadonlyOrderBook | null;
  readonly submit: (
    order: LiveOrder,
    guard: SubmitGuard,
  ) => Promise<{ ok: true; clientId: string } | { ok: false; refusal: RiskRefusal }>;
  readonly cancel: (clientId: string) => Promise<boolean>;
  /** The venue's equity and free quote now (NaN before its balances are read). */
  readonly equity: () => number;
  readonly cash: () => number;
  /** An intent the desk could not send (replace), or a send that failed, with why. */
  readonly onProblem: (what: string) => void;
}

const EPS = 1e-12;

/** The desk is the strategy's context, as the engines are theirs. */
export class LiveDesk implements StrategyContext {
  readonly venue: string;
  readonly instrument: string;
  private readonly strategy: Strategy;
  private readonly bars: ClockBar | null;
  /** Working orders by the strategy's own id. */
  private readonly orders = new Map<string, WorkingOrder>();
  private readonly working: WorkingOrder[] = [];
  /** The broker's client id of each of our orders, both ways. */
  private readonly byLiveId = new Map<string, string>();
  private readonly liveIdOf = new Map<string, string>();
  private lastTrade = Number.NaN;
  private idSeq = 0;
  private stopped = false;
  // StrategyContext fields, kept current as events and fills come.
  ts = Number.NaN;
  /** The strategy's net position from its own fills (base currency). */
  position = 0;
  /** 0 while flat, as the engines' accounts keep it. */
  avgEntryPrice = 0;
  features: Float64Array | null = null;
  /** Own fills since the start. */
  fills = 0;

  constructor(private readonly options: LiveDeskOptions) {
    this.venue = options.venue;
    this.instrument = options.instrument;
    this.strategy = options.strategy;
    this.bars = options.barMs > 0 ? new ClockBar(options.barMs) : null;
  }

  get cash(): number {
    const cash = this.options.cash();
    return Number.isFinite(cash) ? cash : 0;
  }

  /** The venue's equity; 0 until its balances are read (sizing then trades nothing). */
  get equity(): number {
    const equity = this.options.equity();
    return Number.isFinite(equity) ? equity : 0;
  }

  get mark(): number {
    return this.options.book()?.mid() ?? this.lastTrade;
  }

  get book(): ReadonlyOrderBook | null {
    return this.options.book();
  }

  openOrders(): readonly WorkingOrder[] {
    return this.working;
  }

  order(clientId: string): WorkingOrder | undefined {
    return this.orders.get(clientId);
  }

  nextClientId(prefix = 'o'): string {
    return `${prefix}-${++this.idSeq}`;
  }

  /** The strategy's working orders: its own id and the broker's. */
  workingOrders(): { clientId: string; liveId: string | null }[] {
    return this.working.map((o) => ({ clientId: o.clientId, liveId: this.liveIdOf.get(o.clientId) ?? null }));
  }

  /** Live events of the desk's instrument, in (ts, seq) order. */
  onEvents(events: readonly MarketEvent[]): void {
    for (const event of events) {
      if (this.stopped) return;
      if (event.instrument !== this.instrument) continue;
      const bars = this.bars;
      if (bars?.due(event.ts) === true) this.closeBar(bars);
      this.ts = event.ts;
      if (event.kind === 'trade') {
        this.lastTrade = event.price;
        bars?.add(event.price, event.amount, event.ts);
      }
      this.options.features?.onEvent?.(event);
      this.features = this.options.features?.current() ?? null;
      this.decide(this.strategy.onEvent?.(event, this) ?? null);
    }
  }

  /** What the live venue says of any order; the desk keeps those that are its own. */
  onBrokerEvent(event: LiveBrokerEvent): void {
    if (event.kind === 'sent') {
      if (event.tag !== null && this.orders.has(event.tag)) {
        this.byLiveId.set(event.clientId, event.tag);
        this.liveIdOf.set(event.tag, event.clientId);
      }
      return;
    }
    if (event.kind === 'armed' || event.kind === 'tripped' || event.kind === 'refused') return;
    const own = event.clientId === null ? undefined : this.byLiveId.get(event.clientId);
    const order = own === undefined ? undefined : this.orders.get(own);
    if (order === undefined) return;
    switch (event.kind) {
      case 'accepted':
        if (order.status === 'pending') order.status = 'open';
        this.tell({ kind: 'accepted', ts: event.ts, clientId: order.clientId });
        return;
      case 'partially_filled':
      case 'filled': {
        const { price, quantity } = event.fill;
        const fee = this.quoteFee(event.fill);
        this.bookFill(order.sign, price, quantity);
        order.filled += quantity;
        order.filledNotional += price * quantity;
        order.fees += fee;
        order.status = event.kind;
        this.fills++;
        if (event.kind === 'filled') this.finish(order);
        this.tell({
          kind: event.kind,
          ts: event.ts,
          clientId: order.clientId,
          price,
          quantity,
          liquidity: event.fill.liquidity ?? 'taker',
          fee,
          remaining: event.remaining,
        });
        return;
      }
      case 'cancelled':
      case 'expired':
        order.status = event.kind === 'cancelled' ? 'cancelled' : 'expired';
        this.finish(order);
        this.tell(
          event.kind === 'cancelled'
            ? { kind: 'cancelled', ts: event.ts, clientId: order.clientId }
            : { kind: 'expired', ts: event.ts, clientId: order.clientId, reason: 'ioc_remainder' },
        );
        return;
      case 'rejected':
        order.status = 'rejected';
        this.finish(order);
        return;
      case 'reconciled':
        if (event.outcome === 'not_placed') {
          order.status = 'rejected';
          this.finish(order);
        }
        return;
      case 'in_doubt':
        return;
      default:
        event satisfies never;
    }
  }

  /** Stops deciding and cancels the strategy's working orders; the position stays. */
  async stop(): Promise<void> {
    this.stopped = true;
    const ids = this.working.map((o) => this.liveIdOf.get(o.clientId)).filter((id) => id !== undefined);
    for (const id of ids) {
      try {
        await this.options.cancel(id);
      } catch (error) {
        this.options.onProblem(`cancel ${id} when the strategy stopped: ${messageOf(error)}`);
      }
    }
  }

  private closeBar(bars: ClockBar): void {
    const bar = bars.finish();
    this.ts = bar.closeTime;
    this.options.features?.onBar?.(bar);
    this.features = this.options.features?.current() ?? null;
    this.decide(this.strategy.onBar?.(bar, this) ?? null);
  }

  /** Order events go to the strategy as the engines give them; its answer is sent too. */
  private tell(event: OrderEvent): void {
    if (this.stopped) return;
    this.decide(this.strategy.onOrderEvent?.(event, this) ?? null);
  }

  private decide(intents: readonly OrderIntent[] | null): void {
    if (intents === null || this.stopped) return;
    for (const intent of intents) {
      switch (intent.kind) {
        case 'submit':
          this.send(intent.order);
          break;
        case 'cancel': {
          const liveId = this.liveIdOf.get(intent.clientId);
          if (liveId !== undefined)
            this.options.cancel(liveId).catch((error: unknown) => {
              this.options.onProblem(`cancel ${intent.clientId}: ${messageOf(error)}`);
            });
          break;
        }
        case 'replace':
          this.options.onProblem(
            `replace of ${intent.clientId} not sent: a live spot order cannot be amended (cancel and place anew)`,
          );
          break;
        default:
          intent satisfies never;
      }
    }
  }

  private send(request: OrderRequest): void {
    if (this.orders.has(request.clientId)) return;
    const order = new WorkingOrder(request.clientId, request.side, request.type, request, this.ts, this.mark);
    this.orders.set(order.clientId, order);
    this.working.push(order);
    const live: LiveOrder = {
      side: request.side,
      type: request.type,
      quantity: request.quantity,
      ...(request.price === undefined ? {} : { price: request.price }),
      ...(request.stopPrice === undefined ? {} : { stopPrice: request.stopPrice }),
      timeInForce: request.timeInForce ?? 'gtc',
      postOnly: request.postOnly ?? false,
      reduceOnly: request.reduceOnly ?? false,
      tag: request.clientId,
    };
    // A stop while the broker rounds and prices the order withdraws it before it leaves.
    this.options.submit(live, { stillWanted: () => !this.stopped }).then(
      (result) => {
        // Refused before any request: gone, as a refused intent is on paper.
        if (!result.ok) this.finish(order);
      },
      (error: unknown) => {
        // The broker keeps an order it could not confirm (in doubt) and reconciles it; an
        // error here means it was not sent.
        if (!this.liveIdOf.has(order.clientId)) this.finish(order);
        this.options.onProblem(`order ${order.clientId}: ${messageOf(error)}`);
      },
    );
  }

  /**
   * A fill's commission in quote, as the engines count fees: Binance charges the asset
   * received, so a buy's commission in base is worth base x price. One in a third asset (BNB)
   * has no price here and counts 0 (the venue's equity, read from its balances, still has it).
   */
  private quoteFee(fill: { fee: number; feeCurrency: string | null; price: number }): number {
    const [base, quote] = this.options.symbol.split('/');
    if (fill.feeCurrency === null || fill.feeCurrency === quote) return fill.fee;
    if (fill.feeCurrency === base) return fill.fee * fill.price;
    return 0;
  }

  private finish(order: WorkingOrder): void {
    const at = this.working.indexOf(order);
    if (at >= 0) this.working.splice(at, 1);
    this.orders.delete(order.clientId);
    const liveId = this.liveIdOf.get(order.clientId);
    if (liveId !== undefined) this.byLiveId.delete(liveId);
    this.liveIdOf.delete(order.clientId);
  }

  /** Books one of our fills into the strategy's position (average entry as the engines keep it). */
  private bookFill(sign: 1 | -1, price: number, quantity: number): void {
    const q0 = this.position;
    const q1 = q0 + sign * quantity;
    if (Math.abs(q0) < EPS || Math.sign(q0) === sign) {
      const held = Math.abs(q0);
      this.avgEntryPrice = (this.avgEntryPrice * held + price * quantity) / (held + quantity);
    } else if (Math.abs(q1) < EPS) this.avgEntryPrice = 0;
    else if (Math.sign(q1) !== Math.sign(q0)) this.avgEntryPrice = price;
    this.position = Math.abs(q1) < EPS ? 0 : q1;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
