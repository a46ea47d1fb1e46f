import type { FeeSchedule, LatencyConfig } from '../backtest/costs.js';
import { EventBacktest, type BacktestConfig } from '../backtest/engine.js';
import type { Fill, OrderEvent, OrderIntent, OrderRequest, OrderSide } from '../backtest/orders.js';
import type { FeatureSource, Strategy } from '../backtest/strategy.js';
import type { MarketEvent } from '../domain/market.js';
import type {
  RiskGate,
  RiskOpenOrder,
  RiskPosition,
  RiskRefusal,
  RiskState,
  RiskTrip,
} from '../risk/gate.js';
import { refusal } from '../risk/gate.js';

/**
 * Paper trading: a strategy trades one instrument against the LIVE book with the backtest's
 * own machinery. The broker drives `EventBacktest` (BacktestCore + FillModel) incrementally,
 * batch by batch, as live events arrive, so fills, queue position, fees and latency are the
 * backtest's code, not a copy: the same events through both give the same orders and fills.
 *
 * What it adds on top:
 * - every intent (the strategy's, or the user's through `place`) passes the RiskGate before it
 *   reaches the simulated venue; a refusal is recorded with its reason and never sent;
 * - an armed switch: while disarmed, new orders are refused (cancels still go through);
 * - the gate's breaker: when it trips, the broker disarms and cancels every open order;
 * - typed events for a host to audit (orders sent, refused, their lifecycle, fills, trips);
 * - balances of its own (one broker per workspace), resettable to a fresh initial cash.
 *
 * The strategy is not told about a refusal (the Strategy contract has no such event); the
 * built-in strategies ask again on a later event, so a standing refusal repeats: a host that
 * shows them should group by limit.
 */

export interface PaperBrokerConfig {
  /** The workspace these balances belong to (a host keeps one broker per workspace). */
  readonly workspace: string;
  /** Instrument id; events of other instruments are counted and ignored. */
  readonly instrument: string;
  /** A fresh strategy (and feature source): `reset` starts both from scratch. */
  readonly createStrategy: () => Strategy;
  readonly createFeatures?: () => FeatureSource;
  readonly initialCash: number;
  /**
   * What the account already holds on this instrument when the broker takes over (a strategy
   * started on a position, a restart): the engine starts from it, so the strategy sees the
   * real position. `reset` starts flat.
   */
  readonly initialPosition?: { readonly quantity: number; readonly avgEntryPrice: number };
  readonly fees: FeeSchedule;
  readonly latency?: LatencyConfig;
  /** Seeds sampled latency. */
  readonly seed?: number;
  readonly barMs?: number;
  readonly equityIntervalMs?: number;
  readonly gate: RiskGate;
  /**
   * The workspace's other instruments (their brokers' positions and orders), so total and
   * concentration limits see the whole book; this broker's account is the equity limits see.
   */
  readonly otherBooks?: () => Pick<RiskState, 'positions' | 'openOrders'>;
  /** Paper trading starts armed unless told otherwise. */
  readonly armed?: boolean;
}

export type BrokerEvent =
  /** An intent passed the gate and is on its way to the venue. */
  | { readonly kind: 'sent'; readonly ts: number; readonly intent: OrderIntent }
  | {
      readonly kind: 'refused';
      readonly ts: number;
      readonly intent: OrderIntent;
      readonly refusal: RiskRefusal;
    }
  /** The venue's lifecycle event of one of our orders (accepted, filled, cancelled ...). */
  | { readonly kind: 'order'; readonly event: OrderEvent }
  | { readonly kind: 'fill'; readonly fill: Fill }
  | { readonly kind: 'tripped'; readonly trip: RiskTrip }
  | { readonly kind: 'armed'; readonly ts: number; readonly armed: boolean; readonly why: string }
  | { readonly kind: 'reset'; readonly ts: number; readonly initialCash: number };

/** Position, cash and PnL now, in quote currency. */
export interface PaperAccountView {
  readonly ts: number;
  readonly mark: number;
  readonly position: number;
  readonly avgEntryPrice: number;
  readonly cash: number;
  readonly equity: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly feesPaid: number;
}

/** Events refused at the edge, by reason. */
export interface DroppedEvents {
  otherInstrument: number;
  outOfOrder: number;
}

/** EventBacktest whose every intent is first put to the broker (and so to the gate). */
class GatedEventCore extends EventBacktest {
  constructor(
    config: BacktestConfig,
    private readonly admit: (intent: OrderIntent, ts: number) => boolean,
  ) {
    super(config);
  }

  protected override decide(intents: readonly OrderIntent[] | null, ts: number, zeroDelay: boolean): void {
    if (intents === null) return;
    const passed: OrderIntent[] = [];
    for (const intent of intents) if (this.admit(intent, ts)) passed.push(intent);
    if (passed.length > 0) super.decide(passed, ts, zeroDelay);
  }

  /** Orders from outside the strategy (the user, the breaker's cancel-all), at the current time. */
  place(intents: readonly OrderIntent[]): void {
    this.decide(intents, this.ts, false);
  }
}

interface SentOrder {
  readonly side: OrderSide;
  readonly decisionMid: number;
}

export class PaperBroker {
  readonly workspace: string;
  readonly instrument: string;
  private readonly config: PaperBrokerConfig;
  private core: GatedEventCore;
  private isArmed: boolean;
  private readonly listeners: ((event: BrokerEvent) => void)[] = [];
  /** Side and decision mid of orders in flight, to complete their fills. */
  private readonly sentOrders = new Map<string, SentOrder>();
  private readonly fillLog: Fill[] = [];
  private readonly refusalLog: {
    readonly ts: number;
    readonly intent: OrderIntent;
    readonly refusal: RiskRefusal;
  }[] = [];
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastSeq = Number.NEGATIVE_INFINITY;
  private initialCash: number;
  readonly dropped: DroppedEvents = { otherInstrument: 0, outOfOrder: 0 };

  constructor(config: PaperBrokerConfig) {
    this.config = config;
    this.workspace = config.workspace;
    this.instrument = config.instrument;
    this.initialCash = config.initialCash;
    this.isArmed = config.armed ?? true;
    this.core = this.createCore(config.initialCash, config.initialPosition);
  }

  /** Subscribes to everything the broker does; returns the unsubscribe function. */
  subscribe(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /**
   * Live events as they arrive, in (ts, seq) order. Events of another instrument or out of
   * order are counted in `dropped` and skipped (a live feed may resend; the replay must not
   * fork). At the end of the batch, actions due by its last event reach the venue, as the
   * backtest would deliver them before the next event.
   */
  onEvents(batch: readonly MarketEvent[]): void {
    for (const event of batch) {
      if (event.instrument !== this.instrument) {
        this.dropped.otherInstrument++;
        continue;
      }
      if (event.ts < this.lastTs || (event.ts === this.lastTs && event.seq <= this.lastSeq)) {
        this.dropped.outOfOrder++;
        continue;
      }
      this.lastTs = event.ts;
      this.lastSeq = event.seq;
      this.core.onEvent(event);
      this.watchBreaker();
    }
    if (Number.isFinite(this.lastTs)) this.core.advanceTo(this.lastTs);
  }

  /** The user's own orders, through the same gate, at the current market time. */
  place(intents: readonly OrderIntent[]): void {
    if (!Number.isFinite(this.core.ts)) {
      // Before the first event there is no market time to send at, nor a price to value at.
      for (const intent of intents) {
        const verdict = refusal('invalid_order', Number.NaN, Number.NaN, 'an order before any market data');
        this.refusalLog.push({ ts: Number.NaN, intent, refusal: verdict });
        this.emit({ kind: 'refused', ts: Number.NaN, intent, refusal: verdict });
      }
      return;
    }
    this.core.place(intents);
  }

  /** The panic button: disarm, then cancel every open order. */
  panic(why = 'panic button'): void {
    this.setArmed(false, why);
    this.cancelAll();
  }

  arm(why = 'armed by the user'): void {
    this.config.gate.rearm?.();
    this.setArmed(true, why);
  }

  disarm(why = 'disarmed by the user'): void {
    this.setArmed(false, why);
  }

  get armed(): boolean {
    return this.isArmed;
  }

  /**
   * Starts the workspace's paper account again: fresh cash, no position, no orders, a fresh
   * strategy. The book carries over (a snapshot of the current one), so trading resumes at once.
   */
  reset(initialCash = this.initialCash): void {
    const old = this.core;
    const { bids, asks } = old.book.top(Math.max(old.book.depth('bid'), old.book.depth('ask')));
    this.initialCash = initialCash;
    this.sentOrders.clear();
    this.fillLog.length = 0;
    this.refusalLog.length = 0;
    this.core = this.createCore(initialCash);
    if (Number.isFinite(this.lastTs)) {
      this.core.onEvent({
        kind: 'book_snapshot',
        instrument: this.instrument,
        ts: this.lastTs,
        seq: this.lastSeq,
        bids,
        asks,
      });
    }
    this.emit({ kind: 'reset', ts: this.core.ts, initialCash });
  }

  account(): PaperAccountView {
    const r = this.core.result();
    return {
      ts: this.core.ts,
      mark: this.core.mark,
      position: r.position,
      avgEntryPrice: r.avgEntryPrice,
      cash: r.cash,
      equity: r.finalEquity,
      realizedPnl: r.realizedPnl,
      unrealizedPnl: r.unrealizedPnl,
      feesPaid: r.feesPaid,
    };
  }

  openOrders(): readonly {
    readonly clientId: string;
    readonly side: OrderSide;
    readonly type: string;
    readonly quantity: number;
    readonly filled: number;
    readonly price: number;
    readonly status: string;
  }[] {
    return this.core.openOrders().map((o) => ({
      clientId: o.clientId,
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      filled: o.filled,
      price: o.price,
      status: o.status,
    }));
  }

  /**
   * What is left of a working order as a request (same client id): what another engine is
   * sent to take it over. A triggered stop is its market or limit self; null if not working.
   */
  workingOrder(clientId: string): OrderRequest | null {
    const o = this.core.order(clientId);
    if (o === undefined || !o.working || !(o.remaining > 0)) return null;
    const type = o.triggered
      ? o.type === 'stop'
        ? 'market'
        : o.type === 'stop_limit'
          ? 'limit'
          : o.type
      : o.type;
    return {
      clientId,
      side: o.side,
      type,
      quantity: o.remaining,
      ...(Number.isFinite(o.price) ? { price: o.price } : {}),
      ...(type === 'stop' || type === 'stop_limit' ? { stopPrice: o.stopPrice } : {}),
      timeInForce: o.timeInForce,
      ...(o.postOnly ? { postOnly: true } : {}),
      ...(o.reduceOnly ? { reduceOnly: true } : {}),
      ...(Number.isFinite(o.goodTillTs) ? { goodTillTs: o.goodTillTs } : {}),
    };
  }

  fills(): readonly Fill[] {
    return this.fillLog;
  }

  refusals(): readonly {
    readonly ts: number;
    readonly intent: OrderIntent;
    readonly refusal: RiskRefusal;
  }[] {
    return this.refusalLog;
  }

  /** Equity curve on the configured grid (market time). */
  equityCurve(): { readonly ts: Float64Array; readonly equity: Float64Array } {
    const curve = this.core.result().curve;
    return { ts: curve.ts, equity: curve.equity };
  }

  /** The book of positions and orders as the gate sees it. */
  riskState(): RiskState {
    const core = this.core;
    const mark = core.mark;
    const positions: RiskPosition[] =
      core.position === 0 ? [] : [{ instrument: this.instrument, quantity: core.position, mark }];
    const openOrders: RiskOpenOrder[] = core.openOrders().map((o) => ({
      instrument: this.instrument,
      clientId: o.clientId,
      side: o.side,
      quantity: o.quantity,
      remaining: o.remaining,
      price: o.price,
    }));
    const others = this.config.otherBooks?.();
    if (others !== undefined) {
      positions.push(...others.positions);
      openOrders.push(...others.openOrders);
    }
    return { ts: core.ts, equity: core.equity, positions, openOrders };
  }

  // ---- internals ---------------------------------------------------------------------------

  private createCore(
    initialCash: number,
    initialPosition?: PaperBrokerConfig['initialPosition'],
  ): GatedEventCore {
    const c = this.config;
    const inner = c.createStrategy();
    // The wrapper sees every order event first (the broker's log), then hands it on.
    const strategy: Strategy = {
      onOrderEvent: (event, ctx) => {
        this.onOrderEvent(event);
        return inner.onOrderEvent?.(event, ctx) ?? null;
      },
    };
    if (inner.onEvent !== undefined) strategy.onEvent = inner.onEvent.bind(inner);
    if (inner.onBar !== undefined) strategy.onBar = inner.onBar.bind(inner);
    const config: BacktestConfig = {
      strategy,
      initialCash,
      ...(initialPosition === undefined ? {} : { initialPosition }),
      fees: c.fees,
      // The broker keeps its own logs; the core keeps only what PnL needs.
      log: 'trades',
      ...(c.latency === undefined ? {} : { latency: c.latency }),
      ...(c.seed === undefined ? {} : { seed: c.seed }),
      ...(c.barMs === undefined ? {} : { barMs: c.barMs }),
      ...(c.equityIntervalMs === undefined ? {} : { equityIntervalMs: c.equityIntervalMs }),
      ...(c.createFeatures === undefined ? {} : { features: c.createFeatures() }),
    };
    return new GatedEventCore(config, (intent, ts) => this.admit(intent, ts));
  }

  private admit(intent: OrderIntent, ts: number): boolean {
    const core = this.core;
    let verdict: RiskRefusal | null = null;
    if (!this.isArmed && intent.kind !== 'cancel') {
      verdict = refusal('disarmed', 1, 0, 'trading is disarmed; new orders');
    } else {
      const result = this.config.gate.check(
        { instrument: this.instrument, intent, price: this.valuationPrice(intent) },
        this.riskState(),
      );
      if (!result.ok) verdict = result;
    }
    if (verdict !== null) {
      this.refusalLog.push({ ts, intent, refusal: verdict });
      this.emit({ kind: 'refused', ts, intent, refusal: verdict });
      return false;
    }
    if (intent.kind === 'submit' && !this.sentOrders.has(intent.order.clientId)) {
      this.sentOrders.set(intent.order.clientId, { side: intent.order.side, decisionMid: core.mark });
    }
    this.emit({ kind: 'sent', ts, intent });
    return true;
  }

  /** What one unit of the order is worth to the gate: its limit price, else the mark. */
  private valuationPrice(intent: OrderIntent): number {
    const mark = this.core.mark;
    switch (intent.kind) {
      case 'submit':
        return intent.order.price ?? mark;
      case 'replace': {
        const limit = this.core.order(intent.clientId)?.price ?? Number.NaN;
        return intent.price ?? (Number.isNaN(limit) ? mark : limit);
      }
      case 'cancel':
        return mark;
      default:
        return intent satisfies never;
    }
  }

  private onOrderEvent(event: OrderEvent): void {
    this.emit({ kind: 'order', event });
    switch (event.kind) {
      case 'partially_filled':
      case 'filled': {
        const sent = this.sentOrders.get(event.clientId);
        // Every order reaching the venue passed `admit`, which recorded it: fail fast if not.
        if (sent === undefined) throw new Error(`fill of an order never sent: ${event.clientId}`);
        const fill: Fill = {
          ts: event.ts,
          clientId: event.clientId,
          side: sent.side,
          price: event.price,
          quantity: event.quantity,
          liquidity: event.liquidity,
          fee: event.fee,
          decisionMid: sent.decisionMid,
        };
        this.fillLog.push(fill);
        this.emit({ kind: 'fill', fill });
        if (event.kind === 'filled') this.sentOrders.delete(event.clientId);
        return;
      }
      case 'cancelled':
      case 'expired':
        this.sentOrders.delete(event.clientId);
        return;
      case 'rejected':
        // A duplicate id is rejected without touching the original order in flight.
        if (event.reason !== 'duplicate_client_id' && this.core.order(event.clientId) === undefined)
          this.sentOrders.delete(event.clientId);
        return;
      case 'accepted':
      case 'triggered':
      case 'replaced':
        return;
      default:
        event satisfies never;
    }
  }

  private watchBreaker(): void {
    const gate = this.config.gate;
    if (gate.observe === undefined) return;
    const trip = gate.observe(this.riskState());
    if (trip === null) return;
    this.emit({ kind: 'tripped', trip });
    this.setArmed(false, trip.reason);
    this.cancelAll();
  }

  private cancelAll(): void {
    const ids = this.core.openOrders().map((o) => o.clientId);
    if (ids.length > 0) this.core.place(ids.map((clientId) => ({ kind: 'cancel', clientId }) as const));
  }

  private setArmed(armed: boolean, why: string): void {
    if (this.isArmed === armed) return;
    this.isArmed = armed;
    this.emit({ kind: 'armed', ts: this.core.ts, armed, why });
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
