import { InvalidNonce, NetworkError, OrderNotFound, type Exchange, type Order, type Trade } from 'ccxt';
import {
  describeInvalidRequest,
  validateOrderRequest,
  type OrderRequest,
  type TimeInForce,
} from '../../../shared/backtest/orders.js';
import {
  refusal,
  type RiskGate,
  type RiskOpenOrder,
  type RiskPosition,
  type RiskRefusal,
  type RiskState,
} from '../../../shared/risk/gate.js';
import {
  roundToMarket,
  roundToStep,
  stepOf,
  type MarketPrecision,
  type PrecisionMode,
} from '../../../shared/trading/sizing.js';
import {
  EPS,
  errorName,
  exchangeReason,
  messageOf,
  precisionModeOf,
  precisionOf,
  stateOf,
  type CcxtMarket,
} from './ccxt-orders.js';
import { ClientOrderIds } from './client-order-id.js';
import {
  isWorking,
  type LiveFillRow,
  type LiveOrderPatch,
  type LiveOrderRow,
  type LiveOrderStore,
} from './order-store.js';
import type { LiveBrokerEvent, LiveOrderRequest, LiveSubmitResult, SubmitGuard } from './live-events.js';
import { UserStream } from './user-stream.js';

/**
 * The live broker: our orders on one exchange through ccxt, with the same guarantees the
 * paper broker gives and the ones only a real venue needs.
 *
 * - Off until armed: `arm()` needs the exact phrase `armPhrase(exchange)`; while disarmed no
 *   order request leaves (cancels still do: they only ever reduce risk).
 * - Every order is rounded to the market's precision and limits (`roundToMarket`) and then
 *   put to the RiskGate, which has the last word; a refusal is an event with its reason.
 * - Client ids are `<prefix>-<session>-<n>` and the order is written to the store (state
 *   `sending`) before its request leaves.
 * - A create that gets no answer (timeout, dropped connection, 5xx) is NEVER retried: the
 *   order is `in_doubt` and is looked up by client id until the exchange says. "Not found"
 *   is believed only once the request can no longer arrive: Binance refuses a request older
 *   than its `recvWindow`, so after answer time + recvWindow + a clock-skew margin a missing
 *   order is `not_placed`.
 * - `sync()` / `reconcile()` fetch fills since the last one recorded (myTrades from the next
 *   trade id) and the state of every working order, so fills that happened while we were
 *   away (a reconnect, a restart over the same store) are recorded once.
 * - `panic()` disarms, then cancels every open order on the exchange's traded symbols.
 * - Updates come from the exchange's user data stream (`watch()`, ccxt pro watchOrders: each
 *   update triggers a sync) or from polling (`start(intervalMs)`); either way the facts are
 *   read back through REST and recorded once, so a missed stream message costs latency, not
 *   a fill. A stream that fails is reopened with backoff and followed by a reconcile.
 */

export function armPhrase(exchangeId: string): string {
  return `arm live trading on ${exchangeId}`;
}

export interface LiveBrokerConfig {
  /** ccxt id, e.g. 'binance': the armed switch, the ids in the store and instruments are per exchange. */
  readonly exchangeId: string;
  /** A ccxt instance with keys (see main/exchange/ccxt-exchange.ts createExchange). */
  readonly exchange: Exchange;
  readonly store: LiveOrderStore;
  readonly gate: RiskGate;
  /** Client id session: a short tag of this run (letters, digits, `_`). */
  readonly session: string;
  /** Client id prefix (default `tw`). */
  readonly prefix?: string;
  readonly clock: () => number;
  /** Symbols to watch and cancel on panic besides those with stored orders. */
  readonly symbols?: readonly string[];
  /** The price that values a market order (default: the mid of the exchange's book). */
  readonly mark?: (symbol: string) => number | Promise<number>;
  /** Binance recvWindow sent with every create (default 5000 ms). */
  readonly recvWindowMs?: number;
  /** Clock difference allowed between us and the exchange (default 1000 ms). */
  readonly clockSkewMs?: number;
  /** Wait between lookups of an order in doubt (default 250 ms). */
  readonly lookupRetryMs?: number;
  /** The workspace's other books, so total limits see everything. */
  readonly otherBooks?: () => Pick<RiskState, 'positions' | 'openOrders'>;
  /** Jitter of the user-stream reconnect backoff (default Math.random). */
  readonly random?: () => number;
}

export interface SyncSummary {
  /** Fills recorded by this pass (new trade ids only). */
  readonly fills: number;
  /** Orders whose state changed. */
  readonly updated: number;
  /** Orders still in doubt after this pass. */
  readonly inDoubt: number;
  /** Trades on the account that belong to no order of ours (manual trading). */
  readonly foreignTrades: number;
}

export interface PanicResult {
  readonly cancelled: number;
  readonly failed: readonly string[];
}

interface Wallet {
  readonly free: number;
  readonly total: number;
}

interface SyncCounters {
  fills: number;
  updated: number;
  foreignTrades: number;
}

const TRADES_PAGE = 1_000;
/** How long past the recvWindow deadline a create keeps looking while the exchange is unreachable. */
const LOOKUP_GRACE_MS = 10_000;

export class LiveBroker {
  readonly exchangeId: string;
  private isArmed = false;
  private readonly ids: ClientOrderIds;
  private readonly listeners: ((event: LiveBrokerEvent) => void)[] = [];
  private readonly marks = new Map<string, number>();
  private wallet = new Map<string, Wallet>();
  /** Creates of this instance still waiting for their answer: a sync must not judge them. */
  private readonly inFlight = new Set<string>();
  /** When this instance started: a `sending` order of an earlier run left before it. */
  private readonly startedTs: number;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private stream: UserStream | null = null;
  private running: Promise<SyncSummary> | null = null;

  constructor(private readonly config: LiveBrokerConfig) {
    this.exchangeId = config.exchangeId;
    this.ids = new ClientOrderIds(config.store, config.prefix ?? 'tw', config.session);
    this.startedTs = config.clock();
  }

  subscribe(listener: (event: LiveBrokerEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  get armed(): boolean {
    return this.isArmed;
  }

  /** A sync or reconcile pass is running. */
  get syncing(): boolean {
    return this.running !== null;
  }

  /**
   * Arms live trading on this exchange. `confirmation` must be `armPhrase(exchangeId)`, typed
   * by the user; anything else throws and leaves the broker disarmed. Loads the markets (for
   * rounding), the balances and the marks of the watched symbols (for the gate) first.
   */
  async arm(confirmation: string, why = 'armed by the user'): Promise<void> {
    const expected = armPhrase(this.exchangeId);
    if (confirmation !== expected)
      throw new Error(`arming ${this.exchangeId} needs the phrase '${expected}'`);
    await this.config.exchange.loadMarkets();
    await this.refreshBalances();
    // Equity (the breaker's day start, the kill switch's peak) needs every holding marked.
    for (const symbol of this.symbols()) await this.markOf(symbol);
    this.config.gate.rearm?.();
    this.setArmed(true, why);
  }

  disarm(why = 'disarmed by the user'): void {
    this.setArmed(false, why);
  }

  /** Places one order: rounded, gated, written, then sent once. */
  async submit(symbol: string, request: LiveOrderRequest, guard?: SubmitGuard): Promise<LiveSubmitResult> {
    const refuse = (r: RiskRefusal): LiveSubmitResult => {
      this.emit({ kind: 'refused', ts: this.now(), symbol, request, refusal: r });
      return { ok: false, refusal: r };
    };
    const flattening = guard?.flatten === true && request.reduceOnly === true;
    if (!this.isArmed && !flattening)
      return refuse(refusal('disarmed', 1, 0, `live trading on ${this.exchangeId}; new orders`));
    const type = request.type;
    const limitPriced = type === 'limit' || type === 'stop_limit';
    const isStop = type === 'stop' || type === 'stop_limit';
    // The backtest's validator, so live refuses exactly what a backtest rejects.
    const problem = validateOrderRequest(request);
    if (problem !== null) return refuse(invalid(describeInvalidRequest(problem, request)));
    // Stricter than a backtest: an exchange would read a stray stop price as a trigger.
    if (!isStop && request.stopPrice !== undefined) return refuse(invalid(`a stop price on a ${type} order`));
    const market = this.marketOf(symbol);
    if (market === undefined) return refuse(invalid(`${this.exchangeId} has no market ${symbol}`));
    const mode = precisionModeOf(this.config.exchange);
    if (mode === null) return refuse(invalid(`${this.exchangeId} uses significant-digit precision`));

    let quantity = request.quantity;
    if (request.reduceOnly === true) {
      // Spot has no short positions: a reduce-only sell is clipped to what we hold, a buy refused.
      if (request.side === 'buy') return refuse(invalid('a reduce-only buy on a spot market'));
      quantity = Math.min(quantity, this.wallet.get(market.base ?? '')?.free ?? 0);
    }
    // The stop price is on the tick, rounded the way that triggers no later: a sell stop up, a
    // buy stop down (towards a market that is above a sell stop and below a buy stop).
    let stopPrice: number | null = null;
    if (isStop) {
      try {
        stopPrice = roundStop(request.side, request.stopPrice ?? Number.NaN, precisionOf(market), mode);
      } catch (error) {
        return refuse(invalid(messageOf(error)));
      }
    }
    // A working order is valued where it will trade: its limit, a stop at its stop price, a
    // market order at the mark.
    let valuation: number;
    try {
      valuation = limitPriced
        ? (request.price ?? Number.NaN)
        : stopPrice !== null
          ? stopPrice
          : await this.markOf(symbol);
    } catch (error) {
      return refuse(invalid(`no price to value the order: ${messageOf(error)}`));
    }
    let rounded;
    try {
      rounded = roundToMarket({ side: request.side, quantity, price: valuation }, precisionOf(market), mode);
    } catch (error) {
      return refuse(invalid(messageOf(error)));
    }
    if (!rounded.ok) return refuse(invalid(rounded.reason));
    const price = limitPriced ? rounded.price : null;
    const timeInForce: TimeInForce = request.timeInForce ?? 'gtc';
    const { clientId, seq } = this.ids.next();
    const order: OrderRequest = {
      clientId,
      side: request.side,
      type,
      quantity: rounded.quantity,
      ...(price === null ? {} : { price }),
      ...(stopPrice === null ? {} : { stopPrice }),
      timeInForce,
      ...(request.postOnly === true ? { postOnly: true } : {}),
    };
    const instrument = this.instrumentOf(symbol);
    const verdict = this.config.gate.check(
      { instrument, intent: { kind: 'submit', order }, price: price ?? stopPrice ?? valuation },
      this.riskState(),
    );
    if (!verdict.ok) return refuse(verdict);
    // Anything awaited above may have raced a panic: the switch is read again right before sending.
    if (!this.stillArmed() && !flattening)
      return refuse(refusal('disarmed', 1, 0, `live trading on ${this.exchangeId}; new orders`));
    if (guard?.stillWanted() === false)
      return refuse(invalid('withdrawn by the strategy before it left (the strategy stopped)'));

    const now = this.now();
    this.config.store.insertOrder({
      clientId,
      exchange: this.exchangeId,
      symbol,
      session: this.ids.session,
      seq,
      side: request.side,
      type,
      timeInForce,
      postOnly: request.postOnly === true,
      quantity: rounded.quantity,
      price,
      stopPrice,
      state: 'sending',
      exchangeOrderId: null,
      filled: 0,
      reason: null,
      createdTs: now,
      updatedTs: now,
    });
    this.emit({
      kind: 'sent',
      ts: now,
      symbol,
      clientId,
      side: request.side,
      type,
      quantity: rounded.quantity,
      price,
      stopPrice,
      tag: request.tag ?? null,
    });
    this.inFlight.add(clientId);
    try {
      // ccxt's unified trigger: 'market' + triggerPrice is Binance spot's STOP_LOSS, 'limit' +
      // triggerPrice its STOP_LOSS_LIMIT (createOrderRequest; a sell triggers at or below the
      // stop, a buy at or above).
      const placed = await this.config.exchange.createOrder(
        symbol,
        limitPriced ? 'limit' : 'market',
        request.side,
        rounded.quantity,
        price ?? undefined,
        {
          newClientOrderId: clientId,
          recvWindow: this.recvWindowMs,
          ...(limitPriced ? { timeInForce: timeInForce.toUpperCase() } : {}),
          ...(stopPrice === null ? {} : { triggerPrice: stopPrice }),
          ...(request.postOnly === true ? { postOnly: true } : {}),
        },
      );
      await this.applyOrder(clientId, placed, null);
    } catch (error) {
      if (error instanceof NetworkError && !(error instanceof InvalidNonce)) {
        // No answer is not a "no": the order may stand. Look, never resend.
        this.update(clientId, { state: 'in_doubt', reason: messageOf(error) });
        this.emit({ kind: 'in_doubt', ts: this.now(), symbol, clientId, error: messageOf(error) });
        await this.lookUp(clientId, this.now(), 'until_decided');
      } else {
        const reason = exchangeReason(error);
        this.update(clientId, { state: 'rejected', reason });
        this.emit({ kind: 'rejected', ts: this.now(), symbol, clientId, reason, error: errorName(error) });
      }
    } finally {
      this.inFlight.delete(clientId);
    }
    return { ok: true, clientId, state: this.row(clientId).state };
  }

  /** Cancels one of our orders; false when it was no longer working (filled, unknown). */
  async cancel(clientId: string): Promise<boolean> {
    const row = this.config.store.order(clientId);
    if (row === undefined || !isWorking(row.state)) return false;
    const byClientId = row.exchangeOrderId === null;
    try {
      const cancelled = await this.config.exchange.cancelOrder(
        row.exchangeOrderId ?? '',
        row.symbol,
        byClientId ? { origClientOrderId: clientId } : {},
      );
      await this.applyOrder(clientId, cancelled, 'canceled');
      return true;
    } catch (error) {
      if (!(error instanceof OrderNotFound)) throw error;
      // Gone already (filled or cancelled meanwhile, or never placed): learn which.
      await this.lookUp(clientId, this.now(), 'once');
      return false;
    }
  }

  /** Our orders that may still trade, oldest first. */
  openOrders(): LiveOrderRow[] {
    return this.config.store.orders(this.exchangeId).filter((row) => isWorking(row.state));
  }

  fills(symbol?: string): LiveFillRow[] {
    return this.config.store.fills(this.exchangeId, symbol);
  }

  /** Free, locked (`used`) and total per asset, fresh from the exchange. */
  async balances(): Promise<Record<string, { free: number; used: number; total: number }>> {
    const balance = await this.config.exchange.fetchBalance();
    const out: Record<string, { free: number; used: number; total: number }> = {};
    const wallet = new Map<string, Wallet>();
    // ccxt keeps one entry per asset beside the free/used/total dictionaries.
    const assets = Object.keys((balance as unknown as { total?: Record<string, unknown> }).total ?? {});
    for (const asset of assets) {
      const entry = balance[asset];
      const free = entry?.free ?? 0;
      const used = entry?.used ?? 0;
      const total = entry?.total ?? free + used;
      out[asset] = { free, used, total };
      wallet.set(asset, { free, total });
    }
    this.wallet = wallet;
    return out;
  }

  /**
   * Brings the store up to the exchange: resolves orders in doubt, records every fill since
   * the last one, updates the state of every working order, then lets the gate's breaker see
   * the account. Calls are serialised (a second caller waits for the running pass).
   */
  sync(): Promise<SyncSummary> {
    return this.pass(false);
  }

  /** After a reconnect or a restart: a full pass that reports a `reconciled` event per symbol. */
  async reconcile(): Promise<SyncSummary> {
    if (this.running !== null) await this.running.catch(() => undefined);
    return this.pass(true);
  }

  private pass(report: boolean): Promise<SyncSummary> {
    if (this.running !== null) return this.running;
    const pass = this.syncOnce(report).finally(() => {
      this.running = null;
    });
    this.running = pass;
    return pass;
  }

  /** The panic button: disarm first (nothing new leaves), then cancel every open order. */
  async panic(why = 'panic button'): Promise<PanicResult> {
    this.setArmed(false, why);
    let cancelled = 0;
    const failed: string[] = [];
    for (const symbol of this.symbols()) {
      let open: Order[];
      try {
        open = await this.config.exchange.fetchOpenOrders(symbol);
      } catch (error) {
        failed.push(`${symbol}: ${messageOf(error)}`);
        continue;
      }
      for (const order of open) {
        try {
          const result = await this.config.exchange.cancelOrder(order.id ?? '', symbol);
          cancelled++;
          const row = this.rowOf(symbol, order);
          if (row !== undefined) await this.applyOrder(row.clientId, result, 'canceled');
        } catch (error) {
          // Filled between the listing and the cancel: nothing left to cancel.
          if (!(error instanceof OrderNotFound))
            failed.push(`${symbol} ${order.id ?? '?'}: ${messageOf(error)}`);
        }
      }
    }
    await this.sync();
    return { cancelled, failed };
  }

  /** Polls the exchange every `intervalMs` (the simulator and REST-only venues: no user stream). */
  start(intervalMs: number): void {
    this.stop();
    const tick = (): void => {
      this.pollTimer = setTimeout(() => {
        void this.sync()
          .catch(() => undefined)
          .finally(() => {
            if (this.pollTimer !== null) tick();
          });
      }, intervalMs);
    };
    tick();
  }

  /**
   * Follows the exchange's user data stream: every order update triggers a sync, and a
   * reopened stream a reconcile. Resolves once the stream is first open (or failed to open).
   */
  async watch(): Promise<void> {
    if (this.stream !== null) return;
    this.stream = new UserStream({
      exchange: this.config.exchange,
      random: this.config.random ?? Math.random,
      onUpdate: () => this.sync(),
      onReopen: () => this.reconcile(),
    });
    await this.stream.open();
  }

  /** Times the user stream was reopened after a drop (each followed by a reconcile). */
  get streamReopens(): number {
    return this.stream?.reopens ?? 0;
  }

  /** Stops polling and following the user stream. */
  stop(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.stream?.close();
    this.stream = null;
  }

  /** The book the gate decides on: base balances of traded symbols, our working orders. */
  riskState(): RiskState {
    const positions: RiskPosition[] = [];
    let equity = 0;
    const quotes = new Set<string>();
    for (const symbol of this.symbols()) {
      const market = this.marketOf(symbol);
      if (market === undefined) continue;
      if (market.quote !== undefined) quotes.add(market.quote);
      const held = this.wallet.get(market.base ?? '')?.total ?? 0;
      const mark = this.marks.get(symbol) ?? Number.NaN;
      if (held !== 0) positions.push({ instrument: this.instrumentOf(symbol), quantity: held, mark });
      if (Number.isFinite(mark)) equity += held * mark;
    }
    for (const quote of quotes) equity += this.wallet.get(quote)?.total ?? 0;
    const openOrders: RiskOpenOrder[] = this.openOrders().map((row) => ({
      instrument: this.instrumentOf(row.symbol),
      clientId: row.clientId,
      side: row.side,
      quantity: row.quantity,
      remaining: Math.max(0, row.quantity - row.filled),
      price: row.price ?? Number.NaN,
    }));
    const others = this.config.otherBooks?.();
    if (others !== undefined) {
      positions.push(...others.positions);
      openOrders.push(...others.openOrders);
    }
    return { ts: this.now(), equity, positions, openOrders };
  }

  // ---- internals ---------------------------------------------------------------------------

  private get recvWindowMs(): number {
    return this.config.recvWindowMs ?? 5_000;
  }

  private async syncOnce(report: boolean): Promise<SyncSummary> {
    const counters: SyncCounters = { fills: 0, updated: 0, foreignTrades: 0 };
    const store = this.config.store;
    for (const row of store.orders(this.exchangeId, ['sending', 'in_doubt'])) {
      if (this.inFlight.has(row.clientId)) continue;
      // A `sending` order of an earlier run left (if at all) before this instance started.
      const answeredTs = row.state === 'sending' ? Math.max(row.updatedTs, this.startedTs) : row.updatedTs;
      await this.lookUp(row.clientId, answeredTs, 'once');
    }
    for (const symbol of this.symbols()) {
      const before = counters.fills;
      // The breaker values the account at current marks; a missing mark keeps the last one.
      await this.markOf(symbol).catch(() => undefined);
      await this.catchUpFills(symbol, counters);
      await this.refreshOrders(symbol, counters);
      if (report || counters.fills > before)
        this.emit({
          kind: 'reconciled',
          ts: this.now(),
          symbol,
          clientId: null,
          outcome: 'caught_up',
          fills: counters.fills - before,
        });
    }
    if (counters.fills > 0) await this.refreshBalances();
    this.watchBreaker();
    const inDoubt = store.orders(this.exchangeId, ['sending', 'in_doubt']).length;
    return { ...counters, inDoubt };
  }

  /** myTrades from the trade after the last one recorded (or since our oldest working order). */
  private async catchUpFills(symbol: string, counters: SyncCounters): Promise<void> {
    const last = this.config.store.fills(this.exchangeId, symbol).at(-1);
    let fromId = last !== undefined && /^\d+$/.test(last.tradeId) ? Number(last.tradeId) + 1 : null;
    let since: number | undefined;
    if (fromId === null) {
      const rows = this.config.store.orders(this.exchangeId).filter((row) => row.symbol === symbol);
      if (rows.length === 0) return;
      since = Math.min(...rows.map((row) => row.createdTs)) - (this.config.clockSkewMs ?? 1_000);
    }
    for (;;) {
      const trades = await this.config.exchange.fetchMyTrades(
        symbol,
        fromId === null ? since : undefined,
        TRADES_PAGE,
        fromId === null ? {} : { fromId: String(fromId) },
      );
      for (const trade of trades) this.recordTrade(symbol, trade, counters);
      const lastId = trades.at(-1)?.id;
      if (trades.length < TRADES_PAGE || lastId === undefined || !/^\d+$/.test(lastId)) return;
      fromId = Number(lastId) + 1;
    }
  }

  /** Open orders as the exchange lists them; an order missing from the list is fetched. */
  private async refreshOrders(symbol: string, counters: SyncCounters): Promise<void> {
    const working = this.openOrders().filter(
      (row) => row.symbol === symbol && row.exchangeOrderId !== null && !this.inFlight.has(row.clientId),
    );
    if (working.length === 0) return;
    const open = await this.config.exchange.fetchOpenOrders(symbol);
    const listed = new Map(open.map((order) => [order.id ?? '', order]));
    for (const row of working) {
      const before = row.state;
      const order =
        listed.get(row.exchangeOrderId ?? '') ??
        (await this.config.exchange.fetchOrder(row.exchangeOrderId ?? '', symbol));
      await this.applyOrder(row.clientId, order, null);
      if (this.row(row.clientId).state !== before) counters.updated++;
    }
  }

  /**
   * Asks the exchange for an order by client id. Found: recorded. Not found once
   * `answeredTs + recvWindow + skew` has passed: `not_placed` (the request can no longer be
   * accepted). `once` asks one time; `until_decided` asks again until one of the two (or,
   * while the exchange cannot be reached, for a while longer), else the order stays in doubt
   * for the next sync.
   */
  private async lookUp(
    clientId: string,
    answeredTs: number,
    patience: 'once' | 'until_decided',
  ): Promise<void> {
    const row = this.row(clientId);
    const deadline = answeredTs + this.recvWindowMs + (this.config.clockSkewMs ?? 1_000);
    const giveUp = deadline + LOOKUP_GRACE_MS;
    for (;;) {
      try {
        const order = await this.config.exchange.fetchOrder('', row.symbol, { origClientOrderId: clientId });
        const wasKnown = row.exchangeOrderId !== null;
        const fillsBefore = this.config.store.fills(this.exchangeId, row.symbol).length;
        await this.applyOrder(clientId, order, null);
        if (!wasKnown || row.state === 'in_doubt' || row.state === 'sending')
          this.emit({
            kind: 'reconciled',
            ts: this.now(),
            symbol: row.symbol,
            clientId,
            outcome: 'found',
            fills: this.config.store.fills(this.exchangeId, row.symbol).length - fillsBefore,
          });
        return;
      } catch (error) {
        if (error instanceof OrderNotFound) {
          if (this.now() > deadline && row.exchangeOrderId === null) {
            this.update(clientId, {
              state: 'not_placed',
              reason: 'not on the exchange after its recvWindow',
            });
            this.emit({
              kind: 'reconciled',
              ts: this.now(),
              symbol: row.symbol,
              clientId,
              outcome: 'not_placed',
              fills: 0,
            });
            return;
          }
        } else if (!(error instanceof NetworkError)) {
          throw error;
        }
      }
      if (patience === 'once' || this.now() > giveUp) return;
      await sleep(this.config.lookupRetryMs ?? 250);
    }
  }

  /**
   * Takes the exchange's view of one of our orders: its id (accepted), its fills (from the
   * response, else from myTrades when it reports more filled than we recorded), its state.
   */
  private async applyOrder(clientId: string, order: Order, assume: 'canceled' | null): Promise<void> {
    let row = this.row(clientId);
    const symbol = row.symbol;
    if (row.exchangeOrderId === null && order.id !== undefined && order.id !== '') {
      row = this.update(clientId, { exchangeOrderId: order.id });
      this.emit({ kind: 'accepted', ts: this.now(), symbol, clientId, exchangeOrderId: order.id });
    }
    const counters: SyncCounters = { fills: 0, updated: 0, foreignTrades: 0 };
    // Fills in an order response happened as it arrived: taker (Binance does not say so there).
    for (const trade of order.trades)
      this.recordTrade(
        symbol,
        { ...trade, order: row.exchangeOrderId ?? undefined, takerOrMaker: trade.takerOrMaker ?? 'taker' },
        counters,
      );
    const reported = order.filled ?? 0;
    if (reported > this.filledOf(clientId) + EPS && row.exchangeOrderId !== null) {
      const trades = await this.config.exchange.fetchMyTrades(symbol, undefined, TRADES_PAGE, {
        orderId: row.exchangeOrderId,
      });
      for (const trade of trades) this.recordTrade(symbol, trade, counters);
    }
    row = this.row(clientId);
    const status = assume ?? order.status ?? undefined;
    const next = stateOf(status, Math.max(reported, this.filledOf(clientId)), row);
    if (next !== row.state || reported > row.filled) {
      this.update(clientId, { state: next, filled: Math.max(reported, row.filled) });
      if (next !== row.state && (next === 'cancelled' || next === 'expired'))
        this.emit({ kind: next, ts: this.now(), symbol, clientId, filled: this.filledOf(clientId) });
      if (next !== row.state && next === 'rejected')
        this.emit({
          kind: 'rejected',
          ts: this.now(),
          symbol,
          clientId,
          reason: `status ${status ?? '?'}`,
          error: 'status',
        });
    }
  }

  private recordTrade(symbol: string, trade: Trade, counters: SyncCounters): void {
    const orderId = trade.order;
    const row =
      orderId === undefined
        ? undefined
        : this.config.store.orderByExchangeId(this.exchangeId, symbol, orderId);
    if (row === undefined || orderId === undefined || trade.id === undefined) {
      counters.foreignTrades++;
      return;
    }
    const fill: LiveFillRow = {
      exchange: this.exchangeId,
      symbol,
      tradeId: trade.id,
      clientId: row.clientId,
      exchangeOrderId: orderId,
      side: row.side,
      price: Number(trade.price),
      quantity: trade.amount ?? 0,
      fee: trade.fee?.cost ?? 0,
      feeCurrency: trade.fee?.currency ?? null,
      liquidity: trade.takerOrMaker === 'maker' || trade.takerOrMaker === 'taker' ? trade.takerOrMaker : null,
      ts: trade.timestamp ?? this.now(),
    };
    if (!this.config.store.addFill(fill)) return;
    counters.fills++;
    const filled = this.filledOf(row.clientId);
    const done = filled >= row.quantity - EPS;
    this.update(row.clientId, {
      filled: Math.max(filled, row.filled),
      ...(done
        ? { state: 'filled' as const }
        : isWorking(row.state)
          ? { state: 'partially_filled' as const }
          : {}),
    });
    this.emit({
      kind: done ? 'filled' : 'partially_filled',
      ts: fill.ts,
      symbol,
      clientId: row.clientId,
      fill,
      filled,
      remaining: Math.max(0, roundQty(row.quantity - filled)),
    });
  }

  private filledOf(clientId: string): number {
    const row = this.row(clientId);
    let sum = 0;
    for (const fill of this.config.store.fills(this.exchangeId, row.symbol))
      if (fill.clientId === clientId) sum += fill.quantity;
    return roundQty(sum);
  }

  private watchBreaker(): void {
    const gate = this.config.gate;
    if (gate.observe === undefined) return;
    const trip = gate.observe(this.riskState());
    if (trip === null) return;
    this.emit({ kind: 'tripped', trip });
    // The breaker's actions are disarm and cancel_all: the panic button's.
    void this.panic(trip.reason).catch(() => undefined);
  }

  private async refreshBalances(): Promise<void> {
    await this.balances();
  }

  private async markOf(symbol: string): Promise<number> {
    let mark: number;
    if (this.config.mark !== undefined) {
      mark = await this.config.mark(symbol);
    } else {
      const book = await this.config.exchange.fetchOrderBook(symbol, 5);
      const bid = Number(book.bids[0]?.[0]);
      const ask = Number(book.asks[0]?.[0]);
      mark = (bid + ask) / 2;
    }
    if (!(mark > 0) || !Number.isFinite(mark)) throw new Error(`no mark for ${symbol}`);
    this.marks.set(symbol, mark);
    return mark;
  }

  private marketOf(symbol: string): CcxtMarket | undefined {
    const markets = this.config.exchange.markets as Record<string, CcxtMarket | undefined> | undefined;
    return markets?.[symbol];
  }

  private symbols(): string[] {
    const symbols = new Set(this.config.symbols ?? []);
    for (const row of this.openOrders()) symbols.add(row.symbol);
    return [...symbols];
  }

  private rowOf(symbol: string, order: Order): LiveOrderRow | undefined {
    const store = this.config.store;
    return (
      (order.id === undefined ? undefined : store.orderByExchangeId(this.exchangeId, symbol, order.id)) ??
      (order.clientOrderId === undefined ? undefined : store.order(order.clientOrderId))
    );
  }

  private row(clientId: string): LiveOrderRow {
    const row = this.config.store.order(clientId);
    if (row === undefined) throw new Error(`no stored order ${clientId}`);
    return row;
  }

  private update(clientId: string, patch: LiveOrderPatch): LiveOrderRow {
    return this.config.store.updateOrder(clientId, { ...patch, updatedTs: this.now() });
  }

  private instrumentOf(symbol: string): string {
    return `${this.exchangeId}:${symbol}`;
  }

  private setArmed(armed: boolean, why: string): void {
    if (this.isArmed === armed) return;
    this.isArmed = armed;
    this.emit({ kind: 'armed', ts: this.now(), armed, why });
  }

  /** Read after an await: a panic may have disarmed meanwhile. */
  private stillArmed(): boolean {
    return this.isArmed;
  }

  private now(): number {
    return this.config.clock();
  }

  private emit(event: LiveBrokerEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function invalid(what: string): RiskRefusal {
  return {
    ok: false,
    limit: 'invalid_order',
    value: Number.NaN,
    boundary: Number.NaN,
    reason: `invalid_order: ${what}`,
  };
}

/** A stop price on the market's tick: a sell stop rounds up, a buy stop down. */
function roundStop(
  side: 'buy' | 'sell',
  stopPrice: number,
  market: MarketPrecision,
  mode: PrecisionMode,
): number {
  if (!(stopPrice > 0) || !Number.isFinite(stopPrice))
    throw new RangeError(`stop price must be a finite positive number, got ${stopPrice}`);
  const rounded = roundToStep(
    stopPrice,
    stepOf(market.precision.price, mode),
    side === 'buy' ? 'down' : 'up',
  );
  if (!(rounded > 0)) throw new RangeError(`stop price ${stopPrice} rounds to zero`);
  return rounded;
}

function roundQty(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
