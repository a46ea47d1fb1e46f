import type { LatencyConfig } from '../../shared/backtest/costs.js';
import { FeedDelaySample, recordedLatency } from '../../shared/backtest/recorded-latency.js';
import { createRng } from '../../shared/market/rng.js';
import { EventBacktest } from '../../shared/backtest/engine.js';
import { NO_FUNDING, type FundingSchedule } from '../../shared/backtest/funding.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { OrderBook } from '../../shared/market/order-book.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { outcomeOf, runConfig, type RunCosts, type RunOutcome } from './candle-run.js';
import type { StrategyRef } from './param-grid.js';

/** Feeds recorded events, in (ts, seq) order, to `visit` (RecordedEvents.replay or an array). */
export type EventReplay = (visit: (event: MarketEvent) => void) => void;

/**
 * The replay of [from, to) as a run sees it: the recorded events before `from` (from the
 * snapshot that anchors it, RecordedEvents) only build the book, which reaches the run as one
 * snapshot at `from`; trades before `from` are dropped. So a run starts at `from` exactly, with
 * the book as it stood, and walk-forward windows never overlap in market time.
 */
export function replayFrom(
  source: (visit: (event: MarketEvent) => void) => void,
  instrument: string,
  from: number,
): EventReplay {
  return (visit) => {
    const book = new OrderBook();
    let before = true;
    source((event) => {
      if (event.ts < from) {
        if (event.kind === 'book_snapshot') book.applySnapshot(event);
        else if (event.kind === 'book_delta') book.applyDelta(event);
        return;
      }
      if (before) {
        before = false;
        const { bids, asks } = book.top(Math.max(book.depth('bid'), book.depth('ask')));
        // Before any recorded event at `from`, whatever its seq.
        if (bids.length + asks.length > 0)
          visit({ kind: 'book_snapshot', instrument, ts: from, seq: Number.MIN_SAFE_INTEGER, bids, asks });
      }
      visit(event);
    });
  };
}

/**
 * The contract's latency (a constant or measured samples per side) as the engine's model: two
 * constants stay constant; otherwise both sides are drawn from their samples (a constant side
 * is one sample), with the run's seeded random source.
 */
export function latencyConfig(
  latency: RunCosts['latency'],
  recorded: LatencyConfig | null = null,
): LatencyConfig {
  if (latency.model === 'recorded') {
    if (recorded === null) throw new Error('latency model "recorded" needs the replay\'s feed delays');
    return recorded;
  }
  const { submitMs, cancelMs } = latency;
  if (typeof submitMs === 'number' && typeof cancelMs === 'number')
    return { kind: 'constant', submitMs, cancelMs };
  return {
    kind: 'empirical',
    samplesMs: typeof submitMs === 'number' ? [submitMs] : [...submitMs],
    cancelSamplesMs: typeof cancelMs === 'number' ? [cancelMs] : [...cancelMs],
  };
}

/**
 * The "recorded" latency of a replay: one pass over its events keeps a seeded sample of the
 * feed's delays (FeedDelaySample, bounded memory), drawn from by every configuration. Its own
 * random stream (seed + 1): the engine's draws with `seed` stay as they were.
 */
export function recordedLatencyOf(replay: EventReplay, seed: number, range: string): LatencyConfig {
  const sample = new FeedDelaySample(createRng(seed + 1));
  replay((event) => {
    sample.addEvent(event);
  });
  return recordedLatency(sample, range);
}

/**
 * One configuration over recorded trades and L2 books (event mode): the full book is kept,
 * market orders walk it, limit orders wait in the queue, every order reaches the venue after
 * its sampled latency. Bar strategies see bars of `timeframe` built from the trades, and the
 * equity is sampled once per `timeframe` so the metrics annualise as a candle run's do.
 *
 * `replay` starts at `from` (replayFrom). `recorded` is recordedLatencyOf(replay) when the
 * costs ask for the "recorded" latency model. `funding`: the stored funding of the range, paid
 * by a perpetual account at each of its times.
 */
export function runEventConfiguration(
  replay: EventReplay,
  strategy: StrategyRef,
  params: unknown,
  costs: RunCosts,
  timeframe: Timeframe,
  seed: number,
  recorded: LatencyConfig | null = null,
  funding: FundingSchedule = NO_FUNDING,
): RunOutcome {
  const barMs = TIMEFRAME_MS[timeframe];
  const engine = new EventBacktest({
    ...runConfig(strategy, params, costs, barMs),
    latency: latencyConfig(costs.latency, recorded),
    seed,
    barMs,
    equityIntervalMs: barMs,
    log: 'trades',
    funding,
  });
  replay((event) => {
    engine.onEvent(event);
  });
  return outcomeOf(engine.finish(), costs, timeframe);
}
