import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBacktest } from '../../../../shared/backtest/engine.js';
import {
  BookImbalance,
  bookImbalanceParams,
  type BookImbalanceParamsInput,
} from '../../../../shared/backtest/strategies/book-imbalance.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import type { Signal, SignalDirection } from '../../../../shared/domain/signal.js';
import { InstrumentSignals } from '../../../../shared/features/imbalance-signal.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';
import { messageEvents, readBookCsv, sampleBook } from '../../../fixtures/book-files.js';

const START = Date.UTC(2026, 0, 5, 9);
const MINUTES = 6;

interface Decision {
  readonly ts: number;
  readonly direction: SignalDirection;
}

function demoEvents(): { instrument: string; events: MarketEvent[] } {
  const market = new DemoMarket({ seed: 7, startTs: START, beta: 0.5, horizonMs: 5_000 });
  const events: MarketEvent[] = [];
  market.advanceTo(START + MINUTES * 60_000, events);
  const first = events[0];
  if (first === undefined) throw new Error('the demo market produced no events');
  return { instrument: first.instrument, events };
}

/** The live path: what the feature worker runs per instrument, signal by signal. */
function liveSignals(
  instrument: string,
  events: readonly MarketEvent[],
  params: BookImbalanceParamsInput = {},
): Decision[] {
  const live = new InstrumentSignals(instrument, params);
  const out: Decision[] = [];
  const fired: Signal[] = [];
  for (const event of events) live.onEvent(event, fired);
  live.endOfBatch(fired);
  for (const signal of fired) out.push({ ts: signal.ts, direction: signal.direction });
  return out;
}

/** The backtest path: the strategy in the event engine, its view read after every event. */
function backtestDecisions(
  events: readonly MarketEvent[],
  submitMs: number,
  params: BookImbalanceParamsInput = {},
): { decisions: Decision[]; fills: number } {
  const strategy = new BookImbalance(bookImbalanceParams.parse(params));
  const decisions: Decision[] = [];
  const recording: Strategy = {
    onEvent(event, ctx) {
      const before = strategy.view();
      const intents = strategy.onEvent(event, ctx);
      const after = strategy.view();
      if (after !== before) decisions.push({ ts: event.ts, direction: after });
      return intents;
    },
  };
  const engine = new EventBacktest({
    strategy: recording,
    initialCash: 1_000_000,
    fees: { maker: 0, taker: 0.0004 },
    latency: { kind: 'constant', submitMs, cancelMs: submitMs },
    log: 'trades',
  });
  const result = engine.run(events);
  return { decisions, fills: result.trips.length };
}

describe('live imbalance signal and the BookImbalance backtest', () => {
  const { instrument, events } = demoEvents();
  const live = liveSignals(instrument, events);

  it('fires a real stream of long, short and flat signals over the demo market', () => {
    expect(live.length).toBeGreaterThan(20);
    expect(new Set(live.map((d) => d.direction))).toEqual(new Set(['long', 'short', 'flat']));
  });

  it('decides exactly what the live signal fired, event for event, with no latency', () => {
    const run = backtestDecisions(events, 0);
    expect(run.fills).toBeGreaterThan(5);
    expect(run.decisions).toEqual(live);
  });

  it('decides the same with order latency: fills lag, decisions do not', () => {
    const run = backtestDecisions(events, 250);
    expect(run.fills).toBeGreaterThan(5);
    expect(run.decisions).toEqual(live);
  });
});

describe('live imbalance signal and the BookImbalance backtest on multi-level book messages', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'signal-parity-'));
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });
  const sample = sampleBook('book_bybit_xrpusdt_ob500.csv', tmp);
  const instrument = 'bybit:XRP/USDT';
  const events = readBookCsv(sample.file).flatMap((message) => messageEvents(instrument, message));
  // Thresholds low enough for a 50-message sample to move the view several times.
  const params: BookImbalanceParamsInput = { entry: 0.05, exit: 0.01, minIntervalMs: 0, levels: 50 };

  it(`decides on whole messages, the same live and in a backtest (${sample.label})`, () => {
    const live = liveSignals(instrument, events, params);
    expect(live.length).toBeGreaterThan(1);
    expect(backtestDecisions(events, 0, params).decisions).toEqual(live);
  });
});
