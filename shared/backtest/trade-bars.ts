import type { BarView } from './strategy.js';

/**
 * Bars of `barMs` built from trades, as event mode and the live strategy desk both show them
 * to bar strategies: a bar opens on the first trade of its period (aligned to the period),
 * and closes when market time reaches its close, whether or not a trade comes. One object is
 * reused: read a bar in the callback, do not keep it.
 */
export class TradeBars {
  private readonly bar = { openTime: 0, closeTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  private isOpen = false;

  constructor(readonly barMs: number) {
    if (!(barMs > 0)) throw new RangeError(`barMs must be > 0, got ${barMs}`);
  }

  /** The bar in progress closes at or before `ts`. */
  due(ts: number): boolean {
    return this.isOpen && ts >= this.bar.closeTime;
  }

  /** Market time the bar in progress closes, or +Infinity without one. */
  get closeTime(): number {
    return this.isOpen ? this.bar.closeTime : Number.POSITIVE_INFINITY;
  }

  add(price: number, amount: number, ts: number): void {
    const bar = this.bar;
    if (!this.isOpen) {
      this.isOpen = true;
      bar.openTime = ts - (ts % this.barMs);
      bar.closeTime = bar.openTime + this.barMs;
      bar.open = bar.high = bar.low = bar.close = price;
      bar.volume = amount;
      return;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += amount;
  }

  /** Closes the bar in progress and returns it. */
  close(): BarView {
    this.isOpen = false;
    return this.bar;
  }
}
