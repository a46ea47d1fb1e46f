import type { OrderIntent } from '../backtest/orders.js';
import type { BarView, Strategy, StrategyContext } from '../backtest/strategy.js';
import {
  cappedKellyFraction,
  fixedFractionQuantity,
  roundToMarket,
  volatilityTargetQuantity,
} from './sizing.js';

/**
 * Position sizing around a strategy: ONE module for the backtest (candle and event mode), paper
 * and live trading and the ML strategy's training folds, so a size is the same number wherever
 * the strategy runs.
 *
 * The built-in strategies think in units of their own `quantity` (target +q, -q or 0). Sizing
 * keeps that logic untouched: the strategy sees its position divided by a scale k (sized
 * quantity per strategy unit), and its orders become the move from the real position to the
 * sized target, rounded down to the lot (and a limit price to the tick, passive side). k is
 * fixed when the position is flat (equity and price then), so one position is opened and
 * closed in the same units and the strategy's own "am I there yet" test still holds; a close
 * to zero units sells exactly what is held, whatever the buying power let the entry fill.
 *
 * The rules (all from sizing.ts):
 * - `fixed`: the strategy's own quantity, untouched;
 * - `fixed-fraction`: notional = fraction x equity;
 * - `all-in`: notional = equity / (1 + taker fee), the whole account with its fee paid;
 * - `vol-target`: notional = equity x target vol / asset vol, at most maxLeverage x equity;
 * - `kelly`: the capped Kelly fraction of the model's probability (ML strategy only), of
 *   equity at risk to the stop-loss when there is one, else of notional.
 */
export type SizingRule =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'fixed-fraction'; readonly fraction: number }
  | { readonly kind: 'all-in' }
  | {
      readonly kind: 'vol-target';
      /** Target annualised volatility of the position (0.2 = 20%). */
      readonly annualVol: number;
      readonly maxLeverage: number;
      /** The instrument's annualised volatility now (NaN when too little is known). */
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
  readonly rule: SizingRule['kind'];
  readonly equity: number;
  readonly price: number;
  /** The notional / equity the size came to (fixed-fraction: the fraction asked). */
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

export interface SizingOptions {
  readonly sizing: SizingRule;
  /** The strategy's own order quantity (its `quantity` parameter). */
  readonly unit: number;
  /** Amount step quantities are rounded down to (0: none). */
  readonly lot: number;
  /** Price step limit prices are rounded to, passive side (0: none). */
  readonly tick?: number;
  /** Taker fee rate, so `all-in` leaves room for the fee of its own order. */
  readonly takerFee?: number;
}

/** A quantity that is a whole number of strategy units within float noise. */
function clean(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** The sized quantity of a new position: raw (before the lot), with what it was computed from. */
interface RawSize {
  readonly raw: number;
  readonly fraction: number;
  readonly extra: object;
}

/**
 * The size one strategy unit stands for when opening from flat, before rounding; a string when
 * nothing can be sized (no prediction, no volatility, no edge).
 */
export function rawSize(
  sizing: Exclude<SizingRule, { kind: 'fixed' }>,
  equity: number,
  price: number,
  side: 'buy' | 'sell',
  takerFee: number,
): RawSize | { readonly reason: string; readonly extra: object } {
  switch (sizing.kind) {
    case 'fixed-fraction':
      return {
        raw: fixedFractionQuantity({ equity, fraction: sizing.fraction, price }),
        fraction: sizing.fraction,
        extra: {},
      };
    case 'all-in': {
      const raw = equity / (price * (1 + Math.max(0, takerFee)));
      return { raw, fraction: equity > 0 ? (raw * price) / equity : 0, extra: {} };
    }
    case 'vol-target': {
      const assetVol = sizing.assetVol();
      const extra = { targetVol: sizing.annualVol, assetVol };
      if (!(assetVol > 0) || !Number.isFinite(assetVol))
        return { reason: 'no volatility of the instrument recorded yet', extra };
      const raw = volatilityTargetQuantity({
        equity,
        targetVol: sizing.annualVol,
        assetVol,
        price,
        maxLeverage: sizing.maxLeverage,
      });
      return { raw, fraction: equity > 0 ? (raw * price) / equity : 0, extra };
    }
    case 'kelly': {
      const up = sizing.upProbability();
      if (!(up >= 0 && up <= 1)) return { reason: 'no prediction of the model to size on', extra: {} };
      const winProbability = side === 'buy' ? up : 1 - up;
      const f = cappedKellyFraction({
        winProbability,
        payoff: sizing.payoff,
        cap: sizing.cap,
        scale: sizing.scale,
      });
      const extra = { winProbability, payoff: sizing.payoff, kelly: f };
      // The reason names no probability: it changes on every prediction, and is recorded once.
      if (!(f > 0)) return { reason: 'no edge: the Kelly fraction is 0', extra };
      const quantity = fixedFractionQuantity({
        equity,
        fraction: f,
        price,
        ...(sizing.stopLoss === null ? {} : { stopDistance: price * sizing.stopLoss }),
      });
      const raw = Math.min(quantity, (equity * sizing.maxLeverage) / price);
      return { raw, fraction: equity > 0 ? (raw * price) / equity : 0, extra };
    }
    default:
      return sizing satisfies never;
  }
}

/** The strategy inside its sizing; `onSizing` hears every size fixed (and every size refused, once). */
export function withSizing(
  inner: Strategy,
  options: SizingOptions,
  onSizing: (decision: SizingDecision) => void = () => undefined,
): Strategy {
  const { sizing, unit, lot } = options;
  if (sizing.kind === 'fixed') return inner;
  const tick = options.tick ?? 0;
  const takerFee = options.takerFee ?? 0;
  const market = {
    precision: { amount: lot > 0 ? lot : undefined, price: tick > 0 ? tick : undefined },
    limits: {},
  };
  /** The sized quantity one strategy unit (its `quantity`) stands for, fixed while flat. */
  let scale = 0;
  let refused: string | null = null;

  /** A size that cannot be traded, recorded once (it is asked again on every event). */
  const untradeable = (ctx: StrategyContext, price: number, reason: string, extra: object): boolean => {
    scale = 0;
    if (refused === reason) return false;
    refused = reason;
    onSizing({
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

  /** Fixes the scale while flat: the sized quantity per strategy unit. */
  const resize = (ctx: StrategyContext, price: number, side: 'buy' | 'sell'): boolean => {
    if (ctx.position !== 0) return scale > 0;
    const equity = Math.max(0, ctx.equity);
    const size = rawSize(sizing, equity, price, side, takerFee);
    if ('reason' in size) return untradeable(ctx, price, size.reason, size.extra);
    const rounded = roundToMarket({ side: 'buy', quantity: size.raw, price }, market, 'tick');
    scale = rounded.ok ? rounded.quantity : 0;
    if (!rounded.ok && refused === rounded.reason) return false;
    refused = rounded.ok ? null : rounded.reason;
    onSizing({
      ts: ctx.ts,
      rule: sizing.kind,
      equity: ctx.equity,
      price,
      fraction: size.fraction,
      ...size.extra,
      lot,
      unit,
      sized: rounded.quantity,
      ok: rounded.ok,
      reason: rounded.ok ? null : rounded.reason,
    });
    return rounded.ok;
  };

  /** The real position in strategy units: whole units (a reduced entry still counts as one). */
  const units = (position: number): number => {
    if (position === 0 || !(scale > 0)) return 0;
    const whole = Math.round(position / scale);
    return whole !== 0 ? whole : Math.sign(position);
  };

  const view = (ctx: StrategyContext): StrategyContext => {
    if (!(scale > 0) || ctx.position === 0) return ctx;
    const position = clean(units(ctx.position) * unit);
    // Working orders are shown as they are: the built-ins only ask whether any is working.
    return {
      ts: ctx.ts,
      position,
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
    if (intents === null) return null;
    const out: OrderIntent[] = [];
    for (const intent of intents) {
      if (intent.kind !== 'submit') {
        out.push(intent);
        continue;
      }
      const { order } = intent;
      const price = order.price ?? ctx.mark;
      if (!Number.isFinite(price) || !resize(ctx, price, order.side)) continue;
      // The target in units, then in quantity: back to zero units is exactly flat.
      const sign = order.side === 'buy' ? 1 : -1;
      const targetUnits = clean(units(ctx.position) + (sign * order.quantity) / unit);
      const move = Math.abs(targetUnits * scale - ctx.position);
      // Closing sells (buys back) what is held, lot or not: a rest would be a position nobody chose.
      const exact = targetUnits === 0;
      if (exact && ctx.position === 0) continue;
      const rounded = roundToMarket({ side: order.side, quantity: move, price }, market, 'tick');
      if (!rounded.ok && !exact) continue;
      out.push({
        kind: 'submit',
        order: {
          ...order,
          quantity: exact ? Math.abs(ctx.position) : rounded.quantity,
          ...(order.price === undefined ? {} : { price: rounded.price }),
        },
      });
    }
    return out.length > 0 ? out : null;
  };

  const wrapped: Strategy = {};
  if (inner.onEvent !== undefined) {
    const onEvent = inner.onEvent.bind(inner);
    wrapped.onEvent = (event, ctx) => sized(onEvent(event, view(ctx)), ctx);
  }
  if (inner.onBar !== undefined) {
    const onBar = inner.onBar.bind(inner);
    wrapped.onBar = (bar: BarView, ctx) => sized(onBar(bar, view(ctx)), ctx);
  }
  if (inner.onOrderEvent !== undefined) {
    const onOrderEvent = inner.onOrderEvent.bind(inner);
    wrapped.onOrderEvent = (event, ctx) => sized(onOrderEvent(event, view(ctx)), ctx);
  }
  return wrapped;
}

/**
 * The instrument's annualised volatility from the closes a strategy has seen: the sample
 * standard deviation of the last `lookback` close-to-close returns x sqrt(bars per year); NaN
 * below 10 returns. The backtests' source for `vol-target` (paper and live read recorded
 * 1m candles, the same formula on 1m bars).
 */
export class BarVolatility {
  private readonly returns: Float64Array;
  private next = 0;
  private count = 0;
  private last = Number.NaN;

  constructor(
    readonly lookback: number,
    private readonly barsPerYear: number,
  ) {
    this.returns = new Float64Array(lookback);
  }

  push(close: number): void {
    if (this.last > 0 && close > 0) {
      this.returns[this.next] = close / this.last - 1;
      this.next = (this.next + 1) % this.lookback;
      if (this.count < this.lookback) this.count++;
    }
    this.last = close;
  }

  annualised(): number {
    const n = this.count;
    if (n < 10) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.returns[i] ?? 0;
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += ((this.returns[i] ?? 0) - mean) ** 2;
    return Math.sqrt((squares / (n - 1)) * this.barsPerYear);
  }
}

/** A sizing rule as a backtest request gives it: vol-target measures the bars it runs on. */
export type BarSizingRule =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'fixed-fraction'; readonly fraction: number }
  | { readonly kind: 'all-in' }
  | {
      readonly kind: 'vol-target';
      readonly annualVol: number;
      readonly lookback: number;
      readonly maxLeverage: number;
    };

/**
 * A strategy inside a backtest's sizing: `withSizing` with the rule's volatility read from the
 * closes of the bars the run has seen (BarVolatility), so nothing after a bar is used to size
 * at that bar.
 */
export function withBarSizing(
  inner: Strategy,
  rule: BarSizingRule,
  options: Omit<SizingOptions, 'sizing'> & { readonly barMs: number },
): Strategy {
  if (rule.kind !== 'vol-target') return withSizing(inner, { ...options, sizing: rule });
  const volatility = new BarVolatility(rule.lookback, (365 * 24 * 3600 * 1000) / options.barMs);
  const sized = withSizing(inner, {
    ...options,
    sizing: {
      kind: 'vol-target',
      annualVol: rule.annualVol,
      maxLeverage: rule.maxLeverage,
      assetVol: () => volatility.annualised(),
    },
  });
  const wrapped: Strategy = {
    onBar: (bar, ctx) => {
      volatility.push(bar.close);
      return sized.onBar?.(bar, ctx) ?? null;
    },
  };
  if (sized.onEvent !== undefined) wrapped.onEvent = sized.onEvent.bind(sized);
  if (sized.onOrderEvent !== undefined) wrapped.onOrderEvent = sized.onOrderEvent.bind(sized);
  return wrapped;
}
