import type { z } from 'zod';
import { ApiError } from '../../shared/api/protocol.js';
import { isUserStrategyKind } from '../../shared/api/domains/backtests.js';
import { tradingCommands, type strategyRunSchema } from '../../shared/api/domains/trading.js';
import type { Strategy } from '../../shared/backtest/strategy.js';
import { strategyInputs } from '../../shared/backtest/strategies/registry.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';
import { strategyDefinition } from '../backtests/param-grid.js';
import type { StrategyLibrary } from '../strategies/strategy-library.js';
import {
  annualisedVol,
  decisionSizing,
  exitLevels,
  withDecisions,
  type DecisionOptions,
} from './decisions.js';
import { PAPER_BAR_MS, PAPER_VENUE, type PaperStrategy } from './paper-desks.js';
import { RUNNING_SETTING } from './paper-venue.js';
import { startSignalRun, type SignalRun, type TradingModels } from './paper-signal.js';

/** What every strategy start asks for, whichever the venue. */
export type StrategyRunRequest = z.output<typeof strategyRunSchema>;

/** A strategy ready to run on a venue: what it is, its model feed, and its factory. */
export interface PreparedStrategy {
  readonly running: PaperStrategy;
  readonly signal: SignalRun | null;
  /** The strategy inside its sizing and exits. */
  readonly create: () => Strategy;
  /** Bars the strategy sees (0: it reads the book, not bars). */
  readonly barMs: number;
  /** The exit levels, as audited at the start. */
  readonly exits: ReturnType<typeof exitLevels>;
}

export interface StrategyLaunchOptions {
  /** Throws ApiError not_found for an instrument the workspace does not know. */
  readonly knownInstrument: (instrument: string) => void;
  readonly candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[];
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly log: (line: string) => void;
  readonly models?: TradingModels | undefined;
  readonly strategies?: StrategyLibrary | undefined;
}

/**
 * A strategy as a venue runs it: built-in from the strategy registry (parameters checked), a
 * user's file, or the ML-signal strategy on its live model, inside the sizing and exits, every
 * decision audited under the venue.
 */
export async function prepareStrategy(
  options: StrategyLaunchOptions,
  venue: string,
  request: StrategyRunRequest,
): Promise<PreparedStrategy> {
  const { instrument, strategy, params, sizing } = request;
  const { record, log } = options;
  options.knownInstrument(instrument);
  if (sizing.kind === 'kelly' && strategy !== 'ml-signal')
    throw new ApiError(
      'bad_request',
      "capped Kelly sizes on a model's probability of an up move: use it with the ML-signal strategy",
    );
  const exits = exitLevels(request.exits);
  let inner: () => Strategy;
  let unit: unknown;
  let signal: SignalRun | null = null;
  if (strategy === 'ml-signal') {
    signal = await startSignalRun(options.models, {
      instrument,
      modelId: request.modelId,
      params,
      log,
      onSignal: (read) => {
        record(read.ts, 'signal', { venue, instrument, ...read });
      },
    });
    inner = signal.strategy;
    unit = signal.params.quantity;
  } else {
    let definition;
    if (isUserStrategyKind(strategy)) {
      if (options.strategies === undefined)
        throw new ApiError('bad_request', `${strategy}: this workstation has no strategies folder`);
      ({ definition } = await options.strategies.load(strategy));
    } else {
      definition = strategyDefinition(strategy);
    }
    const parsed = definition.params.safeParse(params);
    if (!parsed.success) throw new ApiError('bad_request', `${strategy} parameters: ${parsed.error.message}`);
    inner = () => definition.create(parsed.data);
    unit = (parsed.data as { quantity?: unknown }).quantity;
  }
  const feed = signal?.feed;
  const decisions: DecisionOptions = {
    sizing: decisionSizing(sizing, exits, {
      assetVol: (lookback) => annualisedVol(options.candles(instrument, '1m', lookback + 2), lookback),
      upProbability: () => feed?.latest()?.up ?? Number.NaN,
    }),
    exits,
    unit: typeof unit === 'number' && unit > 0 ? unit : 1,
    lot: sizing.kind === 'fixed' ? 0 : sizing.lot,
  };
  const create = (): Strategy =>
    withDecisions(inner(), decisions, {
      onSizing: (decision) => {
        record(decision.ts, 'decision', { venue, action: 'sized', instrument, ...decision });
      },
      onExit: (exit, position, entryPrice) => {
        record(exit.ts, 'decision', {
          venue,
          action: 'exit',
          instrument,
          reason: exit.reason,
          price: exit.price,
          level: exit.level,
          position,
          entryPrice,
          clientId: exit.intent.kind === 'submit' ? exit.intent.order.clientId : null,
        });
      },
    });
  const running: PaperStrategy = {
    kind: strategy,
    instrument,
    params: signal === null ? params : { ...signal.params, modelId: signal.modelId },
  };
  // A strategy that reads the book decides on every event; the others on 1m bars of trades.
  const readsBook = !isUserStrategyKind(strategy) && strategyInputs(strategy) === 'book';
  return { running, signal, create, exits, barMs: readsBook ? 0 : PAPER_BAR_MS };
}

export interface PaperResumeOptions {
  readonly settings: { get(key: string): unknown; set(key: string, value: unknown): void };
  /** The strategy running on paper now, if any (then nothing is resumed). */
  readonly running: () => PaperStrategy | null;
  /** Starts it as `trading.paper.start` does. */
  readonly start: (
    request: z.output<(typeof tradingCommands)['trading.paper.start']['request']>,
  ) => Promise<void>;
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly log: (line: string) => void;
  /** A problem for the status bar. */
  readonly problem: (why: string) => void;
  readonly clock: () => number;
}

/**
 * Starts the paper strategy that ran when the workspace closed (after the live models are
 * back: the ML-signal strategy needs its model). Its engine holds the account's position,
 * so it goes on from where it was; its orders were not kept (it decides again).
 */
export async function resumePaperStrategy(options: PaperResumeOptions): Promise<void> {
  const { settings, record, log, clock } = options;
  const stored = settings.get(RUNNING_SETTING);
  if (stored === null || stored === undefined || options.running() !== null) return;
  const parsed = tradingCommands['trading.paper.start'].request.safeParse(stored);
  try {
    if (!parsed.success) throw new Error(`the stored request is unreadable: ${parsed.error.message}`);
    await options.start(parsed.data);
    record(clock(), 'decision', { venue: PAPER_VENUE, action: 'strategy_resumed', request: parsed.data });
    log(`trading: paper strategy ${parsed.data.strategy} on ${parsed.data.instrument} resumed`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    settings.set(RUNNING_SETTING, null);
    record(clock(), 'decision', { venue: PAPER_VENUE, action: 'strategy_not_resumed', why, request: stored });
    options.problem(`the paper strategy that ran before the restart was not resumed: ${why}`);
    log(`trading: paper strategy not resumed: ${why}`);
  }
}
