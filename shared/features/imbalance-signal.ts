import type { BookFeatures, Signal, SignalDirection } from '../domain/signal.js';

export interface ImbalanceSignalOptions {
  /** |imbalance| above which the rule goes long (positive) or short (negative). */
  readonly entry?: number;
  /** A long goes flat once the imbalance fades below `exit`, a short once it rises above `-exit`. */
  readonly exit?: number;
  /** Quiet time after any signal before the next one may fire, so noise cannot churn orders. */
  readonly minIntervalMs?: number;
}

const DEFAULT_ENTRY = 0.35;
const DEFAULT_EXIT = 0.1;
const DEFAULT_MIN_INTERVAL_MS = 1_000;

/**
 * The first signal: lean with the order-book imbalance. Long when the imbalance rises above
 * `entry`, short below `-entry`, flat again once it has faded: a long exits when the imbalance
 * drops below `exit`, a short when it rises above `-exit`. The gap between entry and exit is
 * the hysteresis that keeps one noisy book from flipping the signal at every update. A signal
 * fires only on a change of direction, and never sooner than `minIntervalMs` after the last
 * one (a change that comes too soon is simply re-checked on later updates).
 */
export class ImbalanceSignalRule {
  private readonly entry: number;
  private readonly exit: number;
  private readonly minIntervalMs: number;
  private direction: SignalDirection = 'flat';
  private lastSignalTs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly instrument: string,
    options: ImbalanceSignalOptions = {},
  ) {
    this.entry = options.entry ?? DEFAULT_ENTRY;
    this.exit = options.exit ?? DEFAULT_EXIT;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    if (!(this.exit >= 0 && this.exit < this.entry && this.entry <= 1)) {
      throw new RangeError(`need 0 <= exit < entry <= 1, got exit ${this.exit}, entry ${this.entry}`);
    }
    if (!(this.minIntervalMs >= 0))
      throw new RangeError(`minIntervalMs must be >= 0, got ${this.minIntervalMs}`);
  }

  /** The direction of the last signal fired ('flat' before any). */
  position(): SignalDirection {
    return this.direction;
  }

  /**
   * Takes the latest features of the instrument; returns the signal they fire, if any.
   * Without an imbalance or a mid (a book side is empty) it fires nothing and keeps its view.
   */
  update(features: BookFeatures): Signal | null {
    if (features.instrument !== this.instrument) return null;
    const { imbalance, mid } = features;
    if (imbalance === null || mid === null || !Number.isFinite(imbalance)) return null;

    const wanted = this.wantedDirection(imbalance);
    if (wanted === this.direction) return null;
    if (features.ts - this.lastSignalTs < this.minIntervalMs) return null;

    this.direction = wanted;
    this.lastSignalTs = features.ts;
    return {
      instrument: this.instrument,
      ts: features.ts,
      source: 'imbalance',
      direction: wanted,
      strength: wanted === 'flat' ? 0 : Math.min(1, Math.max(-1, imbalance)),
      price: mid,
    };
  }

  reset(): void {
    this.direction = 'flat';
    this.lastSignalTs = Number.NEGATIVE_INFINITY;
  }

  private wantedDirection(imbalance: number): SignalDirection {
    if (imbalance > this.entry) return 'long';
    if (imbalance < -this.entry) return 'short';
    switch (this.direction) {
      case 'long':
        return imbalance < this.exit ? 'flat' : 'long';
      case 'short':
        return imbalance > -this.exit ? 'flat' : 'short';
      case 'flat':
        return 'flat';
      default:
        return this.direction satisfies never;
    }
  }
}
