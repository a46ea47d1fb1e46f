import { z } from 'zod';
import {
  formatNumber,
  refusal,
  type GatedIntent,
  type RiskGate,
  type RiskOpenOrder,
  type RiskRefusal,
  type RiskState,
  type RiskTrip,
  type RiskVerdict,
} from './gate.js';

/**
 * Hard limits on every order, with the last word before a venue sees it.
 *
 * Conventions (each limit the same way):
 * - A limit is a boundary the order may reach but not pass: allowed when the value is at most
 *   the boundary, refused beyond it. "At most" forgives a relative 1e-9, so 0.1 + 0.2 counts as
 *   0.3 and a refusal never hangs on the last bit of a float.
 * - Exposure is the worst case: the position plus every working order on the same side plus
 *   this order, as if all of them fill. Orders that only shrink the position (|position after|
 *   <= |position now|, no flip) are never refused by exposure limits: a limit must not block
 *   the exit that brings the book back inside it.
 * - Notional values a position at the order's price (its limit, else the mark); other
 *   instruments at their marks. Positions in different instruments do not add in base units,
 *   so the total limit is on gross notional (sum of |notional|).
 * - Orders per minute: a sent submit or replace counts in the window [t, t + 60 s) of market
 *   time; cancels never count (they reduce risk and must always go through).
 * - The daily-loss breaker and the drawdown kill switch trip once and stay tripped (every new
 *   submit refused) until the user re-arms (`rearm`). The trading day is the UTC day of market
 *   time; its start equity is the first equity seen that day.
 */

const positive = z.number().positive();

export const riskLimitsSchema = z.strictObject({
  /** Largest quantity (base) of one order. */
  maxOrderQuantity: positive.optional(),
  /** Largest notional (quote) of one order. */
  maxOrderNotional: positive.optional(),
  /** Largest |position| (base) per instrument, worst case. */
  maxPosition: positive.optional(),
  /** Largest |notional| (quote) per instrument, worst case. */
  maxNotional: positive.optional(),
  /** Per-instrument overrides of the two above, by instrument id. */
  perInstrument: z
    .record(
      z.string(),
      z.strictObject({ maxPosition: positive.optional(), maxNotional: positive.optional() }),
    )
    .optional(),
  /** Largest sum of |notional| over instruments (quote). */
  maxGrossNotional: positive.optional(),
  maxOrdersPerMinute: z.number().int().positive().optional(),
  /** Loss since the start of the UTC day (quote) beyond which the breaker trips. */
  maxDailyLoss: positive.optional(),
  /** Fall from peak equity (fraction, 0.2 = 20%) beyond which the kill switch trips. */
  maxDrawdown: z.number().gt(0).lt(1).optional(),
  /** One instrument's largest share of gross notional, enforced once gross reaches `minGrossNotional`. */
  concentration: z
    .strictObject({ maxShare: z.number().gt(0).max(1), minGrossNotional: z.number().min(0) })
    .optional(),
});
export type RiskLimits = z.infer<typeof riskLimitsSchema>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function within(value: number, boundary: number): boolean {
  return value <= boundary + 1e-9 * Math.abs(boundary);
}

/** Usage of each limit, for the Trading view's gauges. */
export interface RiskUsage {
  readonly ordersInLastMinute: number;
  readonly dayStartEquity: number;
  readonly dailyLoss: number;
  readonly peakEquity: number;
  readonly drawdown: number;
  readonly grossNotional: number;
  readonly tripped: RiskTrip | null;
}

export class RiskManager implements RiskGate {
  private readonly limits: RiskLimits;
  /** Market times of sent orders still inside the one-minute window, oldest first. */
  private readonly sent: number[] = [];
  private day = Number.NaN;
  private dayStartEquity = Number.NaN;
  private peakEquity = Number.NaN;
  private lastEquity = Number.NaN;
  private trip: RiskTrip | null = null;
  private tripReported = false;

  constructor(limits: RiskLimits) {
    this.limits = riskLimitsSchema.parse(limits);
  }

  check(gated: GatedIntent, state: RiskState): RiskVerdict {
    this.evaluate(state);
    const intent = gated.intent;
    if (intent.kind === 'cancel') return { ok: true };
    if (this.trip !== null)
      return refusal('breaker_tripped', this.trip.value, this.trip.boundary, `${this.trip.limit} (tripped)`);
    let side: 'buy' | 'sell';
    let quantity: number;
    let orderQuantity: number;
    if (intent.kind === 'submit') {
      side = intent.order.side;
      quantity = intent.order.quantity;
      orderQuantity = quantity;
    } else {
      const order = state.openOrders.find((o) => o.clientId === intent.clientId);
      // An unknown order is the venue's to reject; a replace without a new size adds nothing.
      if (order === undefined || intent.quantity === undefined) return this.countRate(state.ts);
      side = order.side;
      const filled = order.quantity - order.remaining;
      orderQuantity = intent.quantity - filled;
      quantity = orderQuantity - order.remaining;
      if (!(quantity > 0)) return this.countRate(state.ts);
    }
    const price = gated.price;
    if (!(quantity > 0) || !Number.isFinite(quantity) || !(price > 0) || !Number.isFinite(price))
      return refusal(
        'invalid_order',
        quantity * price,
        Number.NaN,
        'order notional (no valid price or size)',
      );
    const l = this.limits;
    if (l.maxOrderQuantity !== undefined && !within(orderQuantity, l.maxOrderQuantity))
      return refusal('max_order_quantity', orderQuantity, l.maxOrderQuantity, 'order quantity');
    if (l.maxOrderNotional !== undefined && !within(orderQuantity * price, l.maxOrderNotional))
      return refusal('max_order_notional', orderQuantity * price, l.maxOrderNotional, 'order notional');
    const exposure = this.exposure(gated.instrument, side, quantity, price, state);
    if (exposure !== null) return exposure;
    return this.countRate(state.ts);
  }

  observe(state: RiskState): RiskTrip | null {
    this.evaluate(state);
    if (this.trip === null || this.tripReported) return null;
    this.tripReported = true;
    return this.trip;
  }

  /** The user re-arms after a trip: the day and the peak restart from the current equity. */
  rearm(): void {
    this.trip = null;
    this.tripReported = false;
    this.dayStartEquity = this.lastEquity;
    this.peakEquity = this.lastEquity;
  }

  get tripped(): RiskTrip | null {
    return this.trip;
  }

  usage(state: RiskState): RiskUsage {
    this.evaluate(state);
    this.expire(state.ts);
    let gross = 0;
    for (const p of state.positions) gross += Math.abs(p.quantity * p.mark);
    return {
      ordersInLastMinute: this.sent.length,
      dayStartEquity: this.dayStartEquity,
      dailyLoss: this.dayStartEquity - state.equity,
      peakEquity: this.peakEquity,
      drawdown: this.peakEquity > 0 ? (this.peakEquity - state.equity) / this.peakEquity : 0,
      grossNotional: gross,
      tripped: this.trip,
    };
  }

  private exposure(
    instrument: string,
    side: 'buy' | 'sell',
    quantity: number,
    price: number,
    state: RiskState,
  ): RiskRefusal | null {
    const l = this.limits;
    const sign = side === 'buy' ? 1 : -1;
    let position = 0;
    let othersGross = 0;
    const otherNotional: number[] = [];
    for (const p of state.positions) {
      if (p.instrument === instrument) position += p.quantity;
      else {
        const n = Math.abs(p.quantity * p.mark);
        othersGross += n;
        otherNotional.push(n);
      }
    }
    const after = position + sign * quantity;
    if (Math.abs(after) <= Math.abs(position) && after * position >= 0) return null;
    const worst = position + sign * (sameSide(state.openOrders, instrument, side) + quantity);
    const size = Math.abs(worst);
    const own = l.perInstrument?.[instrument];
    const maxPosition = own?.maxPosition ?? l.maxPosition;
    const maxNotional = own?.maxNotional ?? l.maxNotional;
    if (maxPosition !== undefined && !within(size, maxPosition))
      return refusal('max_position', size, maxPosition, `|position| of ${instrument}`);
    const notional = size * price;
    if (maxNotional !== undefined && !within(notional, maxNotional))
      return refusal('max_notional', notional, maxNotional, `|notional| of ${instrument}`);
    const gross = othersGross + notional;
    if (l.maxGrossNotional !== undefined && !within(gross, l.maxGrossNotional))
      return refusal('max_gross_notional', gross, l.maxGrossNotional, 'gross notional');
    const c = l.concentration;
    if (c !== undefined && gross > 0 && gross >= c.minGrossNotional) {
      const share = notional / gross;
      if (!within(share, c.maxShare))
        return refusal('concentration', share, c.maxShare, `${instrument}'s share of gross notional`);
    }
    return null;
  }

  private countRate(ts: number): RiskVerdict {
    const max = this.limits.maxOrdersPerMinute;
    if (max !== undefined) {
      this.expire(ts);
      const count = this.sent.length + 1;
      if (count > max) return refusal('max_orders_per_minute', count, max, 'orders in the last minute');
    }
    this.sent.push(ts);
    return { ok: true };
  }

  private expire(ts: number): void {
    const sent = this.sent;
    let drop = 0;
    while (drop < sent.length && (sent[drop] ?? 0) <= ts - MINUTE_MS) drop++;
    if (drop > 0) sent.splice(0, drop);
  }

  /** Tracks the day's start, the peak, and trips the breaker or the kill switch. */
  private evaluate(state: RiskState): void {
    const equity = state.equity;
    if (!Number.isFinite(equity)) return;
    this.lastEquity = equity;
    const day = Math.floor(state.ts / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
    }
    if (!(equity <= this.peakEquity)) this.peakEquity = equity;
    if (this.trip !== null) return;
    const l = this.limits;
    const loss = this.dayStartEquity - equity;
    if (l.maxDailyLoss !== undefined && !within(loss, l.maxDailyLoss)) {
      this.trip = tripOf('max_daily_loss', state.ts, loss, l.maxDailyLoss, 'loss since the start of the day');
      return;
    }
    const drawdown = (this.peakEquity - equity) / this.peakEquity;
    if (l.maxDrawdown !== undefined && this.peakEquity > 0 && !within(drawdown, l.maxDrawdown))
      this.trip = tripOf('max_drawdown', state.ts, drawdown, l.maxDrawdown, 'drawdown from peak equity');
  }
}

function sameSide(orders: readonly RiskOpenOrder[], instrument: string, side: 'buy' | 'sell'): number {
  let total = 0;
  for (const o of orders) if (o.instrument === instrument && o.side === side) total += o.remaining;
  return total;
}

function tripOf(
  limit: RiskTrip['limit'],
  ts: number,
  value: number,
  boundary: number,
  what: string,
): RiskTrip {
  return {
    limit,
    ts,
    value,
    boundary,
    reason: `${limit}: ${what} reached ${formatNumber(value)}, limit ${formatNumber(boundary)}: disarm and cancel all`,
    actions: ['disarm', 'cancel_all'],
  };
}
