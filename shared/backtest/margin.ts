import { z } from 'zod';

/**
 * What the account may hold, and so how much of an order it can pay for. ONE rule for every
 * order, in both engine modes: an order beyond buying power is REDUCED to what the account can
 * carry at the fill price, fee included, floored to the lot step; if nothing is left it is
 * refused. Both are counted in the result (`reducedOrders`, `refusedOrders`).
 *
 * - `spot` (leverage 1): a buy costs its notional plus the fee out of cash. Without shorting,
 *   a sell is limited to the position held; with shorting, a short is collateralised 1:1 by
 *   equity (|short notional| + fee <= equity), as a margin account without leverage does.
 * - `perpetual`: opening notional / leverage (the initial margin) plus the fee must fit in
 *   equity; reducing a position never needs margin. The position is liquidated when equity
 *   falls to the maintenance margin, maintenanceMargin x |position| x mark (liquidationPrice).
 *   Funding is paid where the data has it (a rate per bar, engine.ts).
 *
 * Equity is cash + position x price at the fill price: the same number the curve shows.
 */
export const accountRulesSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('spot'), allowShort: z.boolean().default(true) }),
  z.strictObject({
    kind: z.literal('perpetual'),
    leverage: z.number().min(1).max(125).default(1),
    /** Maintenance margin as a fraction of notional (0.005 = 0.5%), below 1 / leverage. */
    maintenanceMargin: z.number().min(0).max(0.5).default(0.005),
  }),
]);
export type AccountRules = z.output<typeof accountRulesSchema>;

/** Spot with 1:1 collateralised shorts: what backtests assume unless told otherwise. */
export const SPOT_ACCOUNT: AccountRules = { kind: 'spot', allowShort: true };

/** A quantity this close to the requested one (relative) is the requested one: float noise. */
const SAME_QUANTITY = 1e-12;

/**
 * The largest quantity of an order of `sign` (+1 buy, -1 sell) the account can fill at
 * `price`, paying `feeRate` x notional, holding `position` with `equity` valued at `price`.
 * Not rounded (see `affordable`).
 */
export function buyingPowerQuantity(
  rules: AccountRules,
  sign: 1 | -1,
  position: number,
  equity: number,
  price: number,
  feeRate: number,
): number {
  if (!(price > 0)) return 0;
  const held = Math.abs(position);
  const reducing = sign * position < 0 ? held : 0;
  if (rules.kind === 'spot' && !rules.allowShort && sign < 0) return Math.max(0, position);
  const leverage = rules.kind === 'perpetual' ? rules.leverage : 1;
  const fee = Math.max(0, feeRate);
  // Margin (spot: the whole notional) needed by the part that opens or grows a position.
  const perUnit = price * (1 / leverage + fee);
  if (reducing > 0) {
    const opening = (equity - fee * reducing * price) / perUnit;
    return reducing + Math.max(0, opening);
  }
  return Math.max(0, (equity - (held * price) / leverage) / perUnit);
}

/**
 * How much of `wanted` the account may fill: all of it when it fits (within float noise), else
 * the buying power floored to `lotStep` (0: no step).
 */
export function affordable(wanted: number, power: number, lotStep: number): number {
  if (wanted <= power * (1 + SAME_QUANTITY)) return wanted;
  if (!(lotStep > 0)) return power;
  return Math.floor(power / lotStep + 1e-9) * lotStep;
}

/**
 * The mark at which a perpetual position is liquidated: equity (cash + position x mark) equals
 * the maintenance margin (maintenanceMargin x |position| x mark). Solving for the mark:
 *   long  (q > 0): p = -cash / (q x (1 - mm))
 *   short (q < 0): p =  cash / (|q| x (1 + mm))
 * NaN when flat or on a spot account (nothing is liquidated there); <= 0 means never.
 */
export function liquidationPrice(rules: AccountRules, position: number, cash: number): number {
  if (rules.kind !== 'perpetual' || position === 0) return Number.NaN;
  const mm = rules.maintenanceMargin;
  return position > 0 ? -cash / (position * (1 - mm)) : cash / (-position * (1 + mm));
}
