/**
 * Position sizing: how much to trade once a signal says which way. Three rules, then rounding
 * to what the market accepts. All sizes are base-currency quantities; equity and prices are
 * in quote currency. Every function refuses NaN, infinite or negative inputs (a size computed
 * from bad data must not reach an order).
 */

function need(value: number, name: string, positive = true): void {
  if (!Number.isFinite(value) || (positive ? !(value > 0) : value < 0))
    throw new RangeError(
      `${name} must be a finite ${positive ? 'positive' : 'non-negative'} number, got ${value}`,
    );
}

/**
 * Fixed fraction. Without a stop: `fraction` of equity goes into the position (notional =
 * equity x fraction). With a stop: `fraction` of equity is what the trade may lose if the
 * stop is hit (quantity = equity x fraction / stopDistance), the usual "risk 1% per trade".
 */
export function fixedFractionQuantity(args: {
  readonly equity: number;
  readonly fraction: number;
  readonly price: number;
  /** Quote distance from entry to stop; omit to size by notional. */
  readonly stopDistance?: number;
}): number {
  need(args.equity, 'equity', false);
  need(args.fraction, 'fraction', false);
  need(args.price, 'price');
  const budget = args.equity * args.fraction;
  if (args.stopDistance === undefined) return budget / args.price;
  need(args.stopDistance, 'stopDistance');
  return budget / args.stopDistance;
}

/**
 * Volatility targeting: notional = equity x targetVol / assetVol, so the position's expected
 * volatility is the target; capped at maxLeverage x equity (a quiet market would otherwise ask
 * for a huge position). Both volatilities over the same horizon (e.g. both annualised).
 */
export function volatilityTargetQuantity(args: {
  readonly equity: number;
  readonly targetVol: number;
  readonly assetVol: number;
  readonly price: number;
  readonly maxLeverage: number;
}): number {
  need(args.equity, 'equity', false);
  need(args.targetVol, 'targetVol', false);
  need(args.assetVol, 'assetVol');
  need(args.price, 'price');
  need(args.maxLeverage, 'maxLeverage');
  const notional = Math.min((args.equity * args.targetVol) / args.assetVol, args.equity * args.maxLeverage);
  return notional / args.price;
}

/**
 * Kelly fraction of a bet that wins `payoff` times the stake with probability p and loses the
 * stake otherwise: f* = p - (1 - p) / payoff. Scaled (half Kelly: scale 0.5, since the
 * estimates of p and payoff are noisy and full Kelly is ruinous when they are optimistic),
 * floored at 0 (no edge, no bet) and capped. Feed the result to `fixedFractionQuantity` as the
 * fraction risked, with the stop distance as the stake per unit.
 */
export function cappedKellyFraction(args: {
  readonly winProbability: number;
  readonly payoff: number;
  readonly cap: number;
  readonly scale?: number;
}): number {
  const p = args.winProbability;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`winProbability must be in [0, 1], got ${p}`);
  need(args.payoff, 'payoff');
  need(args.cap, 'cap', false);
  const scale = args.scale ?? 1;
  need(scale, 'scale', false);
  const kelly = p - (1 - p) / args.payoff;
  return Math.min(args.cap, Math.max(0, scale * kelly));
}

/**
 * The parts of a ccxt market that sizing needs (`exchange.markets[symbol]`).
 *
 * ccxt has two precision modes (`exchange.precisionMode`), and the numbers in
 * `precision.amount` / `precision.price` mean different things in each:
 * - `tick` (ccxt TICK_SIZE, most exchanges today): the step itself, e.g. amount 0.001,
 *   price 0.5;
 * - `decimals` (ccxt DECIMAL_PLACES): a count of decimal places, e.g. amount 3 means a step of
 *   0.001, price 2 a tick of 0.01.
 * ccxt's third mode, SIGNIFICANT_DIGITS, is rare and is refused here rather than guessed.
 */
export interface MarketPrecision {
  readonly precision: { readonly amount?: number | undefined; readonly price?: number | undefined };
  readonly limits: {
    readonly amount?: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
    readonly cost?: { readonly min?: number | undefined } | undefined;
  };
}

export type PrecisionMode = 'tick' | 'decimals';

/** The step a precision value stands for in a mode (undefined precision: no rounding). */
export function stepOf(precision: number | undefined, mode: PrecisionMode): number {
  if (precision === undefined) return 0;
  if (mode === 'tick') {
    need(precision, 'precision');
    return precision;
  }
  if (!Number.isInteger(precision) || precision < 0 || precision > 20)
    throw new RangeError(`decimal places must be an integer in [0, 20], got ${precision}`);
  return Number(`1e-${precision}`);
}

/** Decimal places of a step, so rounded values print cleanly (0.1 + 0.2 is not 0.3). */
function decimalsOf(step: number): number {
  for (let d = 0; d <= 15; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 15;
}

/** Rounds to a multiple of `step`: down, up or to nearest; forgives float noise below 1e-9 step. */
export function roundToStep(value: number, step: number, direction: 'down' | 'up' | 'nearest'): number {
  if (!(step > 0)) return value;
  const units = value / step;
  const whole =
    direction === 'down'
      ? Math.floor(units + 1e-9)
      : direction === 'up'
        ? Math.ceil(units - 1e-9)
        : Math.round(units);
  return Number((whole * step).toFixed(decimalsOf(step)));
}

export type MarketOrderSize =
  | { readonly ok: true; readonly quantity: number; readonly price: number }
  | { readonly ok: false; readonly quantity: number; readonly price: number; readonly reason: string };

/**
 * Rounds an order to what the market accepts. The quantity rounds DOWN to the amount step
 * (rounding must never add risk); a limit price rounds to the tick on the passive side (a buy
 * down, a sell up: never pays more than asked). Then the minimums: below `limits.amount.min`
 * or a notional below `limits.cost.min` is refused, not rounded up; above `limits.amount.max`
 * is clipped to it (also rounded down).
 */
export function roundToMarket(
  order: { readonly side: 'buy' | 'sell'; readonly quantity: number; readonly price: number },
  market: MarketPrecision,
  mode: PrecisionMode,
): MarketOrderSize {
  need(order.quantity, 'quantity', false);
  need(order.price, 'price');
  const amountStep = stepOf(market.precision.amount, mode);
  const tick = stepOf(market.precision.price, mode);
  const price = roundToStep(order.price, tick, order.side === 'buy' ? 'down' : 'up');
  let quantity = roundToStep(order.quantity, amountStep, 'down');
  const max = market.limits.amount?.max;
  if (max !== undefined && quantity > max) quantity = roundToStep(max, amountStep, 'down');
  const minAmount = market.limits.amount?.min;
  if (minAmount !== undefined && quantity < minAmount)
    return {
      ok: false,
      quantity,
      price,
      reason: `quantity ${quantity} is below the market minimum ${minAmount}`,
    };
  const minCost = market.limits.cost?.min;
  if (minCost !== undefined && quantity * price < minCost)
    return {
      ok: false,
      quantity,
      price,
      reason: `notional ${quantity * price} is below the market minimum ${minCost}`,
    };
  if (!(quantity > 0)) return { ok: false, quantity, price, reason: 'quantity rounds to zero' };
  return { ok: true, quantity, price };
}
