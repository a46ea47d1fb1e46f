import type { OrderIntent, OrderRequest } from '../../shared/backtest/orders.js';
import type { FeatureSource, Strategy } from '../../shared/backtest/strategy.js';
import type { Level, MarketEvent } from '../../shared/domain/market.js';
import type { RiskGate, RiskOpenOrder } from '../../shared/risk/gate.js';
import { PaperBroker, type BrokerEvent } from '../../shared/trading/paper-broker.js';
import {
  notRestored,
  paperOrderRow,
  restingRequest,
  type PaperOrderRow,
  type PaperOrderStore,
} from './paper-orders.js';

/**
 * The paper desks: one PaperBroker per instrument traded on paper, each fed the live events of
 * its instrument in exchange time. At most one of them runs a strategy (trading.paper.start);
 * the others take the user's manual orders. All share the workspace gate.
 *
 * A broker is created mid-stream from a snapshot of the live book (the pipeline's), stamped
 * with the last event's (ts, seq), and holding the account's position on the instrument, so
 * its engine resumes exactly where the market and the account are and a strategy sees its
 * real position.
 *
 * Replacing a broker (a strategy starts or stops) carries the user's working orders over to
 * the new engine (sent again with what is left of them, at the back of the queue) and
 * cancels the outgoing strategy's. A reset cancels everything and starts flat.
 *
 * Working orders are recorded in a PaperOrderStore as they change; at a restart the user's
 * resting orders (limit and stop, GTC) go back on the book at the first event of their
 * instrument, through the gate again; the rest are dropped, each with why.
 */

export const PAPER_VENUE = 'paper';
/** Bars the bar strategies see in live event mode. */
export const PAPER_BAR_MS = 60_000;
const EQUITY_INTERVAL_MS = 1_000;

export interface PaperStrategy {
  readonly kind: string;
  readonly instrument: string;
  readonly params: Record<string, unknown>;
}

export interface PaperCosts {
  readonly fees: { readonly maker: number; readonly taker: number };
  readonly latencyMs: { readonly submit: number; readonly cancel: number };
}

export const DEFAULT_PAPER_COSTS: PaperCosts = {
  fees: { maker: 0.0002, taker: 0.001 },
  latencyMs: { submit: 0, cancel: 0 },
};

export interface PaperDesksOptions {
  readonly gate: RiskGate;
  /** The live book of an instrument now (best first), or null before any data. */
  readonly book: (instrument: string) => { bids: readonly Level[]; asks: readonly Level[] } | null;
  /** Every event of every paper broker, with the broker's instrument. */
  readonly onEvent: (instrument: string, event: BrokerEvent) => void;
  /** Equity the engines start from (the paper account's cash). */
  readonly cash: () => number;
  /** What the account holds on an instrument (null when flat): a new engine starts from it. */
  readonly position?: (instrument: string) => { quantity: number; avgEntryPrice: number } | null;
  /** Where working orders are recorded; restored from at construction. */
  readonly orders?: PaperOrderStore;
  /** Orders put back on the book after a restart (before they are sent), and those dropped. */
  readonly onRestore?: (
    instrument: string,
    restored: readonly PaperOrderRow[],
    dropped: readonly { readonly row: PaperOrderRow; readonly reason: string }[],
  ) => void;
  readonly seed: number;
}

interface Desk {
  readonly broker: PaperBroker;
  readonly strategy: PaperStrategy | null;
  readonly costs: PaperCosts;
}

const idle: Strategy = {};

export class PaperDesks {
  private readonly desks = new Map<string, Desk>();
  private readonly lastEvent = new Map<string, { ts: number; seq: number }>();
  private isArmed = true;
  private why: string | null = null;
  private manualIds = 0;
  /** The user's working orders (placed by hand, or restored): carried over when a desk is replaced. */
  private readonly userOrders = new Set<string>();
  /** Stored orders waiting for their instrument's first event after a restart. */
  private readonly toRestore = new Map<string, PaperOrderRow[]>();

  constructor(
    private readonly options: PaperDesksOptions,
    /** Tags manual client ids of this run, so they never repeat across restarts. */
    private readonly session: string,
  ) {
    for (const row of options.orders?.all() ?? []) {
      const list = this.toRestore.get(row.instrument);
      if (list === undefined) this.toRestore.set(row.instrument, [row]);
      else list.push(row);
    }
  }

  /** Stored orders not yet back on the book (their instrument has had no event since the start). */
  pendingRestores(): number {
    let n = 0;
    for (const rows of this.toRestore.values()) n += rows.length;
    return n;
  }

  get armed(): boolean {
    return this.isArmed;
  }

  get disarmedReason(): string | null {
    return this.why;
  }

  /** The strategy running on paper, if any. */
  strategy(): PaperStrategy | null {
    for (const desk of this.desks.values()) if (desk.strategy !== null) return desk.strategy;
    return null;
  }

  instruments(): string[] {
    return [...this.desks.keys()];
  }

  /** Live events (validated, in (ts, seq) order per instrument), batch by batch. */
  onEvents(events: readonly MarketEvent[]): void {
    let byInstrument: Map<string, MarketEvent[]> | null = null;
    for (const event of events) {
      this.lastEvent.set(event.instrument, { ts: event.ts, seq: event.seq });
      if (!this.desks.has(event.instrument) && !this.toRestore.has(event.instrument)) continue;
      byInstrument ??= new Map();
      const list = byInstrument.get(event.instrument);
      if (list === undefined) byInstrument.set(event.instrument, [event]);
      else list.push(event);
    }
    if (byInstrument === null) return;
    for (const [instrument, batch] of byInstrument) {
      const desk = this.desks.get(instrument) ?? this.replace(instrument, null, idle, DEFAULT_PAPER_COSTS, 0);
      desk.broker.onEvents(batch);
      this.restore(instrument, desk);
    }
  }

  /**
   * Runs a strategy on an instrument (the one running before, anywhere, is stopped); `features`
   * is the feature source it reads (the ML-signal strategy's predictions), if any.
   */
  start(
    strategy: PaperStrategy,
    create: () => Strategy,
    costs: PaperCosts,
    barMs: number,
    features?: FeatureSource,
  ): void {
    const running = this.strategy();
    if (running !== null)
      this.replace(running.instrument, null, idle, this.desks.get(running.instrument)?.costs ?? costs, 0);
    this.replace(strategy.instrument, strategy, create(), costs, barMs, features);
  }

  /** Stops the strategy; its open orders are cancelled, the position stays in the account. */
  stop(): PaperStrategy | null {
    const running = this.strategy();
    if (running === null) return null;
    const desk = this.desks.get(running.instrument);
    this.replace(running.instrument, null, idle, desk?.costs ?? DEFAULT_PAPER_COSTS, 0);
    return running;
  }

  /** A manual order at the current market time; the client id it was given. */
  place(instrument: string, request: Omit<OrderRequest, 'clientId'>): string {
    const desk = this.desks.get(instrument) ?? this.replace(instrument, null, idle, DEFAULT_PAPER_COSTS, 0);
    const clientId = `manual-${this.session}-${++this.manualIds}`;
    this.userOrders.add(clientId);
    desk.broker.place([{ kind: 'submit', order: { ...request, clientId } }]);
    return clientId;
  }

  isManual(clientId: string): boolean {
    return clientId.startsWith(`manual-${this.session}-`);
  }

  cancel(clientId: string): boolean {
    for (const desk of this.desks.values()) {
      if (desk.broker.openOrders().some((o) => o.clientId === clientId)) {
        desk.broker.place([{ kind: 'cancel', clientId }]);
        return true;
      }
    }
    return false;
  }

  /** Cancels every open order (cancels pass the gate even while disarmed). */
  cancelAll(): void {
    for (const desk of this.desks.values()) {
      const cancels: OrderIntent[] = desk.broker
        .openOrders()
        .map((o) => ({ kind: 'cancel', clientId: o.clientId }));
      if (cancels.length > 0) desk.broker.place(cancels);
    }
  }

  disarm(why: string): void {
    this.isArmed = false;
    this.why = why;
    for (const desk of this.desks.values()) desk.broker.disarm(why);
  }

  /** Arms again; the gate's breakers are cleared (the brokers' arm re-arms the gate). */
  arm(why: string): void {
    this.isArmed = true;
    this.why = null;
    this.options.gate.rearm?.();
    for (const desk of this.desks.values()) desk.broker.arm(why);
  }

  /**
   * Fresh, flat engines on the current books; no strategy, no orders (restores waiting are
   * dropped too). The caller resets the account first: the engines start from its cash.
   */
  reset(): void {
    for (const rows of this.toRestore.values())
      for (const row of rows) this.options.orders?.remove(row.clientId);
    this.toRestore.clear();
    for (const instrument of [...this.desks.keys()])
      this.replace(instrument, null, idle, DEFAULT_PAPER_COSTS, 0, undefined, 'fresh');
  }

  openOrders(): { instrument: string; order: ReturnType<PaperBroker['openOrders']>[number] }[] {
    const out: { instrument: string; order: ReturnType<PaperBroker['openOrders']>[number] }[] = [];
    for (const [instrument, desk] of this.desks)
      for (const order of desk.broker.openOrders()) out.push({ instrument, order });
    return out;
  }

  /** Working orders as the gate counts them. */
  riskOrders(): RiskOpenOrder[] {
    const out: RiskOpenOrder[] = [];
    for (const desk of this.desks.values()) out.push(...desk.broker.riskState().openOrders);
    return out;
  }

  /** The engine's mark of an instrument (mid, or last trade), NaN before data. */
  mark(instrument: string): number {
    return this.desks.get(instrument)?.broker.account().mark ?? Number.NaN;
  }

  /**
   * A new engine for an instrument. `carry`: it holds the account's position and takes the
   * user's working orders of the old one; the old strategy's orders are cancelled. `fresh`:
   * flat, and every old order is cancelled.
   */
  private replace(
    instrument: string,
    strategy: PaperStrategy | null,
    inner: Strategy,
    costs: PaperCosts,
    barMs: number,
    features?: FeatureSource,
    mode: 'carry' | 'fresh' = 'carry',
  ): Desk {
    const old = this.desks.get(instrument);
    const carried: PaperOrderRow[] = [];
    if (old !== undefined) {
      const at = this.lastEvent.get(instrument)?.ts ?? 0;
      for (const order of old.broker.openOrders()) {
        const row = old.broker.workingOrder(order.clientId);
        if (mode === 'carry' && this.userOrders.has(order.clientId) && row !== null) {
          carried.push(paperOrderRow(instrument, row, 'manual', at));
          continue;
        }
        this.userOrders.delete(order.clientId);
        this.options.orders?.remove(order.clientId);
        this.options.onEvent(instrument, {
          kind: 'order',
          event: { kind: 'cancelled', ts: at, clientId: order.clientId },
        });
      }
    }
    const held = mode === 'carry' ? (this.options.position?.(instrument) ?? null) : null;
    const broker = new PaperBroker({
      workspace: PAPER_VENUE,
      instrument,
      createStrategy: () => inner,
      ...(features === undefined ? {} : { createFeatures: () => features }),
      initialCash: this.options.cash(),
      // The engine takes over the account: its cash (which fees may have taken below zero) and
      // what it holds here.
      initialPosition: held ?? { quantity: 0, avgEntryPrice: 0 },
      fees: costs.fees,
      latency: { kind: 'constant', submitMs: costs.latencyMs.submit, cancelMs: costs.latencyMs.cancel },
      seed: this.options.seed,
      barMs,
      equityIntervalMs: EQUITY_INTERVAL_MS,
      gate: this.options.gate,
      armed: this.isArmed,
    });
    broker.subscribe((event) => {
      this.track(instrument, event);
      this.options.onEvent(instrument, event);
    });
    const last = this.lastEvent.get(instrument);
    const book = this.options.book(instrument);
    if (last !== undefined && book !== null)
      broker.onEvents([
        { kind: 'book_snapshot', instrument, ts: last.ts, seq: last.seq, bids: book.bids, asks: book.asks },
      ]);
    const desk: Desk = { broker, strategy, costs };
    this.desks.set(instrument, desk);
    if (carried.length > 0)
      broker.place(carried.map((row) => ({ kind: 'submit', order: restingRequest(row) }) as const));
    return desk;
  }

  /** Puts the stored orders of an instrument back on its new engine, once, after a restart. */
  private restore(instrument: string, desk: Desk): void {
    const rows = this.toRestore.get(instrument);
    if (rows === undefined) return;
    this.toRestore.delete(instrument);
    const now = this.lastEvent.get(instrument)?.ts ?? 0;
    const restored: PaperOrderRow[] = [];
    const dropped: { row: PaperOrderRow; reason: string }[] = [];
    for (const row of rows) {
      const reason = notRestored(row, now);
      if (reason === null) restored.push(row);
      else {
        dropped.push({ row, reason });
        this.options.orders?.remove(row.clientId);
      }
    }
    this.options.onRestore?.(instrument, restored, dropped);
    for (const row of restored) this.userOrders.add(row.clientId);
    if (restored.length > 0)
      desk.broker.place(restored.map((row) => ({ kind: 'submit', order: restingRequest(row) }) as const));
  }

  /** Keeps the order store current with what the engine does. */
  private track(instrument: string, event: BrokerEvent): void {
    const store = this.options.orders;
    if (store === undefined) return;
    switch (event.kind) {
      case 'sent':
        if (event.intent.kind === 'submit') {
          const order = event.intent.order;
          store.put(
            paperOrderRow(
              instrument,
              order,
              this.userOrders.has(order.clientId) ? 'manual' : 'strategy',
              event.ts,
            ),
          );
        }
        return;
      case 'refused':
        if (event.intent.kind === 'submit') {
          store.remove(event.intent.order.clientId);
          this.userOrders.delete(event.intent.order.clientId);
        }
        return;
      case 'order': {
        const e = event.event;
        switch (e.kind) {
          case 'partially_filled':
            store.filled(e.clientId, e.quantity);
            return;
          case 'triggered':
            store.triggered(e.clientId);
            return;
          case 'replaced':
            store.replaced(e.clientId, e.price, e.quantity);
            return;
          case 'rejected':
            // A duplicate id is refused without touching the order that has it.
            if (e.reason === 'duplicate_client_id') return;
            store.remove(e.clientId);
            this.userOrders.delete(e.clientId);
            return;
          case 'filled':
          case 'cancelled':
          case 'expired':
            store.remove(e.clientId);
            this.userOrders.delete(e.clientId);
            return;
          case 'accepted':
            return;
          default:
            e satisfies never;
        }
        return;
      }
      case 'fill':
      case 'tripped':
      case 'armed':
      case 'reset':
        return;
      default:
        event satisfies never;
    }
  }
}
