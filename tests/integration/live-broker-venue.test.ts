import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { createExchange } from '../../main/exchange/ccxt-exchange.js';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';

// The simulator's order endpoints as ccxt sees them: the exchange behaviour the live broker's
// tests rely on (filters, error codes, authentication, matching out of depth).

const SYMBOL = 'ETH/USDT';
const KEY = 'venue-key';
const SECRET = 'venue-secret';

const sims: BinanceSimulator[] = [];

afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});

async function venue(): Promise<{ sim: BinanceSimulator; urls: SimUrls; exchange: Exchange }> {
  const { sim, urls } = await startBinanceSimulator({
    markets: [
      {
        symbol: SYMBOL,
        startPrice: 2000,
        tickSize: 0.1,
        lotSize: 0.001,
        minQty: 0.002,
        minNotional: 10,
        seed: 3,
      },
    ],
  });
  sims.push(sim);
  sim.pause();
  sim.openAccount(KEY, SECRET, { USDT: 1_000_000, ETH: 2 });
  return { sim, urls, exchange: client(urls, SECRET) };
}

function client(urls: SimUrls, secret: string, apiKey = KEY): Exchange {
  return createExchange('binance', {
    endpoint: { rest: urls.rest, ws: urls.ws },
    keys: { apiKey, secret },
    transport: 'rest',
  });
}

async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error;
    return [e.constructor.name, e.message];
  }
  throw new Error('expected a rejection');
}

describe('Binance simulator order endpoints through ccxt', () => {
  it('publishes PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL the way ccxt loads them', async () => {
    const { exchange } = await venue();
    await exchange.loadMarkets();
    const market = exchange.market(SYMBOL);
    expect(market.precision).toMatchObject({ price: 0.1, amount: 0.001 });
    expect(market.limits.amount).toEqual({ min: 0.002, max: 100_000 });
    expect(market.limits.cost?.min).toBe(10);
  });

  it('authenticates like Binance: unknown key, bad signature, stale timestamp', async () => {
    const { urls, exchange } = await venue();
    await exchange.loadMarkets();
    expect(await failure(client(urls, SECRET, 'nobody').fetchBalance())).toEqual([
      'AuthenticationError',
      'binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
    ]);
    expect(await failure(client(urls, 'wrong-secret').fetchBalance())).toEqual([
      'AuthenticationError',
      'binance {"code":-1022,"msg":"Signature for this request is not valid."}',
    ]);
    const stale = exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 1900, {
      timestamp: Date.now() - 60_000,
    });
    expect((await failure(stale))[0]).toBe('InvalidNonce');
  });

  it('refuses a duplicate client id among open orders, and unknown orders on cancel and query', async () => {
    const { sim, exchange } = await venue();
    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 1900, { newClientOrderId: 'dup-1' });
    expect(
      await failure(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 1900, { newClientOrderId: 'dup-1' })),
    ).toEqual(['InvalidOrder', 'binance {"code":-2010,"msg":"Duplicate order sent."}']);
    expect(sim.orders(KEY)).toHaveLength(1);
    expect((await failure(exchange.cancelOrder('999', SYMBOL)))[1]).toBe(
      'binance {"code":-2011,"msg":"Unknown order sent."}',
    );
    expect((await failure(exchange.fetchOrder('999', SYMBOL)))[1]).toBe(
      'binance {"code":-2013,"msg":"Order does not exist."}',
    );
  });

  it('checks LOT_SIZE minQty and MIN_NOTIONAL on raw requests', async () => {
    const { exchange } = await venue();
    // ccxt's implicit endpoint: a request that skips ccxt's own rounding.
    const api = exchange as unknown as { privatePostOrder(params: Record<string, string>): Promise<unknown> };
    const raw = (quantity: string, price: string) =>
      api.privatePostOrder({
        symbol: 'ETHUSDT',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity,
        price,
      });
    expect((await failure(raw('0.001', '1900.0')))[1]).toContain('"msg":"Filter failure: LOT_SIZE"');
    expect((await failure(raw('0.004', '1900.0')))[1]).toContain('"msg":"Filter failure: MIN_NOTIONAL"');
    expect((await failure(raw('0.01', '1900.05')))[1]).toContain('"msg":"Filter failure: PRICE_FILTER"');
  });

  it('expires what a market order cannot fill when it runs out of book, after filling every level', async () => {
    const { sim, exchange } = await venue();
    const asks = sim.book(SYMBOL).asks;
    const depth = Number(asks.reduce((sum, [, size]) => sum + size, 0).toFixed(3));
    const order = await exchange.createOrder(SYMBOL, 'market', 'buy', depth + 1);
    expect(order.status).toBe('expired');
    expect(order.filled).toBeCloseTo(depth, 9);
    expect(order.trades).toHaveLength(asks.length);
    // The account paid exactly the levels' notional; nothing stays locked.
    const paid = asks.reduce((sum, [price, size]) => sum + price * size, 0);
    expect(sim.balances(KEY).USDT?.free).toBeCloseTo(1_000_000 - paid, 4);
    expect(sim.balances(KEY).USDT?.locked).toBe(0);
  });

  it('refuses a post-only order that would take, and fills a crossing limit as taker then rests the rest', async () => {
    const { sim, exchange } = await venue();
    const [best] = sim.book(SYMBOL, 1).asks;
    if (best === undefined) throw new Error('empty book');
    const [askPrice, askSize] = best;
    expect(
      (await failure(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, askPrice, { postOnly: true })))[1],
    ).toBe('binance Order would immediately match and take.');
    const order = await exchange.createOrder(
      SYMBOL,
      'limit',
      'buy',
      Number((askSize + 0.01).toFixed(3)),
      askPrice,
      {
        newOrderRespType: 'FULL',
      },
    );
    expect(order.status).toBe('open');
    expect(order.filled).toBeCloseTo(askSize, 9);
    expect(sim.orders(KEY)[0]?.status).toBe('PARTIALLY_FILLED');
    // The unfilled 0.01 stays reserved at the limit price.
    expect(sim.balances(KEY).USDT?.locked).toBeCloseTo(0.01 * askPrice, 6);
  });
});
