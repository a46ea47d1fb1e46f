/** Direction a signal recommends. */
export type SignalDirection = 'long' | 'short' | 'flat';

/** A trading signal emitted by the feature worker. */
export interface Signal {
  readonly instrument: string;
  readonly ts: number;
  /** Which rule or model produced it, e.g. `imbalance`. */
  readonly source: string;
  readonly direction: SignalDirection;
  /** Signed strength in [-1, 1]; the sign agrees with `direction`. */
  readonly strength: number;
  /** Mid price when the signal fired, used to place the marker on a chart. */
  readonly price: number;
}

/** The first feature set: live values per instrument, `null` where undefined (e.g. empty book side). */
export interface BookFeatures {
  readonly instrument: string;
  readonly ts: number;
  readonly imbalance: number | null;
  readonly spread: number | null;
  readonly spreadBps: number | null;
  readonly mid: number | null;
  readonly microprice: number | null;
  readonly vwap1m: number | null;
}
