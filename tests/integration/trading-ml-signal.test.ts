import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConnection } from '../../main/host/api-server.js';
import { createApp, type App } from '../../main/host/app.js';
import { createMemoryPair } from '../../main/host/memory-transport.js';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import type { FeatureSetInfo } from '../../shared/api/domains/features.js';
import { saveBookFeatureSet, trainQuickModel } from '../fixtures/quick-model.js';
import { testDataDir } from '../fixtures/test-app.js';

// The ML-signal strategy on paper: a GBDT trained on the App's own recording of the demo
// market runs live in the feature worker, and its predictions drive the same MlSignal the
// training folds backtest, sized by capped Kelly on the model's probability. Every prediction
// the strategy decides on is an audit `signal` entry; every order follows from the signal
// read just before it. The market runs 20x the wall clock.

const DEMO = 'demo:DEMO/USD';
const SPEED = 20;
const wallStart = Date.now();
const marketClock = (): number => wallStart + (Date.now() - wallStart) * SPEED;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Signal {
  venue: string;
  instrument: string;
  ts: number;
  rowTs: number;
  up: number;
  superseded: number;
  meta: { modelId: number; output: number[]; confidence: number; latencyMs: number };
}
interface Sized {
  action: string;
  rule: string;
  equity: number;
  price: number;
  winProbability: number;
  payoff: number;
  kelly: number;
  lot: number;
  sized: number;
  ok: boolean;
}
interface Sent {
  action: string;
  intent: { kind: string; order: { clientId: string; side: 'buy' | 'sell'; quantity: number } };
}
type Entry = { seq: number; ts: number; kind: string; payload: unknown };

describe('the ML-signal strategy on paper', () => {
  let dataDir: string;
  let app: App;
  let client: ApiClient;
  let set: FeatureSetInfo;
  let classifierId: number;
  let regressionId: number;

  beforeAll(async () => {
    dataDir = testDataDir('tw-ml-paper');
    app = createApp({
      dataDir,
      version: 'test',
      transport: 'memory',
      workerEntry: pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/features.js')),
      clock: marketClock,
    });
    const pair = createMemoryPair();
    serveConnection(app, pair.host);
    client = createApiClient(pair.client);
    set = await saveBookFeatureSet(client, '1s');
    const from = marketClock() + 10_000;
    await sleep(10_000);
    const range = { from, to: marketClock() };
    classifierId = await trainQuickModel(client, {
      name: 'up or down',
      featureSetId: set.id,
      ...range,
    });
    regressionId = await trainQuickModel(client, {
      name: 'return',
      featureSetId: set.id,
      ...range,
      label: { kind: 'forward-return', horizon: 5 },
    });
  }, 60_000);

  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses what cannot drive it, each with the reason', async () => {
    const start = (extra: Record<string, unknown>) =>
      client.call('trading.paper.start', { instrument: DEMO, strategy: 'ml-signal', ...extra } as never);
    await expect(start({})).rejects.toThrow(
      'the ML-signal strategy trades a model: choose a registered model',
    );
    await expect(start({ modelId: 999 })).rejects.toThrow('no model 999');
    await expect(start({ modelId: regressionId })).rejects.toThrow(/predicts a return \(regression\)/);
    await expect(
      start({ modelId: classifierId, params: { longAbove: 0.4, shortBelow: 0.6 } }),
    ).rejects.toThrow('shortBelow must not exceed longAbove');
    await expect(
      client.call('trading.paper.start', {
        instrument: DEMO,
        strategy: 'book-imbalance',
        sizing: { kind: 'kelly' },
      } as never),
    ).rejects.toThrow("capped Kelly sizes on a model's probability");
    // Nothing was started by the refusals.
    const state = await client.call('trading.state', {});
    expect(state.venues.find((v) => v.venue === 'paper')?.strategy).toBeNull();
    expect(await client.call('models.live.list', {})).toEqual([]);
  });

  it('trades the live model: each order follows the signal read before it, sized by capped Kelly', async () => {
    const started = await client.call('trading.paper.start', {
      instrument: DEMO,
      strategy: 'ml-signal',
      modelId: classifierId,
      params: { longAbove: 0.5, shortBelow: 0.5, quantity: 1, on: 'event', minIntervalMs: 500 },
      sizing: { kind: 'kelly', scale: 0.5, cap: 0.2, lot: 0.0001 },
    });
    expect(started.venues.find((v) => v.venue === 'paper')?.strategy).toMatchObject({
      kind: 'ml-signal',
      instrument: DEMO,
      params: { modelId: classifierId, longAbove: 0.5, shortBelow: 0.5 },
      signal: { modelId: classifierId },
    });
    // The model was not live: the strategy started it as primary.
    expect((await client.call('models.live.list', {})).map((m) => [m.modelId, m.role])).toEqual([
      [classifierId, 'primary'],
    ]);

    const deadline = Date.now() + 40_000;
    let entries: Entry[] = [];
    let sent: Sent[] = [];
    while (Date.now() < deadline) {
      entries = (await client.call('trading.audit.list', { limit: 10_000 })).reverse();
      sent = entries
        .filter((e) => e.kind === 'order' && (e.payload as Sent).action === 'sent')
        .map((e) => e.payload as Sent)
        .filter((o) => o.intent.order.clientId.startsWith('ml-'));
      if (sent.length >= 2) break;
      await sleep(250);
    }
    expect(sent.length).toBeGreaterThanOrEqual(2);

    const signals = entries.filter((e) => e.kind === 'signal').map((e) => e.payload as Signal);
    expect(signals.length).toBeGreaterThan(0);
    // The strategy decides at most every 500 ms of market time, however many events come.
    const decided = [
      ...new Set(
        entries
          .filter((e) => e.kind === 'order' && (e.payload as Sent).action === 'sent')
          .filter((e) => (e.payload as Sent).intent.order.clientId.startsWith('ml-'))
          .map((e) => e.ts),
      ),
    ].sort((a, b) => a - b);
    for (let i = 1; i < decided.length; i++)
      expect((decided[i] ?? 0) - (decided[i - 1] ?? 0)).toBeGreaterThanOrEqual(500);
    let lastRow = 0;
    for (const s of signals) {
      expect(s).toMatchObject({ venue: 'paper', instrument: DEMO, meta: { modelId: classifierId } });
      // No look-ahead: the row was reached by market time when it was read; rows move forward.
      expect(s.rowTs).toBeLessThanOrEqual(s.ts);
      expect(s.rowTs).toBeGreaterThan(lastRow);
      lastRow = s.rowTs;
      // Two classes: P(up) is the second output.
      expect(s.up).toBe(s.meta.output[1]);
      expect(s.superseded).toBeGreaterThanOrEqual(0);
    }

    // Walk the log in order: the signal read last before an order is the one it follows from.
    let signal: Signal | null = null;
    let sizedLast: Sized | null = null;
    let checked = 0;
    for (const e of entries) {
      if (e.kind === 'signal') signal = e.payload as Signal;
      if (e.kind === 'decision' && (e.payload as Sized).action === 'sized') sizedLast = e.payload as Sized;
      const order = e.payload as Sent;
      if (e.kind !== 'order' || order.action !== 'sent' || !order.intent.order.clientId.startsWith('ml-'))
        continue;
      if (signal === null) throw new Error('an order before any signal');
      if (order.intent.order.side === 'buy') expect(signal.up).toBeGreaterThan(0.5);
      else expect(signal.up).toBeLessThan(0.5);
      checked++;
    }
    expect(checked).toBe(sent.length);

    // The first order opened from flat: Kelly on that signal's probability of its side.
    const sized = entries
      .filter((e) => e.kind === 'decision' && (e.payload as Sized).action === 'sized')
      .map((e) => e.payload as Sized);
    expect(sized.length).toBeGreaterThanOrEqual(1);
    expect(sizedLast).not.toBeNull();
    for (const d of sized.filter((x) => x.ok)) {
      expect(d.rule).toBe('kelly');
      expect(d.payoff).toBe(1);
      expect(d.winProbability).toBeGreaterThan(0.5);
      expect(d.kelly).toBeCloseTo(Math.min(0.2, 0.5 * (2 * d.winProbability - 1)), 12);
      const expected = Math.floor((d.equity * d.kelly) / d.price / 0.0001 + 1e-9) * 0.0001;
      expect(d.sized).toBeCloseTo(expected, 9);
    }
    const firstSized = sized.find((x) => x.ok);
    expect(sent[0]?.intent.order.quantity).toBeCloseTo(firstSized?.sized ?? Number.NaN, 9);

    const state = await client.call('trading.state', {});
    const view = state.venues.find((v) => v.venue === 'paper')?.strategy?.signal;
    expect(view?.predictions).toBeGreaterThanOrEqual(signals.length);
    expect(await client.call('trading.audit.verify', {})).toMatchObject({ ok: true, brokenAt: null });

    const stopped = await client.call('trading.paper.stop', {});
    expect(stopped.venues.find((v) => v.venue === 'paper')?.strategy).toBeNull();
    // The model stays live (the user started nothing else); no more signals are read.
    const count = (await client.call('trading.audit.list', { kind: 'signal', limit: 10_000 })).length;
    await sleep(1_500);
    expect((await client.call('trading.audit.list', { kind: 'signal', limit: 10_000 })).length).toBe(count);
  });
});
