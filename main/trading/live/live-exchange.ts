import type { Exchange } from 'ccxt';
import { refusal, type RiskGate, type RiskRefusal, type RiskState } from '../../../shared/risk/gate.js';
import { applyKeys, createExchange, type EndpointOverride } from '../../exchange/ccxt-exchange.js';
import type { VenueOrder } from '../venue.js';
import type { ExchangeKeys } from '../../exchange/secret-store.js';
import { armPhrase, LiveBroker } from './live-broker.js';
import type { LiveBrokerEvent, LiveOrderRequest, SubmitGuard } from './live-events.js';
import { WORKING_STATES, type LiveOrderRow, type LiveOrderStore } from './order-store.js';

/**
 * One live venue: an exchange connection with saved API keys. Nothing is created and no
 * request leaves until the user arms it with the phrase; only then is the ccxt instance (with
 * its keys) built and the LiveBroker started: markets loaded, the store reconciled with the
 * exchange (orders and fills that happened while away), then polled. While disarmed an order
 * is refused here, before any broker exists, so a disarmed venue sends nothing at all.
 */

/** How often an armed venue asks the exchange for its orders, fills and balances. */
export const LIVE_POLL_MS = 500;
const BALANCE_MS = 2_000;

export interface LiveExchangeOptions {
  readonly exchangeId: string;
  readonly store: LiveOrderStore;
  readonly gate: RiskGate;
  readonly clock: () => number;
  /** Client id session tag of this run. */
  readonly session: string;
  /** The connection's symbols and endpoint now (undefined: no longer connected). */
  readonly connection: () =>
    { symbols: readonly string[]; endpoint?: EndpointOverride | undefined } | undefined;
  readonly keys: () => ExchangeKeys | null;
  readonly onEvent: (event: LiveBrokerEvent) => void;
  readonly log: (line: string) => void;
}

/** A venue order as the exchange broker sends it. */
export interface LiveOrder extends VenueOrder {
  /** Echoed in the broker's `sent` event (a strategy desk's own order id). */
  readonly tag?: string;
}

export type Balances = Record<string, { free: number; used: number; total: number }>;

export class LiveExchange {
  readonly exchangeId: string;
  private broker: LiveBroker | null = null;
  private exchange: Exchange | null = null;
  private why: string | null = null;
  private balanceCache: Balances = {};
  private balanceTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: LiveExchangeOptions) {
    this.exchangeId = options.exchangeId;
  }

  get armed(): boolean {
    return this.broker?.armed ?? false;
  }

  get disarmedReason(): string | null {
    return this.armed ? null : this.why;
  }

  get balances(): Balances {
    return this.balanceCache;
  }

  /** Checks the phrase first (a wrong one builds nothing), then arms and reconciles. */
  async arm(phrase: string): Promise<void> {
    const expected = armPhrase(this.exchangeId);
    if (phrase !== expected)
      throw new Error(`arming ${this.exchangeId} needs the exact phrase '${expected}'`);
    const broker = this.ensureBroker();
    await broker.arm(phrase);
    this.why = null;
    await broker.reconcile();
    broker.start(LIVE_POLL_MS);
    await this.refreshBalances();
    this.balanceTimer ??= setInterval(() => {
      void this.refreshBalances();
    }, BALANCE_MS);
  }

  disarm(why: string): void {
    this.why = why;
    this.broker?.disarm(why);
  }

  /**
   * The user replaced this exchange's keys: the venue's client signs its next request with
   * them (a request already waiting in ccxt's rate limiter too). The venue stays as armed as
   * it was: a wrong secret shows up as the exchange refusing the next request, where the user
   * sees it, not as an order quietly sent with the old key.
   */
  replaceKeys(keys: ExchangeKeys): void {
    if (this.exchange !== null) applyKeys(this.exchange, keys);
  }

  /**
   * The user deleted this exchange's keys: disarmed at once (the broker's audited `armed`
   * event carries `why`), the client's keys wiped first so nothing queued can still be signed
   * with them, then the broker and client dropped. A later arm needs new keys.
   */
  dropKeys(why: string): void {
    this.why = why;
    if (this.exchange !== null) applyKeys(this.exchange, null);
    this.broker?.disarm(why);
    this.stop();
    this.broker = null;
    this.exchange = null;
    this.balanceCache = {};
  }

  /** Places an order when armed; refuses (with no request) when not. */
  async submit(
    symbol: string,
    order: LiveOrder,
    guard?: SubmitGuard,
  ): Promise<{ ok: true; clientId: string } | { ok: false; refusal: RiskRefusal }> {
    const broker = this.broker;
    const flattening = guard?.flatten === true && order.reduceOnly;
    if (broker === null || (!broker.armed && !flattening)) {
      const verdict = refusal('disarmed', 1, 0, `live trading on ${this.exchangeId}; new orders`);
      this.options.onEvent({
        kind: 'refused',
        ts: this.options.clock(),
        symbol,
        request: liveRequest(order),
        refusal: verdict,
      });
      return { ok: false, refusal: verdict };
    }
    const result = await broker.submit(symbol, liveRequest(order), guard);
    void this.refreshBalances();
    return result.ok ? { ok: true, clientId: result.clientId } : { ok: false, refusal: result.refusal };
  }

  /**
   * The panic's flatten of one symbol: balances read fresh first (the orders the panic just
   * cancelled no longer lock the base asset), then a reduce-only order that passes while
   * disarmed, through the gate. A venue never armed has no broker and holds nothing we know of.
   */
  async flatten(
    symbol: string,
    order: LiveOrder,
  ): Promise<{ ok: true; clientId: string } | { ok: false; refusal: RiskRefusal }> {
    if (this.broker !== null) this.balanceCache = await this.broker.balances();
    return this.submit(symbol, { ...order, reduceOnly: true }, { stillWanted: () => true, flatten: true });
  }

  /** Cancels pass while disarmed: they only reduce risk. */
  async cancel(clientId: string): Promise<boolean> {
    if (this.options.store.order(clientId)?.exchange !== this.exchangeId) return false;
    return this.ensureBroker().cancel(clientId);
  }

  /** Disarms, then cancels every open order (those of an earlier run too). */
  async panic(why: string): Promise<void> {
    this.why = why;
    if (this.broker === null && this.openOrders().length === 0) return;
    await this.ensureBroker().panic(why);
  }

  openOrders(): LiveOrderRow[] {
    return this.options.store.orders(this.exchangeId, WORKING_STATES);
  }

  /** Positions, orders and equity as the gate sees them; empty until armed once. */
  riskState(): Omit<RiskState, 'ts'> | null {
    if (this.broker === null) return null;
    const { equity, positions, openOrders } = this.broker.riskState();
    return { equity, positions, openOrders };
  }

  stop(): void {
    this.broker?.stop();
    if (this.balanceTimer !== null) clearInterval(this.balanceTimer);
    this.balanceTimer = null;
    void this.exchange?.close();
  }

  private async refreshBalances(): Promise<void> {
    if (this.broker === null) return;
    try {
      this.balanceCache = await this.broker.balances();
    } catch (error) {
      this.options.log(
        `trading: ${this.exchangeId} balances: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private ensureBroker(): LiveBroker {
    if (this.broker !== null) return this.broker;
    const connection = this.options.connection();
    const keys = this.options.keys();
    if (connection === undefined) throw new Error(`${this.exchangeId} is not connected`);
    if (keys === null) throw new Error(`${this.exchangeId} has no saved API keys`);
    // REST: the broker polls (LIVE_POLL_MS); facts are read back through REST either way.
    const exchange = createExchange(this.exchangeId, {
      endpoint: connection.endpoint,
      keys,
      transport: 'rest',
    });
    this.exchange = exchange;
    const broker = new LiveBroker({
      exchangeId: this.exchangeId,
      exchange,
      store: this.options.store,
      gate: this.options.gate,
      session: this.options.session,
      clock: this.options.clock,
      symbols: connection.symbols,
    });
    broker.subscribe(this.options.onEvent);
    this.broker = broker;
    return broker;
  }
}

function liveRequest(order: LiveOrder): LiveOrderRequest {
  return {
    side: order.side,
    type: order.type,
    quantity: order.quantity,
    ...(order.price === undefined ? {} : { price: order.price }),
    ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    reduceOnly: order.reduceOnly,
    ...(order.tag === undefined ? {} : { tag: order.tag }),
  };
}
