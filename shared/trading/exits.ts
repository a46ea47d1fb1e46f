import type { OrderIntent } from '../backtest/orders.js';

/**
 * Exits of an open position: stop-loss, take-profit and trailing stop, tracked price by price.
 * A tracker watches one position and emits ONE exit intent, a reduce-only market order for
 * the whole position, the first time a level is touched; then it is done.
 *
 * Conventions: levels are fractions of the entry price (stop 0.02 = 2% below a long's entry);
 * a level triggers when the price reaches it or goes through (at-the-level counts). The
 * trailing stop follows the best price since entry (the high of a long, the low of a short)
 * and never moves back. When the fixed stop and the trailing stop are both set, the tighter
 * one is in force, and the exit names it. Feed it trade prices, as the fill model triggers
 * stops on last price.
 */

export interface ExitLevels {
  /** Loss from entry, as a fraction of the entry price, that closes the position. */
  readonly stopLoss?: number;
  /** Gain from entry, as a fraction, that closes it. */
  readonly takeProfit?: number;
  /** Fall from the best price since entry, as a fraction of that price. */
  readonly trailing?: number;
}

export type ExitReason = 'stop_loss' | 'take_profit' | 'trailing_stop';

export interface ExitSignal {
  readonly reason: ExitReason;
  readonly ts: number;
  /** The price that touched the level. */
  readonly price: number;
  /** The level itself. */
  readonly level: number;
  readonly intent: OrderIntent;
}

export class ExitTracker {
  private best: number;
  private finished = false;
  private readonly sign: 1 | -1;

  constructor(
    private readonly position: {
      readonly side: 'long' | 'short';
      readonly quantity: number;
      readonly entryPrice: number;
    },
    private readonly levels: ExitLevels,
    private readonly clientId: () => string,
  ) {
    if (!(position.quantity > 0) || !(position.entryPrice > 0))
      throw new RangeError('an exit tracker needs a positive quantity and entry price');
    for (const [name, value] of Object.entries(levels))
      if (value !== undefined && !(typeof value === 'number' && value > 0 && value < 1))
        throw new RangeError(`${name} must be a fraction in (0, 1), got ${String(value)}`);
    this.sign = position.side === 'long' ? 1 : -1;
    this.best = position.entryPrice;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The stop in force now (NaN when none): the tighter of the fixed and the trailing stop. */
  get stopLevel(): number {
    return this.currentStop().level;
  }

  /** One price (a trade); returns the exit the first time a level is touched, else null. */
  onPrice(price: number, ts: number): ExitSignal | null {
    if (this.finished || !Number.isFinite(price)) return null;
    const s = this.sign;
    if (s * (price - this.best) > 0) this.best = price;
    const { entryPrice } = this.position;
    const tp = this.levels.takeProfit;
    if (tp !== undefined) {
      const level = entryPrice + s * entryPrice * tp;
      if (s * (price - level) >= 0) return this.exit('take_profit', ts, price, level);
    }
    const stop = this.currentStop();
    if (!Number.isNaN(stop.level) && s * (price - stop.level) <= 0)
      return this.exit(stop.reason, ts, price, stop.level);
    return null;
  }

  private currentStop(): { level: number; reason: ExitReason } {
    const s = this.sign;
    const { stopLoss, trailing } = this.levels;
    const fixed =
      stopLoss === undefined
        ? Number.NaN
        : this.position.entryPrice - s * this.position.entryPrice * stopLoss;
    const trail = trailing === undefined ? Number.NaN : this.best - s * this.best * trailing;
    if (Number.isNaN(trail)) return { level: fixed, reason: 'stop_loss' };
    // The tighter stop is the one nearer the price: higher for a long, lower for a short.
    if (Number.isNaN(fixed) || s * (trail - fixed) > 0) return { level: trail, reason: 'trailing_stop' };
    return { level: fixed, reason: 'stop_loss' };
  }

  private exit(reason: ExitReason, ts: number, price: number, level: number): ExitSignal {
    this.finished = true;
    return {
      reason,
      ts,
      price,
      level,
      intent: {
        kind: 'submit',
        order: {
          clientId: this.clientId(),
          side: this.sign === 1 ? 'sell' : 'buy',
          type: 'market',
          quantity: this.position.quantity,
          reduceOnly: true,
        },
      },
    };
  }
}
