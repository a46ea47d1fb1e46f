import type { TradingState } from '../../shared/api/domains/trading.js';
import type { RiskLimits, RiskUsage } from '../../shared/risk/limits.js';
import type { RiskState } from '../../shared/risk/gate.js';

type LimitUsage = TradingState['usage'][number];

/**
 * Each set limit with the value it limits now, for the Trading view's gauges:
 * order size and notional: the largest working order; position and notional: the largest
 * instrument (worst case is what the gate checks, the gauge shows what is held); gross
 * notional; orders sent in the last minute; loss since the day's start; drawdown from the
 * peak; the largest instrument's share of gross notional.
 */
export function limitUsage(limits: RiskLimits, state: RiskState, usage: RiskUsage): LimitUsage[] {
  const out: LimitUsage[] = [];
  const add = (limit: string, value: number, boundary: number | undefined): void => {
    if (boundary === undefined) return;
    const v = Number.isFinite(value) ? value : 0;
    out.push({ limit, value: v, boundary, usage: boundary > 0 ? v / boundary : 0 });
  };
  const marks = new Map(state.positions.map((p) => [p.instrument, p.mark]));
  let largestOrder = 0;
  let largestOrderNotional = 0;
  for (const o of state.openOrders) {
    largestOrder = Math.max(largestOrder, o.quantity);
    const price = Number.isFinite(o.price) ? o.price : (marks.get(o.instrument) ?? Number.NaN);
    if (Number.isFinite(price)) largestOrderNotional = Math.max(largestOrderNotional, o.quantity * price);
  }
  const byInstrument = new Map<string, { quantity: number; mark: number }>();
  for (const p of state.positions) {
    const held = byInstrument.get(p.instrument);
    byInstrument.set(p.instrument, { quantity: (held?.quantity ?? 0) + p.quantity, mark: p.mark });
  }
  let largestPosition = 0;
  let largestNotional = 0;
  for (const p of byInstrument.values()) {
    largestPosition = Math.max(largestPosition, Math.abs(p.quantity));
    if (Number.isFinite(p.mark)) largestNotional = Math.max(largestNotional, Math.abs(p.quantity * p.mark));
  }
  add('maxOrderQuantity', largestOrder, limits.maxOrderQuantity);
  add('maxOrderNotional', largestOrderNotional, limits.maxOrderNotional);
  add('maxPosition', largestPosition, limits.maxPosition);
  add('maxNotional', largestNotional, limits.maxNotional);
  add('maxGrossNotional', usage.grossNotional, limits.maxGrossNotional);
  add('maxOrdersPerMinute', usage.ordersInLastMinute, limits.maxOrdersPerMinute);
  add('maxDailyLoss', Math.max(0, usage.dailyLoss), limits.maxDailyLoss);
  add('maxDrawdown', Math.max(0, usage.drawdown), limits.maxDrawdown);
  const gross = usage.grossNotional;
  add('concentration', gross > 0 ? largestNotional / gross : 0, limits.concentration?.maxShare);
  return out;
}

/** Equity sampled once a second, the last day of it (a ring that drops the oldest). */
export class EquityCurve {
  private readonly ts: number[] = [];
  private readonly equity: number[] = [];
  /** Each venue's equity on the same times as `ts`; null where the venue had none. */
  private readonly venues = new Map<string, (number | null)[]>();

  constructor(private readonly keepMs = 86_400_000) {}

  /** The total and each venue's own equity at `ts` (a venue not named has none then). */
  sample(ts: number, equity: number, byVenue: Readonly<Record<string, number | null>> = {}): void {
    if (!Number.isFinite(equity)) return;
    this.ts.push(ts);
    this.equity.push(equity);
    for (const [venue, value] of Object.entries(byVenue)) {
      if (value === null || !Number.isFinite(value)) continue;
      // A venue seen for the first time had no equity at the earlier samples.
      if (!this.venues.has(venue))
        this.venues.set(venue, new Array<number | null>(this.ts.length - 1).fill(null));
    }
    for (const [venue, line] of this.venues) {
      const value = byVenue[venue];
      line.push(value === undefined || value === null || !Number.isFinite(value) ? null : value);
    }
    // Trim in chunks so a sample costs O(1) on average.
    const first = this.ts[0] ?? ts;
    if (ts - first > this.keepMs * 1.1) {
      let drop = 0;
      while (drop < this.ts.length && ts - (this.ts[drop] ?? ts) > this.keepMs) drop++;
      this.ts.splice(0, drop);
      this.equity.splice(0, drop);
      for (const line of this.venues.values()) line.splice(0, drop);
    }
  }

  view(): TradingState['pnl'] {
    return {
      ts: [...this.ts],
      equity: [...this.equity],
      venues: [...this.venues].map(([venue, line]) => ({ venue, equity: [...line] })),
    };
  }
}
