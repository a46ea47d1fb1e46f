import type { OrderIntent } from '../orders.js';
import type { StrategyContext } from '../strategy.js';

/**
 * The built-in strategies think in target positions; this turns a target into the market
 * order that reaches it. While an earlier order is still working (latency, a partial fill)
 * nothing new is sent, so a strategy that repeats its wish on every event never stacks
 * orders. Returns null when the position is already there.
 */
export function moveToTarget(ctx: StrategyContext, target: number, prefix: string): OrderIntent[] | null {
  const delta = target - ctx.position;
  if (Math.abs(delta) <= 1e-12 * Math.max(1, Math.abs(target)) || ctx.openOrders().length > 0) return null;
  return [
    {
      kind: 'submit',
      order: {
        clientId: ctx.nextClientId(prefix),
        side: delta > 0 ? 'buy' : 'sell',
        type: 'market',
        quantity: Math.abs(delta),
      },
    },
  ];
}

/** A fixed-length window of the last values with O(1) running sum and sum of squares. */
export class RollingWindow {
  private readonly values: Float64Array;
  private next = 0;
  count = 0;
  sum = 0;
  sumSquares = 0;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 1)
      throw new RangeError(`window length must be >= 1, got ${length}`);
    this.values = new Float64Array(length);
  }

  push(value: number): void {
    if (this.count === this.length) {
      const old = this.values[this.next] ?? 0;
      this.sum -= old;
      this.sumSquares -= old * old;
    } else {
      this.count++;
    }
    this.values[this.next] = value;
    this.sum += value;
    this.sumSquares += value * value;
    this.next = this.next + 1 === this.length ? 0 : this.next + 1;
  }

  get full(): boolean {
    return this.count === this.length;
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : Number.NaN;
  }

  /** Population standard deviation (Bollinger's convention). */
  get std(): number {
    if (this.count === 0) return Number.NaN;
    const mean = this.sum / this.count;
    return Math.sqrt(Math.max(0, this.sumSquares / this.count - mean * mean));
  }

  /** The oldest value in the window (the value `length` pushes ago once full). */
  get oldest(): number {
    return this.count === this.length
      ? (this.values[this.next] ?? Number.NaN)
      : (this.values[0] ?? Number.NaN);
  }
}
