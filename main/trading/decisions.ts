import type { PaperSizing as SizingRequest } from '../../shared/api/domains/trading.js';
import type { OrderIntent } from '../../shared/backtest/orders.js';
import type { BarView, Strategy, StrategyContext } from '../../shared/backtest/strategy.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { TIMEFRAME_MS } from '../../shared/domain/timeframes.js';
import { ExitTracker, type ExitLevels, type ExitSignal } from '../../shared/trading/exits.js';
import {
  cappedKellyFraction,
  fixedFractionQuantity,
  roundToMarket,
  volatilityTargetQuantity,
} from '../../shared/trading/sizing.js';
import { alignedReturns } from './risk-report.js';

/**
 * Decisions between a paper strategy and the gate: position sizing and exits.
 *
 * The built-in strategies think in units of their own `quantity` (target +q, -q or 0). Sizing
 * keeps that logic untouched: the strategy sees its position divided by a scale k (sized
 * quantity per strategy unit), and its orders are multiplied by k and rounded down to the lot.
 * k is fixed when the position is flat (equity and price then), so one position is opened and
 * closed in the same units and the strategy's own "am I there yet" test still holds.
 *
 * Exits watch the real position on every trade: a stop-loss, take-profit or trailing stop
 * touched sends one reduce-only market order for the whole position, through the same gate
 * (the broker gates every intent a strategy returns).
 */

export type PaperSizing =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'fixed-fraction'; readonly fraction: number }
  | {
      readonly kind: 'vol-target';
      /** Target annualised volatility of the position (0.2 = 20%). */
      readonly annualVol: number;
      readonly maxLeverage: number;
      /** The instrument's annualised volatility now (NaN when too little is recorded). */
      readonly assetVol: () => number;
    }
  | {
      readonly kind: 'kelly';
      readonly scale: number;
      readonly cap: number;
      /** Win / loss ratio of a trade. */
      readonly payoff: number;
      readonly maxLeverage: number;
      /** The stop-loss exit (fraction of the entry): f of equity is what it may lose. */
      readonly stopLoss: number | null;
      /** The model's probability of an up move now (NaN when it has none). */
      readonly upProbability: () => number;
    };

export interface SizingDecision {
  readonly ts: number;
  readonly rule: PaperSizing['kind'];
  readonly equity: number;
  readonly price: number;
  /** fixed-fraction: the fraction of equity; vol-target: the notional / equity it came to. */
  readonly fraction: number;
  /** vol-target only: the target and the instrument's annualised volatility. */
  readonly targetVol?: number;
  readonly assetVol?: number;
  /** kelly only: P(win) of the side opened (P(up) for a long), the payoff and the capped Kelly f. */
  readonly winProbability?: number;
  readonly payoff?: number;
  readonly kelly?: number;
  readonly lot: number;
  /** The strategy's unit quantity and the sized quantity one unit stands for. */
  readonly unit: number;
  readonly sized: number;
  readonly ok: boolean;
  readonly reason: string | null;
}

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
}

/** A quantity that is a whole number of strategy units within float noise. */
function clean(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

export function withDecisions(inner: Strategy, options: DecisionOptions, hooks: DecisionHooks): Strategy {
  const { sizing, exits, unit, lot } = options;
  const hasExits =
    exits.stopLoss !== undefined || exits.takeProfit !== undefined || exits.trailing !== undefined;
  let scale = 1;
  let tracker: ExitTracker | null = null;
  let tracked = { position: 0, entry: 0 };
  let refused: string | null = null;

  /** Fixes the scale while flat: the sized quantity per strategy unit. */
  /** A size that cannot be traded, recorded once (it is asked again on every event). */
  const untradeable = (ctx: StrategyContext, price: number, reason: string, extra: object): boolean => {
    scale = 0;
    if (refused === reason) return false;
    refused = reason;
    hooks.onSizing({
      ts: ctx.ts,
      rule: sizing.kind,
      equity: ctx.equity,
      price,
      fraction: Number.NaN,
      ...extra,
      lot,
      unit,
      sized: 0,
      ok: false,
      reason,
    });
    return false;
  };

  const resize = (ctx: StrategyContext, price: number, side: 'buy' | 'sell'): boolean => {
    if (sizing.kind === 'fixed') return true;
    if (ctx.position !== 0) return scale > 0;
    const equity = Math.max(0, ctx.equity);
    let raw: number;
    let fraction: number;
    let vol: { targetVol: number; assetVol: number } | null = null;
    let kelly: { winProbability: number; payoff: number; kelly: number } | null = null;
    if (sizing.kind === 'kelly') {
      const up = sizing.upProbability();
      if (!(up >= 0 && up <= 1)) return untradeable(ctx, price, 'no prediction of the model to size on', {});
      const winProbability = side === 'buy' ? up : 1 - up;
      const f = cappedKellyFraction({
        winProbability,
        payoff: sizing.payoff,
        cap: sizing.cap,
        scale: sizing.scale,
      });
      kelly = { winProbability, payoff: sizing.payoff, kelly: f };
      // The reason names no probability: it changes on every prediction, and is recorded once.
      if (!(f > 0)) return untradeable(ctx, price, 'no edge: the Kelly fraction is 0', kelly);
      const quantity = fixedFractionQuantity({
        equity,
        fraction: f,
        price,
        ...(sizing.stopLoss === null ? {} : { stopDistance: price * sizing.stopLoss }),
      });
      raw = Math.min(quantity, (equity * sizing.maxLeverage) / price);
      fraction = equity > 0 ? (raw * price) / equity : 0;
    } else if (sizing.kind === 'fixed-fraction') {
      fraction = sizing.fraction;
      raw = fixedFractionQuantity({ equity, fraction, price });
    } else {
      const assetVol = sizing.assetVol();
      vol = { targetVol: sizing.annualVol, assetVol };
      if (!(assetVol > 0) || !Number.isFinite(assetVol))
        return untradeable(ctx, price, 'no volatility of the instrument recorded yet', vol);
      raw = volatilityTargetQuantity({
        equity,
        targetVol: sizing.annualVol,
        assetVol,
        price,
        maxLeverage: sizing.maxLeverage,
      });
      fraction = equity > 0 ? (raw * price) / equity : 0;
    }
    const rounded = roundToMarket(
      { side: 'buy', quantity: raw, price },
      { precision: { amount: lot }, limits: {} },
      'tick',
    );
    scale = rounded.ok ? rounded.quantity / unit : 0;
    // A size that cannot be traded is asked again on every event: it is recorded once.
    if (!rounded.ok && refused === rounded.reason) return false;
    refused = rounded.ok ? null : rounded.reason;
    hooks.onSizing({
      ts: ctx.ts,
      rule: sizing.kind,
      equity: ctx.equity,
      price,
      fraction,
      ...(vol ?? {}),
      ...(kelly ?? {}),
      lot,
      unit,
      sized: rounded.quantity,
      ok: rounded.ok,
      reason: rounded.ok ? null : rounded.reason,
    });
    return rounded.ok;
  };

  const view = (ctx: StrategyContext): StrategyContext => {
    if (sizing.kind === 'fixed' || scale <= 0) return ctx;
    const k = scale;
    // Working orders are shown as they are: the built-ins only ask whether any is working.
    return {
      ts: ctx.ts,
      position: clean(ctx.position / k),
      cash: ctx.cash,
      avgEntryPrice: ctx.avgEntryPrice,
      mark: ctx.mark,
      equity: ctx.equity,
      book: ctx.book,
      features: ctx.features,
      openOrders: () => ctx.openOrders(),
      order: (clientId) => ctx.order(clientId),
      nextClientId: (prefix) => ctx.nextClientId(prefix),
    };
  };

  const sized = (
    intents: readonly OrderIntent[] | null,
    ctx: StrategyContext,
  ): readonly OrderIntent[] | null => {
    if (intents === null || sizing.kind === 'fixed') return intents;
    const out: OrderIntent[] = [];
    for (const intent of intents) {
      if (intent.kind !== 'submit') {
        out.push(intent);
        continue;
      }
      const price = intent.order.price ?? ctx.mark;
      if (!Number.isFinite(price) || !resize(ctx, price, intent.order.side)) continue;
      const rounded = roundToMarket(
        { side: intent.order.side, quantity: intent.order.quantity * scale, price },
        { precision: { amount: lot }, limits: {} },
        'tick',
      );
      if (rounded.ok) out.push({ kind: 'submit', order: { ...intent.order, quantity: rounded.quantity } });
    }
    return out.length > 0 ? out : null;
  };

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
      return sized(inner.onEvent?.(event, view(ctx)) ?? null, ctx);
    },
    onBar: (bar: BarView, ctx) => {
      if (tracker?.done === true) return null;
      return sized(inner.onBar?.(bar, view(ctx)) ?? null, ctx);
    },
    onOrderEvent: (event, ctx) => sized(inner.onOrderEvent?.(event, view(ctx)) ?? null, ctx),
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
