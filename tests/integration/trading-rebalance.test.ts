import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { CommandRequest, CommandResponse } from '../../shared/api/contract.js';
import { startBinanceSimulator, type BinanceSimulator } from '../exchange-sim/binance-sim.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';

// trading.rebalance on the real App: the demo market and a second live instrument (the Binance
// simulator, streamed through ccxt) record 1s candles side by side, the allocation is computed on
// them, and its traded rows go to the paper venue through the risk gate.

const DEMO = 'demo:DEMO/USD';
const SYMBOL = 'ETH/USDT';
const ETH = `binance:${SYMBOL}`;

type Rebalance = CommandResponse<'trading.rebalance'>;

/** Risk parity on 1s returns; a large risk aversion makes tracking the target worth its fees. */
const REQUEST: CommandRequest<'trading.rebalance'> = {
  instruments: [DEMO, ETH],
  method: 'risk-parity',
  timeframe: '1s',
  lookbackBars: 10,
  riskAversion: 1e9,
};

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in time: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The rebalance decisions in the audit log, newest first. */
async function rebalanceDecisions(client: ApiClient): Promise<Record<string, unknown>[]> {
  const entries = await client.call('trading.audit.list', { kind: 'decision', limit: 100 });
  return entries.map((e) => e.payload as Record<string, unknown>).filter((p) => p.action === 'rebalance');
}

describe('trading.rebalance on the paper venue', () => {
  let sim: BinanceSimulator;
  let session: TestApp;
  let client: ApiClient;

  beforeAll(async () => {
    const started = await startBinanceSimulator({
      markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 7 }],
    });
    sim = started.sim;
    session = startTestApp({ prefix: 'tw-rebalance' });
    client = session.client;
    await client.call('exchanges.connect', {
      exchange: 'binance',
      symbols: [SYMBOL],
      endpoint: { rest: started.urls.rest, ws: started.urls.ws },
    });
    // Both instruments need 10 aligned closed 1s bars (and a live book to fill against).
    await until(
      () => client.call('trading.allocation', REQUEST),
      (a) => a.returns >= 10 && a.trades.every((t) => t.trade),
    );
  }, 60_000);

  afterAll(async () => {
    await session.stop();
    await sim.stop();
  });

  it('refuses an allocation on too few recorded returns with the reason, and places nothing', async () => {
    await expect(client.call('trading.rebalance', { ...REQUEST, timeframe: '1d' })).rejects.toMatchObject({
      kind: 'bad_request',
      message: `only 0 aligned 1d returns recorded for ${DEMO}, ${ETH}; 10 needed`,
    });
    expect(await rebalanceDecisions(client)).toHaveLength(0);
    const state = await client.call('trading.state', {});
    expect(state.openOrders).toHaveLength(0);
    expect(state.fills).toHaveLength(0);
  });

  it('skips every trade whose benefit does not pay its fee, and sends nothing', async () => {
    const result = await client.call('trading.rebalance', { ...REQUEST, riskAversion: 1e-6 });
    expect(result.trades.every((t) => !t.trade && t.benefit <= t.fee)).toBe(true);
    expect(result.orders).toEqual([]);
    expect(result.totalFees).toBe(0);
    const state = await client.call('trading.state', {});
    expect(state.openOrders).toHaveLength(0);
    expect(state.positions.filter((p) => p.quantity !== 0)).toHaveLength(0);
    // Even a plan that trades nothing is a decision on the record.
    expect(await rebalanceDecisions(client)).toHaveLength(1);
  });

  it('reports the gate refusal of each order beyond the max order size, with its reason', async () => {
    // The fresh paper account's 100,000 buys hundreds of the demo (about 100 a unit) and tens
    // of ETH (2000): the limit is between the two.
    await client.call('trading.limits.set', { maxOrderQuantity: 100 });
    const result = await client.call('trading.rebalance', REQUEST);
    const traded = result.trades.filter((t) => t.trade);
    expect(result.orders.map((o) => o.instrument).sort()).toEqual(traded.map((t) => t.instrument).sort());
    const byInstrument = new Map(result.orders.map((o) => [o.instrument, o]));
    const demo = byInstrument.get(DEMO);
    const eth = byInstrument.get(ETH);
    expect(demo?.quantity).toBeGreaterThan(100);
    expect(eth?.quantity).toBeLessThan(100);
    expect(demo).toMatchObject({ ok: false, limit: 'max_order_quantity' });
    expect(demo?.ok === false ? demo.reason : '').toMatch(/order quantity would be [\d.,]+, limit 100/);
    expect(eth?.ok).toBe(true);
    const refusals = await client.call('trading.refusals', {});
    expect(refusals[0]).toMatchObject({ venue: 'paper', instrument: DEMO, limit: 'max_order_quantity' });
    expect(await rebalanceDecisions(client)).toHaveLength(2);
  });

  it('places one paper market order per traded row, audits the plan first, and fills them', async () => {
    await client.call('trading.limits.set', {});
    // A small account: its orders fit in the visible books (a market order beyond them expires).
    await client.call('trading.paper.reset', { initialCash: 5_000 });
    const result: Rebalance = await client.call('trading.rebalance', REQUEST);
    const traded = result.trades.filter((t) => t.trade);
    expect(traded.map((t) => t.instrument).sort()).toEqual([DEMO, ETH].sort());
    // From all cash every trade is a buy of the target notional at the mark.
    expect(result.orders).toHaveLength(traded.length);
    for (const order of result.orders) {
      const row = traded.find((t) => t.instrument === order.instrument);
      expect(order.ok).toBe(true);
      expect(order.side).toBe('buy');
      expect(order.quantity).toBeCloseTo(row?.quantity ?? Number.NaN, 9);
      expect(row?.notional).toBeCloseTo((row?.toWeight ?? 0) * 5_000, 6);
    }
    const weights = result.weights.map((w) => w.weight);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    // Risk parity on two instruments: weights in inverse proportion to the volatilities.
    const [a, b] = result.weights;
    expect((a?.weight ?? 0) * (a?.volatility ?? 0)).toBeCloseTo((b?.weight ?? 0) * (b?.volatility ?? 0), 12);

    const [decision] = await rebalanceDecisions(client);
    expect(decision).toMatchObject({
      venue: 'paper',
      action: 'rebalance',
      method: 'risk-parity',
      timeframe: '1s',
      lookbackBars: 10,
      riskAversion: 1e9,
      returns: result.returns,
      weights: result.weights,
      trades: result.trades,
      totalFees: result.totalFees,
    });

    const ids = result.orders.map((o) => (o.ok ? o.clientId : ''));
    const filled = await until(
      () => client.call('trading.state', {}),
      (s) => ids.every((id) => s.fills.some((f) => f.clientId === id)),
    );
    for (const order of result.orders) {
      const fills = filled.fills.filter((f) => order.ok && f.clientId === order.clientId);
      expect(fills.every((f) => f.instrument === order.instrument && f.side === 'buy')).toBe(true);
      expect(fills.reduce((s, f) => s + f.quantity, 0)).toBeCloseTo(order.quantity, 9);
    }
    // The audit entry was written before the orders went out.
    const entries = await client.call('trading.audit.list', { limit: 200 });
    const decisionSeq = entries.find(
      (e) => e.kind === 'decision' && (e.payload as { action?: unknown }).action === 'rebalance',
    )?.seq;
    const orderSeqs = entries
      .filter((e) => e.kind !== 'decision' && JSON.stringify(e.payload).includes(ids[0] ?? '?'))
      .map((e) => e.seq);
    expect(orderSeqs.length).toBeGreaterThan(0);
    const firstOrderSeq = Math.min(...orderSeqs);
    expect(decisionSeq).toBeLessThan(firstOrderSeq);
  });
});
