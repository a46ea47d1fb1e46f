import { describe, expect, it } from 'vitest';
import { EventBacktest } from '../../../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../../../shared/backtest/strategies/book-imbalance.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import type { SignalDirection } from '../../../../shared/domain/signal.js';
import { InstrumentSignals } from '../../../../shared/features/imbalance-signal.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';

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
function liveSignals(instrument: string, events: readonly MarketEvent[]): Decision[] {
  const live = new InstrumentSignals(instrument);
  const out: Decision[] = [];
  for (const event of events) {
    const signal = live.onEvent(event);
    if (signal !== null) out.push({ ts: signal.ts, direction: signal.direction });
  }
  return out;
}

/** The backtest path: the strategy in the event engine, its view read after every event. */
function backtestDecisions(
  events: readonly MarketEvent[],
  submitMs: number,
): { decisions: Decision[]; fills: number } {
  const strategy = new BookImbalance(bookImbalanceParams.parse({}));
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
