import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../shared/api/client.js';
import type { TradingState } from '../../../../shared/api/domains/trading.js';
import {
  armPhrase,
  createTradingStore,
  limitsFromTexts,
  limitsToTexts,
  noticeOf,
  orderFromTicket,
  TOASTS_SHOWN,
  usageLevel,
  type Notice,
  type OrderTicket,
  type Parsed,
} from '../../../../renderer/src/stores/trading.js';
import { fakeApi } from './fakeApi.js';

const EMPTY_TEXTS = limitsToTexts({});

const ticket = (patch: Partial<OrderTicket> = {}): OrderTicket => ({
  venue: 'paper',
  instrument: 'demo:DEMO/USD',
  side: 'buy',
  type: 'limit',
  quantity: '2',
  price: '99.5',
  stopPrice: '',
  timeInForce: 'GTC',
  postOnly: true,
  reduceOnly: false,
  ...patch,
});

const tradingState = (patch: Partial<TradingState> = {}): TradingState => ({
  venues: [
    {
      venue: 'binance',
      kind: 'live',
      armed: false,
      disarmedReason: null,
      connected: true,
      balances: {},
      equity: null,
      strategy: null,
    },
  ],
  positions: [],
  openOrders: [],
  fills: [],
  pnl: { ts: [], equity: [], venues: [] },
  limits: {},
  usage: [],
  breakers: [],
  ...patch,
});

const fill = (ts: number) => ({
  type: 'fill' as const,
  fill: {
    venue: 'paper',
    clientId: `c${ts}`,
    instrument: 'demo:DEMO/USD',
    side: 'buy' as const,
    price: 100.25,
    quantity: 0.5,
    fee: 0.05,
    liquidity: 'taker' as const,
    ts,
  },
});

const problemOf = (parsed: Parsed<unknown>): string | null => (parsed.ok ? null : parsed.problem);

/** Records every command the store sends, with its request, before the fake answers it. */
function recording(client: ApiClient): { client: ApiClient; sent: { command: string; request: unknown }[] } {
  const sent: { command: string; request: unknown }[] = [];
  return {
    sent,
    client: {
      call(command, request) {
        sent.push({ command, request });
        return client.call(command, request);
      },
      subscribe: client.subscribe.bind(client),
    },
  };
}

describe('trading store: limits form', () => {
  it('sends only the limits typed, an empty box meaning no limit', () => {
    const parsed = limitsFromTexts(
      { ...EMPTY_TEXTS, maxOrderQuantity: ' 2.5 ', maxOrdersPerMinute: '30' },
      {},
    );
    expect(parsed).toEqual({ ok: true, value: { maxOrderQuantity: 2.5, maxOrdersPerMinute: 30 } });
    expect(limitsFromTexts(EMPTY_TEXTS, {})).toEqual({ ok: true, value: {} });
  });

  it('builds the concentration limit from its two boxes and keeps per-instrument overrides', () => {
    const keep = { perInstrument: { 'demo:DEMO/USD': { maxPosition: 3 } } };
    const parsed = limitsFromTexts({ ...EMPTY_TEXTS, concentrationMaxShare: '0.6' }, keep);
    expect(parsed).toEqual({
      ok: true,
      value: { concentration: { maxShare: 0.6, minGrossNotional: 0 }, perInstrument: keep.perInstrument },
    });
    expect(limitsFromTexts({ ...EMPTY_TEXTS, concentrationMinGross: '1000' }, {})).toEqual({
      ok: false,
      problem: 'Max share of gross: needed when a gross threshold is given',
    });
  });

  it('refuses what the contract refuses, naming the box', () => {
    expect(problemOf(limitsFromTexts({ ...EMPTY_TEXTS, maxDrawdown: '1.5' }, {}))).toMatch(/^Max drawdown: /);
    expect(problemOf(limitsFromTexts({ ...EMPTY_TEXTS, maxOrdersPerMinute: '2.5' }, {}))).toMatch(
      /^Max orders \/ minute: /,
    );
    expect(limitsFromTexts({ ...EMPTY_TEXTS, maxPosition: 'ten' }, {})).toEqual({
      ok: false,
      problem: "Max position: 'ten' is not a number",
    });
    expect(limitsFromTexts({ ...EMPTY_TEXTS, maxDailyLoss: '-5' }, {})).toMatchObject({ ok: false });
  });

  it('shows the limits in force as the form texts, and reads them back unchanged', () => {
    const limits = {
      maxOrderNotional: 5000,
      maxDrawdown: 0.2,
      concentration: { maxShare: 0.5, minGrossNotional: 10_000 },
    };
    const texts = limitsToTexts(limits);
    expect(texts.maxOrderNotional).toBe('5000');
    expect(texts.maxPosition).toBe('');
    expect(texts.concentrationMinGross).toBe('10000');
    expect(limitsFromTexts(texts, limits)).toEqual({ ok: true, value: limits });
  });

  it('colours a gauge by how full its limit is', () => {
    expect([0, 0.49, 0.5, 0.79, 0.8, 1, 1.3, Number.NaN].map(usageLevel)).toEqual([
      'low',
      'low',
      'high',
      'high',
      'full',
      'full',
      'full',
      'full',
    ]);
  });
});

describe('trading store: order ticket', () => {
  it('sends a limit order with its price and post-only flag', () => {
    expect(orderFromTicket(ticket())).toEqual({
      ok: true,
      value: {
        venue: 'paper',
        instrument: 'demo:DEMO/USD',
        side: 'buy',
        type: 'limit',
        quantity: 2,
        price: 99.5,
        timeInForce: 'GTC',
        postOnly: true,
        reduceOnly: false,
      },
    });
  });

  it('drops the prices a market order does not use and never sends it post-only', () => {
    const order = orderFromTicket(ticket({ type: 'market', stopPrice: '90' }));
    expect(order).toMatchObject({ ok: true, value: { type: 'market', postOnly: false } });
    expect(order.ok && 'price' in order.value).toBe(false);
    expect(order.ok && 'stopPrice' in order.value).toBe(false);
  });

  it('says what is missing before anything is sent', () => {
    expect(orderFromTicket(ticket({ price: '' }))).toEqual({
      ok: false,
      problem: 'A limit order needs a price',
    });
    expect(orderFromTicket(ticket({ type: 'stop-limit' }))).toEqual({
      ok: false,
      problem: 'A stop-limit order needs a stop price',
    });
    expect(problemOf(orderFromTicket(ticket({ quantity: '0' })))).toMatch(/^quantity: /);
    expect(orderFromTicket(ticket({ quantity: 'x' }))).toMatchObject({ ok: false });
  });
});

describe('trading store: notices', () => {
  it('words a fill and a breaker trip, and leaves refusals to their list', () => {
    expect(noticeOf(fill(1))).toEqual({
      kind: 'fill',
      title: 'Filled on paper',
      body: 'buy 0.5 demo:DEMO/USD @ 100.25 (taker, fee 0.05)',
    });
    expect(
      noticeOf({
        type: 'breaker',
        venue: 'binance',
        limit: 'max_daily_loss',
        reason: 'loss 120 > 100',
        at: 5,
      }),
    ).toEqual({ kind: 'breaker', title: 'Breaker tripped on binance', body: 'loss 120 > 100' });
    const odd = fill(2);
    expect(noticeOf({ ...odd, fill: { ...odd.fill, quantity: 0.1 - 0.01 } })?.body).toBe(
      'buy 0.09 demo:DEMO/USD @ 100.25 (taker, fee 0.05)',
    );
    expect(
      noticeOf({
        type: 'refusal',
        refusal: { at: 1, venue: 'paper', instrument: 'x', limit: 'max_order_quantity', reason: 'r' },
      }),
    ).toBeNull();
  });

  it('shows a toast only when the desktop notification cannot be shown, keeping the newest few', () => {
    const fake = fakeApi();
    const desktop: Notice[] = [];
    let granted = true;
    const store = createTradingStore(fake.client, {
      desktop: (notice) => {
        if (granted) desktop.push(notice);
        return granted;
      },
    });
    store.getState().start();
    fake.push('trading.events', fill(1));
    expect(desktop).toHaveLength(1);
    expect(store.getState().toasts).toEqual([]);

    granted = false;
    for (let ts = 2; ts < 2 + TOASTS_SHOWN + 2; ts++) fake.push('trading.events', fill(ts));
    const toasts = store.getState().toasts;
    expect(toasts).toHaveLength(TOASTS_SHOWN);
    expect(toasts.at(-1)?.body).toContain('@ 100.25');
    expect(new Set(toasts.map((t) => t.id)).size).toBe(TOASTS_SHOWN);
    store.getState().dismissToast(toasts[0]?.id ?? -1);
    expect(store.getState().toasts).toHaveLength(TOASTS_SHOWN - 1);
  });

  it('puts a refusal from the event stream on top of the refusals list', () => {
    const fake = fakeApi();
    const store = createTradingStore(fake.client);
    store.getState().start();
    const older = { at: 1, venue: 'paper', instrument: 'x', limit: 'max_position', reason: 'old' };
    fake.answer('trading.refusals', [older]);
    return Promise.resolve().then(() => {
      const newer = {
        at: 2,
        venue: 'paper',
        instrument: 'x',
        limit: 'max_order_quantity',
        reason: 'size 5 > 1',
      };
      fake.push('trading.events', { type: 'refusal', refusal: newer });
      expect(store.getState().refusals).toEqual([newer, older]);
      expect(store.getState().toasts).toEqual([]);
    });
  });
});

describe('trading store: commands', () => {
  it('shows a refused manual order with its limit and reason', async () => {
    const fake = fakeApi();
    const { client, sent } = recording(fake.client);
    const store = createTradingStore(client);
    store.getState().setTicket({ instrument: 'demo:DEMO/USD', quantity: '5', price: '100' });
    const placing = store.getState().placeOrder();
    expect(sent.at(-1)?.command).toBe('trading.order');
    expect(sent.at(-1)?.request).toMatchObject({ quantity: 5, price: 100, venue: 'paper' });
    fake.answer('trading.order', { ok: false, limit: 'max_order_quantity', reason: 'order quantity 5 > 1' });
    await placing;
    expect(store.getState().ticketOutcome).toEqual({
      ok: false,
      limit: 'max_order_quantity',
      reason: 'order quantity 5 > 1',
    });
  });

  it('refuses an incomplete ticket in the window without calling the host', async () => {
    const fake = fakeApi();
    const { client, sent } = recording(fake.client);
    const store = createTradingStore(client);
    store.getState().setTicket({ instrument: 'demo:DEMO/USD', price: '' });
    await store.getState().placeOrder();
    expect(sent).toEqual([]);
    expect(store.getState().ticketOutcome).toEqual({
      ok: false,
      limit: 'ticket',
      reason: 'A limit order needs a price',
    });
  });

  it('arms with the phrase typed and shows the state the host answers', async () => {
    const fake = fakeApi();
    const { client, sent } = recording(fake.client);
    const store = createTradingStore(client);
    expect(armPhrase('binance')).toBe('arm live trading on binance');
    const arming = store.getState().arm('binance', armPhrase('binance'));
    expect(store.getState().busy).toBe(true);
    expect(sent).toEqual([
      { command: 'trading.arm', request: { venue: 'binance', phrase: 'arm live trading on binance' } },
    ]);
    const state = tradingState();
    const venue = state.venues[0];
    if (venue === undefined) throw new Error('no venue');
    fake.answer('trading.arm', { ...state, venues: [{ ...venue, armed: true }] });
    await expect(arming).resolves.toBe(true);
    expect(store.getState().state?.venues[0]?.armed).toBe(true);
    expect(store.getState().busy).toBe(false);
  });

  it('reports an arming that failed and leaves the venue as it was', async () => {
    const fake = fakeApi();
    const store = createTradingStore(fake.client);
    store.setState({ state: tradingState() });
    const arming = store.getState().arm('binance', 'arm binance');
    fake.disconnect('host went away');
    await expect(arming).resolves.toBe(false);
    expect(store.getState().state?.venues[0]?.armed).toBe(false);
  });

  it('follows the trading state topic and lists the audit entries of the kind picked', async () => {
    const fake = fakeApi();
    const { client, sent } = recording(fake.client);
    const store = createTradingStore(client);
    store.getState().start();
    expect(fake.subscribed('trading.state')).toEqual([{}]);
    expect(fake.subscribed('trading.events')).toEqual([{}]);
    fake.push('trading.state', tradingState({ pnl: { ts: [1, 2], equity: [100, 101], venues: [] } }));
    expect(store.getState().state?.pnl.equity).toEqual([100, 101]);

    // The audit list asked for at start comes back first.
    fake.answer('trading.audit.list', []);
    const listing = store.getState().refreshAudit('fill');
    expect(sent.at(-1)).toEqual({ command: 'trading.audit.list', request: { limit: 200, kind: 'fill' } });
    fake.answer('trading.audit.list', [
      { seq: 3, ts: 10, kind: 'fill', payload: { price: 1 }, prevHash: 'a', hash: 'b' },
    ]);
    await listing;
    expect(store.getState().audit.map((e) => e.seq)).toEqual([3]);
    expect(store.getState().auditKind).toBe('fill');

    store.getState().stop();
    expect(fake.subscribed('trading.state')).toEqual([]);
  });
});
