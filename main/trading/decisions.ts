import type { PaperSizing as SizingRequest } from '../../shared/api/domains/trading.js';
import type { OrderIntent } from '../../shared/backtest/orders.js';
import type { BarView, Strategy, StrategyContext } from '../../shared/backtest/strategy.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { TIMEFRAME_MS } from '../../shared/domain/timeframes.js';
import { ExitTracker, type ExitLevels, type ExitSignal } from '../../shared/trading/exits.js';
import { withSizing, type SizingDecision, type SizingRule } from '../../shared/trading/sized-strategy.js';
import { alignedReturns } from './risk-report.js';

/**
 * Decisions between a paper or live strategy and the gate: position sizing and exits.
 *
 * Sizing is the one module every mode uses (shared/trading/sized-strategy.ts): the same
 * strategy, rule and numbers give the same sizes here as in a backtest.
 *
 * Exits watch the real position on every trade: a stop-loss, take-profit or trailing stop
 * touched sends one reduce-only market order for the whole position, through the same gate
 * (the broker gates every intent a strategy returns).
 */

/** The sizing rules paper and live trading offer (all of sized-strategy.ts's). */
export type PaperSizing = SizingRule;
export type { SizingDecision };

export interface DecisionHooks {
  readonly onSizing: (decision: SizingDecision) => void;
  readonly onExit: (exit: ExitSignal, position: number, entryPrice: number) => void;
}

export interface DecisionOptions {
  readonly sizing: PaperSizing;
  readonly exits: ExitLevels;
  /** The strategy's own order quantity (its `quantity` parameter). */
  readonly unit: number;
  /** Amount step orders are rounded down to. */
  readonly lot: number;
  /** Taker fee rate (the all-in rule pays its own fee). */
  readonly takerFee?: number;
}

export function withDecisions(inner: Strategy, options: DecisionOptions, hooks: DecisionHooks): Strategy {
  const { exits } = options;
  const sizedInner = withSizing(
    inner,
    {
      sizing: options.sizing,
      unit: options.unit,
      lot: options.lot,
      ...(options.takerFee === undefined ? {} : { takerFee: options.takerFee }),
    },
    hooks.onSizing,
  );
  const hasExits =
    exits.stopLoss !== undefined || exits.takeProfit !== undefined || exits.trailing !== undefined;
  let tracker: ExitTracker | null = null;
  let tracked = { position: 0, entry: 0 };

  /** Follows the real position; the exit intent when a level is touched. */
  const watch = (event: MarketEvent, ctx: StrategyContext): OrderIntent[] | null => {
    if (!hasExits) return null;
    if (ctx.position === 0 || !(ctx.avgEntryPrice > 0)) {
      tracker = null;
      tracked = { position: 0, entry: 0 };
      return null;
    }
    // An exit refused by the gate is retried on the next touch rather than left hanging.
    if (tracker?.done === true && ctx.openOrders().length === 0) tracker = null;
    if (tracker === null || ctx.position !== tracked.position || ctx.avgEntryPrice !== tracked.entry) {
      tracked = { position: ctx.position, entry: ctx.avgEntryPrice };
      tracker = new ExitTracker(
        {
          side: ctx.position > 0 ? 'long' : 'short',
          quantity: Math.abs(ctx.position),
          entryPrice: ctx.avgEntryPrice,
        },
        exits,
        () => ctx.nextClientId('exit'),
      );
    }
    if (event.kind !== 'trade') return null;
    const exit = tracker.onPrice(event.price, event.ts);
    if (exit === null) return null;
    hooks.onExit(exit, ctx.position, ctx.avgEntryPrice);
    return [exit.intent];
  };

  const wrapped: Strategy = {
    onEvent: (event, ctx) => {
      const exit = watch(event, ctx);
      // While an exit is working the strategy waits: it would otherwise trade against it.
      if (exit !== null) return exit;
      if (tracker?.done === true) return null;
      return sizedInner.onEvent?.(event, ctx) ?? null;
    },
    onBar: (bar: BarView, ctx) => {
      if (tracker?.done === true) return null;
      return sizedInner.onBar?.(bar, ctx) ?? null;
    },
    onOrderEvent: (event, ctx) => sizedInner.onOrderEvent?.(event, ctx) ?? null,
  };
  return wrapped;
}

/**
 * The sizing rule of a paper start request, wired to what it reads: the instrument's recorded
 * volatility (vol-target) or the model's probability (kelly). Kelly's payoff defaults to
 * take-profit / stop-loss when both exits are set (what a win and a loss then are), else 1.
 */
export function decisionSizing(
  sizing: SizingRequest,
  exits: ExitLevels,
  sources: { readonly assetVol: (lookback: number) => number; readonly upProbability: () => number },
): PaperSizing {
  switch (sizing.kind) {
    case 'fixed':
      return sizing;
    case 'fixed-fraction':
      return { kind: sizing.kind, fraction: sizing.fraction };
    case 'all-in':
      return { kind: sizing.kind };
    case 'vol-target':
      return {
        kind: sizing.kind,
        annualVol: sizing.annualVol,
        maxLeverage: sizing.maxLeverage,
        assetVol: () => sources.assetVol(sizing.lookback),
      };
    case 'kelly': {
      const { stopLoss, takeProfit } = exits;
      const payoff =
        sizing.payoff ?? (stopLoss !== undefined && takeProfit !== undefined ? takeProfit / stopLoss : 1);
      return {
        kind: sizing.kind,
        scale: sizing.scale,
        cap: sizing.cap,
        payoff,
        maxLeverage: sizing.maxLeverage,
        stopLoss: stopLoss ?? null,
        upProbability: sources.upProbability,
      };
    }
    default:
      return sizing satisfies never;
  }
}

/** Exit levels without the unset ones (a level present as undefined is no level). */
export function exitLevels(exits: {
  readonly stopLoss?: number | undefined;
  readonly takeProfit?: number | undefined;
  readonly trailing?: number | undefined;
}): ExitLevels {
  return {
    ...(exits.stopLoss === undefined ? {} : { stopLoss: exits.stopLoss }),
    ...(exits.takeProfit === undefined ? {} : { takeProfit: exits.takeProfit }),
    ...(exits.trailing === undefined ? {} : { trailing: exits.trailing }),
  };
}

/** Fewer recorded returns than this give no volatility (NaN) rather than a noisy one. */
export const MIN_VOL_RETURNS = 10;
const MINUTES_PER_YEAR = 365 * 24 * 60;

/**
 * Annualised volatility of the last `lookback` recorded 1m close-to-close returns (sample
 * standard deviation x sqrt(minutes per year), the market trading around the clock); NaN
 * below MIN_VOL_RETURNS returns.
 */
export function annualisedVol(candles: readonly Candle[], lookback: number): number {
  const returns = alignedReturns([candles], TIMEFRAME_MS['1m'])
    .slice(-lookback)
    .map((row) => row[0] ?? Number.NaN);
  if (returns.length < MIN_VOL_RETURNS) return Number.NaN;
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1);
  return Math.sqrt(variance * MINUTES_PER_YEAR);
}
