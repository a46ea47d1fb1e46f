import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExchange } from '../../main/exchange/ccxt-exchange.js';
import { KEY_FILE } from '../../main/exchange/exchange-service.js';
import { PassphraseSecretStore } from '../../main/exchange/secret-store.js';
import { SymbolFeed } from '../../main/exchange/symbol-feed.js';
import type { App } from '../../main/host/app.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { Recorder } from '../../main/storage/recorder.js';
import type { ApiClient } from '../../shared/api/client.js';
import type { StreamStatus } from '../../shared/api/schemas.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Instrument, MarketEvent } from '../../shared/domain/market.js';
import { MarketEventValidator } from '../../shared/market/validate.js';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';
import { startTestApp, testDataDir } from '../fixtures/test-app.js';

const SYMBOL = 'ETH/USDT';
const INSTRUMENT = `binance:${SYMBOL}`;

interface Rig {
  readonly app: App;
  readonly client: ApiClient;
  readonly sim: BinanceSimulator;
  readonly urls: SimUrls;
  readonly dataDir: string;
}

const rigs: Rig[] = [];

function startSim(): Promise<{ sim: BinanceSimulator; urls: SimUrls }> {
  return startBinanceSimulator({
    markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 7 }],
  });
}

async function startRig(existing?: Pick<Rig, 'sim' | 'urls' | 'dataDir'>): Promise<Rig> {
  const { sim, urls } = existing ?? (await startSim());
  const { app, client, dataDir } = startTestApp({ dataDir: existing?.dataDir ?? testDataDir('tw-exchange') });
  const rig = { app, client, sim, urls, dataDir };
  rigs.push(rig);
  return rig;
}

async function connect(rig: Rig): Promise<void> {
  await rig.client.call('exchanges.connect', {
    exchange: 'binance',
    symbols: [SYMBOL],
    endpoint: { rest: rig.urls.rest, ws: rig.urls.ws },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

function feedStatus(rig: Rig): StreamStatus {
  const status = rig.app.exchanges.status().find((s) => s.instrument === INSTRUMENT);
  if (status === undefined) throw new Error('no feed');
  return status;
}

/** Stops the market, then waits until the App's book is the simulator's, level for level. */
async function pauseAndSettle(rig: Rig): Promise<void> {
  rig.sim.pause();
  await until(async () => {
    const ours = await rig.client.call('markets.book', { instrument: INSTRUMENT, depth: 20 });
    const theirs = rig.sim.book(SYMBOL, 20);
    return JSON.stringify([ours.bids, ours.asks]) === JSON.stringify([theirs.bids, theirs.asks]);
  });
  // Trades of the last tick may still wait for a hole to close (late message or backfill).
  await until(() => rig.app.exchanges.hub.status().every((s) => s.state === 'live'));
  await sleep(1_500);
  rig.app.pipeline.flush();
}

/** The ids of the trades the App recorded, from the database. */
function recordedIds(rig: Rig): number[] {
  const trades = rig.app.store.recentTrades(INSTRUMENT, 100_000);
  return trades.map((t) => Number(t.id));
}

/** Every id between the first and last recorded is there once: nothing lost, nothing twice. */
function expectContiguous(ids: readonly number[]): void {
  const first = ids[0] ?? 0;
  const last = ids[ids.length - 1] ?? -1;
  expect(ids.length).toBeGreaterThan(10);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(last - first + 1);
}

afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.app.stop();
    await rig.sim.stop();
    rmSync(rig.dataDir, { recursive: true, force: true });
  }
}, 30_000);

describe('exchange streams through ccxt against the Binance simulator', () => {
  it('records every trade once and ends with the same book as the exchange', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(3_000);
    await pauseAndSettle(rig);

    const ids = recordedIds(rig);
    expectContiguous(ids);
    // What we recorded is exactly the exchange's trades from our first one on.
    const printed = rig.sim.trades(SYMBOL).filter((t) => t.id >= (ids[0] ?? 0));
    expect(ids).toEqual(printed.map((t) => t.id));
    const stored = rig.app.store.recentTrades(INSTRUMENT, 100_000);
    expect(stored.map((t) => [t.price, t.amount, t.side])).toEqual(
      printed.map((t) => [t.price, t.amount, t.buyerMaker ? 'sell' : 'buy']),
    );

    const status = await rig.client.call('app.status', {});
    expect(status.rejected).toEqual({});
    expect(status.connections).toHaveLength(1);
    expect(status.connections[0]).toMatchObject({
      exchange: 'binance',
      symbol: SYMBOL,
      state: 'live',
      reconnects: 0,
      sequenceGaps: 0,
      gaps: 0,
    });
    const instruments = await rig.client.call('markets.list', {});
    expect(instruments.find((i) => i.id === INSTRUMENT)).toMatchObject({ tickSize: 0.1, lotSize: 0.001 });
    expect(await rig.client.call('gaps.list', { instrument: INSTRUMENT })).toEqual([]);
  });

  it('reconnects after the socket drops mid-stream and backfills the missed trades through REST', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_500);
    const dropped = rig.sim.faults.dropConnections();
    expect(dropped).toBe(3); // trades, book and candles each have their own socket
    await sleep(2_500);
    await pauseAndSettle(rig);

    expectContiguous(recordedIds(rig));
    const feed = feedStatus(rig);
    expect(feed.reconnects).toBe(3);
    expect(rig.sim.requests.some((r) => r.startsWith('/api/v3/aggTrades'))).toBe(true);
    // The book cannot be backfilled: its lost changes are in the ledger, the trades are not.
    const gaps = await rig.client.call('gaps.list', { instrument: INSTRUMENT });
    expect(gaps.map((g) => g.kind)).toEqual(['book']);
    expect((await rig.client.call('app.status', {})).rejected).toEqual({});
  });

  it('fills trades whose messages were dropped from REST, without duplicates', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_000);
    rig.sim.faults.dropMessages('trade', 5);
    await until(() => rig.sim.stats.droppedMessages === 5);
    await sleep(2_000);
    await pauseAndSettle(rig);

    expectContiguous(recordedIds(rig));
    expect(feedStatus(rig).backfilledTrades).toBeGreaterThanOrEqual(5);
    expect(feedStatus(rig).gaps).toBe(0);
    expect((await rig.client.call('app.status', {})).rejected).toEqual({});
  });

  it('puts reordered trade messages back in order', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_000);
    rig.sim.faults.reorderMessages('trade', 6);
    await until(() => rig.sim.stats.reorderedMessages === 6);
    await sleep(500);
    await pauseAndSettle(rig);

    expectContiguous(recordedIds(rig));
    expect((await rig.client.call('app.status', {})).rejected).toEqual({});
    expect(feedStatus(rig).gaps).toBe(0);
  });

  it('resnapshots the book after a sequence gap in depth updates and never shows a crossed book', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_000);
    const depthCalls = (): number => rig.sim.requests.filter((r) => r.startsWith('/api/v3/depth')).length;
    expect(depthCalls()).toBe(1);
    rig.sim.faults.skipUpdateIds(3);
    await until(() => depthCalls() === 2);
    await sleep(1_000);
    await pauseAndSettle(rig);

    const status = await rig.client.call('app.status', {});
    expect(status.rejected).toEqual({ sequence_gap: 1 });
    const gaps = await rig.client.call('gaps.list', { instrument: INSTRUMENT });
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      kind: 'book',
      reason: 'sequence gap in book updates; resynchronised from a snapshot',
    });
    const book = rig.app.pipeline.validator.bookOf(INSTRUMENT);
    expect(book?.isCrossed()).toBe(false);
    expect(feedStatus(rig).reconnects).toBe(0);
  });

  it('counts malformed JSON frames and keeps streaming', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_000);
    rig.sim.faults.sendMalformed(3);
    await until(() => rig.sim.stats.malformedSent === 3);
    await sleep(500);
    await pauseAndSettle(rig);

    expect((await rig.client.call('app.status', {})).rejected).toEqual({ malformed_json: 3 });
    expect(feedStatus(rig).reconnects).toBe(0);
    expectContiguous(recordedIds(rig));
  });

  it('backs off on HTTP 429 and 5xx and recovers the data', async () => {
    const rig = await startRig();
    // A failing exchangeInfo makes the connect fail with a clear error; asking again works.
    rig.sim.faults.failRequests(1, 500, '/api/v3/exchangeInfo');
    await expect(connect(rig)).rejects.toMatchObject({ kind: 'bad_request' });
    await connect(rig);
    await sleep(1_000);
    rig.sim.faults.failRequests(2, 429, '/api/v3/aggTrades');
    rig.sim.faults.failRequests(1, 503, '/api/v3/aggTrades');
    rig.sim.faults.dropMessages('trade', 3);
    await until(() => rig.sim.stats.failedRequests === 4, 15_000);
    await sleep(1_500);
    await pauseAndSettle(rig);

    expect(feedStatus(rig).restRetries).toBe(3);
    expect(feedStatus(rig).gaps).toBe(0);
    expectContiguous(recordedIds(rig));
  });

  it('writes trades the exchange can no longer return into the gap ledger', async () => {
    const rig = await startRig();
    await connect(rig);
    await sleep(1_000);
    rig.sim.faults.dropMessages('trade', 4);
    await until(() => rig.sim.stats.droppedMessages === 4);
    rig.sim.faults.forgetTrades();
    await sleep(2_500);
    await pauseAndSettle(rig);

    const gaps = await rig.client.call('gaps.list', { instrument: INSTRUMENT });
    expect(gaps).toHaveLength(1);
    const gap = gaps[0];
    const match = /ids (\d+)\.\.(\d+)/.exec(gap?.reason ?? '');
    const fromId = Number(match?.[1]);
    const toId = Number(match?.[2]);
    expect(toId - fromId + 1).toBe(4);
    const trades = rig.sim.trades(SYMBOL);
    const before = trades.find((t) => t.id === fromId - 1);
    const after = trades.find((t) => t.id === toId + 1);
    expect(gap).toMatchObject({ kind: 'trades', fromTs: before?.ts, toTs: after?.ts });
    expect(gap?.reason).toBe(
      `4 trade(s) (ids ${fromId}..${toId}) missing and not in the exchange's REST history`,
    );
    // Everything but the four lost trades is recorded, once.
    const ids = recordedIds(rig);
    expect(ids.filter((id) => id >= fromId && id <= toId)).toEqual([]);
    expect(ids.length).toBe((ids.at(-1) ?? 0) - (ids[0] ?? 0) + 1 - 4);
    expect(feedStatus(rig).gaps).toBe(1);
  });

  it('comes back with the saved connections after a restart, retrying while the exchange is down', async () => {
    const first = await startRig();
    await connect(first);
    await sleep(1_000);
    await first.app.stop();
    rigs.splice(rigs.indexOf(first), 1);
    expect(first.app.store.db.open).toBe(false);

    // The exchange is down when the App comes back: the saved connection is retried.
    first.sim.faults.failRequests(2, 503, '/api/v3/exchangeInfo');
    const second = await startRig(first);
    await until(() =>
      second.app.exchanges.status().some((s) => s.instrument === INSTRUMENT && s.state === 'live'),
    );
    expect(first.sim.stats.failedRequests).toBe(2);
    expect(await second.client.call('exchanges.connections', {})).toEqual([
      { exchange: 'binance', symbols: [SYMBOL], endpoint: { rest: first.urls.rest, ws: first.urls.ws } },
    ]);
    await sleep(1_000);
    await pauseAndSettle(second);
    // Trades printed while no App ran were fetched through REST: both runs together miss none.
    expectContiguous(recordedIds(second));
    expect(feedStatus(second).backfilledTrades).toBeGreaterThan(0);
    expect(feedStatus(second).gaps).toBe(0);
  });
});

describe('REST polling where an exchange has no WebSocket', () => {
  it('streams trades and a book by polling fetchTrades and fetchOrderBook', async () => {
    const { sim, urls } = await startSim();
    const exchange = createExchange('binance', { endpoint: urls, transport: 'rest' });
    await exchange.loadMarkets();
    const validator = new MarketEventValidator({ clock: Date.now });
    const accepted: MarketEvent[] = [];
    const feed = new SymbolFeed({
      exchange,
      exchangeId: 'binance',
      instrument: {
        id: INSTRUMENT,
        exchange: 'binance',
        symbol: SYMBOL,
        base: 'ETH',
        quote: 'USDT',
        tickSize: 0.1,
        lotSize: 0.001,
      },
      consecutiveTradeIds: true,
      deliver: (events) => {
        for (const event of events) if (validator.accept(event)) accepted.push(event);
      },
      recordGap: () => undefined,
      candleAt: () => null,
      clock: Date.now,
      random: () => 0.5,
      log: () => undefined,
      pollMs: 200,
    });
    try {
      feed.start();
      await sleep(2_500);
      sim.pause();
      await sleep(800);
      await feed.stop();
    } finally {
      await exchange.close();
      await sim.stop();
    }
    const ids = accepted.filter((e) => e.kind === 'trade').map((e) => Number(e.id));
    expectContiguous(ids);
    expect(validator.rejected()).toEqual({});
    const theirs = sim.book(SYMBOL, 20);
    expect(validator.bookOf(INSTRUMENT)?.top(20)).toEqual({ bids: theirs.bids, asks: theirs.asks });
    expect(sim.requests.some((r) => r.startsWith('/api/v3/depth'))).toBe(true);
  });
});

describe('exchange candles checked against ours', () => {
  const instrument: Instrument = {
    id: INSTRUMENT,
    exchange: 'binance',
    symbol: SYMBOL,
    base: 'ETH',
    quote: 'USDT',
    tickSize: 0.1,
    lotSize: 0.001,
  };

  /** A feed on 1s klines recording into an in-memory store; `tamper` alters our bars. */
  async function runFeed(tamper: (candle: Candle) => Candle) {
    const { sim, urls } = await startSim();
    const exchange = createExchange('binance', { endpoint: urls });
    await exchange.loadMarkets();
    const store = new MarketStore(openDatabase(':memory:'));
    store.upsertInstrument(instrument);
    const recorder = new Recorder(store, { timeframes: ['1s'] });
    const validator = new MarketEventValidator({ clock: Date.now });
    const logged: string[] = [];
    const feed = new SymbolFeed({
      exchange,
      exchangeId: 'binance',
      instrument,
      consecutiveTradeIds: true,
      deliver: (events) => {
        for (const event of events)
          if (validator.accept(event) && event.kind === 'trade') recorder.record(event);
        recorder.flush();
      },
      recordGap: () => undefined,
      candleAt: (id, openTime) => {
        const candle = store.candleAt(id, '1s', openTime);
        return candle === null ? null : tamper(candle);
      },
      candleTimeframe: '1s',
      candleSettleMs: 500,
      clock: Date.now,
      random: () => 0.5,
      log: (line) => logged.push(line),
    });
    try {
      feed.start();
      await sleep(5_000);
      await feed.stop();
    } finally {
      await exchange.close();
      await sim.stop();
      store.db.close();
    }
    return { status: feed.status(), logged };
  }

  it('finds the exchange 1s bars equal to the bars we built from its trades', async () => {
    const { status, logged } = await runFeed((candle) => candle);
    expect(status.candlesChecked).toBeGreaterThanOrEqual(2);
    expect(status.candleMismatches).toBe(0);
    expect(logged.filter((line) => line.includes('differs'))).toEqual([]);
  });

  it('logs every bar that differs from ours', async () => {
    const { status, logged } = await runFeed((candle) => ({ ...candle, high: candle.high + 1 }));
    expect(status.candlesChecked).toBeGreaterThanOrEqual(2);
    expect(status.candleMismatches).toBe(status.candlesChecked);
    const differences = logged.filter((line) => line.includes('differs from ours'));
    expect(differences).toHaveLength(status.candleMismatches);
    expect(differences[0]).toMatch(/exchange 1s bar at .* differs from ours: high [\d.]+ vs [\d.]+/);
  });
});

describe('API keys through the App', () => {
  function keyApp(passphrase: string | undefined): {
    app: App;
    client: ApiClient;
    dataDir: string;
    logged: string[];
  } {
    const dataDir = testDataDir('tw-keys');
    const logged: string[] = [];
    const { app, client } = startTestApp({
      dataDir,
      secrets: new PassphraseSecretStore(path.join(dataDir, KEY_FILE), passphrase),
      log: (line) => logged.push(line),
    });
    return { app, client, dataDir, logged };
  }

  it('stores keys encrypted and only ever answers whether an exchange has them', async () => {
    const { app, client, dataDir, logged } = keyApp('correct horse');
    try {
      const saved = await client.call('exchanges.keys.save', {
        exchange: 'binance',
        apiKey: 'my-api-key-1234',
        secret: 'my-secret-5678',
      });
      expect(saved).toEqual({ exchange: 'binance', hasKeys: true });
      const listed = await client.call('exchanges.list', {});
      expect(listed.find((e) => e.id === 'binance')).toMatchObject({ hasKeys: true });
      expect(listed.find((e) => e.id === 'kraken')).toMatchObject({ hasKeys: false });
      expect(JSON.stringify(listed)).not.toMatch(/my-api-key|my-secret/);
      const file = readFileSync(path.join(dataDir, KEY_FILE), 'utf8');
      expect(file).not.toMatch(/my-api-key|my-secret/);
      expect(logged.join('\n')).not.toMatch(/my-api-key|my-secret/);
    } finally {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to store keys without a passphrase, with a clear error, until unlocked', async () => {
    const { app, client, dataDir } = keyApp(undefined);
    try {
      expect(await client.call('exchanges.keys.state', {})).toMatchObject({ ready: false });
      const refused = await client
        .call('exchanges.keys.save', { exchange: 'binance', apiKey: 'k', secret: 's' })
        .then(
          () => null,
          (error: unknown) => error as { kind: string; message: string },
        );
      expect(refused?.kind).toBe('bad_request');
      expect(refused?.message).toMatch(/WORKSTATION_PASSPHRASE/);
      expect(await client.call('exchanges.keys.unlock', { passphrase: 'pw' })).toEqual({
        ready: true,
        reason: null,
      });
      await expect(
        client.call('exchanges.keys.save', { exchange: 'binance', apiKey: 'k', secret: 's' }),
      ).resolves.toEqual({ exchange: 'binance', hasKeys: true });
    } finally {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
