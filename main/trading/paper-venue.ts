import type { OrderIntent, OrderRequest } from '../../shared/backtest/orders.js';
import type { Strategy } from '../../shared/backtest/strategy.js';
import type { Level, MarketEvent } from '../../shared/domain/market.js';
import type { RiskGate, RiskOpenOrder } from '../../shared/risk/gate.js';
import { PaperBroker, type BrokerEvent } from '../../shared/trading/paper-broker.js';

/**
 * The paper venue: one PaperBroker per instrument traded on paper, each fed the live events of
 * its instrument in exchange time. At most one of them runs a strategy (trading.paper.start);
 * the others take the user's manual orders. All share the workspace gate.
 *
 * A broker is created mid-stream from a snapshot of the live book (the pipeline's), stamped
 * with the last event's (ts, seq), so its engine resumes exactly where the market is.
 * Replacing a broker (a strategy starts or stops, the account is reset) drops its simulated
 * orders: they are reported as cancelled, since they never existed outside this process.
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

export interface PaperVenueOptions {
  readonly gate: RiskGate;
  /** The live book of an instrument now (best first), or null before any data. */
  readonly book: (instrument: string) => { bids: readonly Level[]; asks: readonly Level[] } | null;
  /** Every event of every paper broker, with the broker's instrument. */
  readonly onEvent: (instrument: string, event: BrokerEvent) => void;
  /** Equity the engines start from (the paper account's cash). */
  readonly cash: () => number;
  readonly seed: number;
}

interface Desk {
  readonly broker: PaperBroker;
  readonly strategy: PaperStrategy | null;
  readonly costs: PaperCosts;
}

const idle: Strategy = {};

export class PaperVenue {
  private readonly desks = new Map<string, Desk>();
  private readonly lastEvent = new Map<string, { ts: number; seq: number }>();
  private isArmed = true;
  private why: string | null = null;
  private manualIds = 0;

  constructor(
    private readonly options: PaperVenueOptions,
    /** Tags manual client ids of this run, so they never repeat across restarts. */
    private readonly session: string,
  ) {}

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
      if (!this.desks.has(event.instrument)) continue;
      byInstrument ??= new Map();
      const list = byInstrument.get(event.instrument);
      if (list === undefined) byInstrument.set(event.instrument, [event]);
      else list.push(event);
    }
    if (byInstrument === null) return;
    for (const [instrument, batch] of byInstrument) this.desks.get(instrument)?.broker.onEvents(batch);
  }

  /** Runs a strategy on an instrument (the one running before, anywhere, is stopped). */
  start(strategy: PaperStrategy, create: () => Strategy, costs: PaperCosts, barMs: number): void {
    const running = this.strategy();
    if (running !== null)
      this.replace(running.instrument, null, idle, this.desks.get(running.instrument)?.costs ?? costs, 0);
    this.replace(strategy.instrument, strategy, create(), costs, barMs);
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

  /** Fresh engines on the current books; no strategy. The account is reset by the caller. */
  reset(): void {
    for (const instrument of [...this.desks.keys()])
      this.replace(instrument, null, idle, DEFAULT_PAPER_COSTS, 0);
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

  private replace(
    instrument: string,
    strategy: PaperStrategy | null,
    inner: Strategy,
    costs: PaperCosts,
    barMs: number,
  ): Desk {
    const old = this.desks.get(instrument);
    if (old !== undefined) {
      for (const order of old.broker.openOrders())
        this.options.onEvent(instrument, {
          kind: 'order',
          event: { kind: 'cancelled', ts: this.lastEvent.get(instrument)?.ts ?? 0, clientId: order.clientId },
        });
    }
    const broker = new PaperBroker({
      workspace: PAPER_VENUE,
      instrument,
      createStrategy: () => inner,
      initialCash: this.options.cash(),
      fees: costs.fees,
      latency: { kind: 'constant', submitMs: costs.latencyMs.submit, cancelMs: costs.latencyMs.cancel },
      seed: this.options.seed,
      barMs,
      equityIntervalMs: EQUITY_INTERVAL_MS,
      gate: this.options.gate,
      armed: this.isArmed,
    });
    broker.subscribe((event) => {
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
    return desk;
  }
}
