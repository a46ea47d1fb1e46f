/**
 * Position, cash and PnL in the quote currency, and the round trips that per-trade
 * attribution reports. One instance per run (or per paper account).
 *
 * Conventions: `realizedPnl` is GROSS of fees (price moves only); fees are kept apart in
 * `feesPaid` and are already taken out of `cash`, so equity = cash + position * mark is net.
 * The average entry price is the size-weighted price of the open position; reducing a
 * position realises (exit - average entry) * size and leaves the average unchanged; a fill
 * through zero closes the old position and opens the new one at the fill price.
 */

/** One round trip: from flat (or a flip) back to flat (or the next flip). */
export interface RoundTrip {
  readonly direction: 'long' | 'short';
  readonly entryTs: number;
  readonly exitTs: number;
  readonly holdingMs: number;
  /** Total base quantity opened during the trip (adds included). */
  readonly quantity: number;
  /**
   * Size-weighted entry and exit prices; a side filled at one price (the usual case) reports
   * that price exactly, never one recomputed from notional / quantity (46367.00000000001).
   */
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** Gross PnL (quote), fees excluded. */
  readonly pnl: number;
  readonly fees: number;
  /** pnl - fees. */
  readonly netPnl: number;
  /**
   * Cost against the mid at each decision (quote, positive = paid): for every fill,
   * (fill price - decision mid) * quantity for a buy, the opposite for a sell.
   */
  readonly slippage: number;
}

/** Below this fraction of a fill's size, a position is flat: float sums must return to zero. */
const FLAT_EPSILON = 1e-9;

export class Account {
  position = 0;
  cash: number;
  avgEntryPrice = 0;
  realizedPnl = 0;
  feesPaid = 0;
  /** Sum of |price * quantity| over all fills (for turnover). */
  tradedNotional = 0;
  fillCount = 0;
  /** Perpetual funding paid (quote, negative = received); already out of `cash`. */
  fundingPaid = 0;
  readonly trips: RoundTrip[] = [];

  private tripDirection: 1 | -1 = 1;
  private tripEntryTs = 0;
  private tripEntryQuantity = 0;
  private tripEntryNotional = 0;
  private tripExitQuantity = 0;
  private tripExitNotional = 0;
  /** The one price every entry (exit) fill of the trip had so far; NaN once they differ. */
  private tripEntryPrice = Number.NaN;
  private tripExitPrice = Number.NaN;
  private tripPnl = 0;
  private tripFees = 0;
  private tripSlippage = 0;

  constructor(readonly initialCash: number) {
    this.cash = initialCash;
  }

  /**
   * Starts holding a position bought before this account's history (no fill, no fee, no
   * cash moved): its round trip is reported from time 0 when it closes.
   */
  hold(quantity: number, avgEntryPrice: number): void {
    if (this.fillCount > 0 || this.position !== 0) throw new Error('hold() is for a fresh account');
    const sign = quantity > 0 ? 1 : -1;
    this.openTrip(sign, 0);
    this.position = quantity;
    this.avgEntryPrice = avgEntryPrice;
    this.tripEntryQuantity = Math.abs(quantity);
    this.tripEntryNotional = Math.abs(quantity) * avgEntryPrice;
    this.tripEntryPrice = avgEntryPrice;
  }

  /** Pays funding (negative: receives it). */
  payFunding(amount: number): void {
    this.cash -= amount;
    this.fundingPaid += amount;
  }

  /** Books one fill. `sign` is +1 for a buy, -1 for a sell; `slippage` as in RoundTrip. */
  applyFill(sign: 1 | -1, price: number, quantity: number, fee: number, slippage: number, ts: number): void {
    this.cash -= sign * quantity * price + fee;
    this.feesPaid += fee;
    this.tradedNotional += quantity * price;
    this.fillCount++;
    let rest = quantity;
    if (this.position !== 0 && Math.sign(this.position) !== sign) {
      const held = Math.abs(this.position);
      const closing = Math.min(quantity, held);
      const share = closing / quantity;
      const pnl = closing * (price - this.avgEntryPrice) * Math.sign(this.position);
      this.realizedPnl += pnl;
      this.tripExitPrice = this.tripExitQuantity === 0 || this.tripExitPrice === price ? price : Number.NaN;
      this.tripExitQuantity += closing;
      this.tripExitNotional += closing * price;
      this.tripPnl += pnl;
      this.tripFees += fee * share;
      this.tripSlippage += slippage * share;
      this.position += sign * closing;
      rest -= closing;
      if (Math.abs(this.position) <= FLAT_EPSILON * quantity) {
        this.position = 0;
        this.avgEntryPrice = 0;
        this.closeTrip(ts);
      }
    }
    if (rest <= FLAT_EPSILON * quantity) return;
    if (this.position === 0) this.openTrip(sign, ts);
    const held = Math.abs(this.position);
    this.avgEntryPrice = (this.avgEntryPrice * held + price * rest) / (held + rest);
    this.position += sign * rest;
    const share = rest / quantity;
    this.tripEntryPrice = this.tripEntryQuantity === 0 || this.tripEntryPrice === price ? price : Number.NaN;
    this.tripEntryQuantity += rest;
    this.tripEntryNotional += rest * price;
    this.tripFees += fee * share;
    this.tripSlippage += slippage * share;
  }

  unrealizedPnl(mark: number): number {
    return this.position === 0 ? 0 : this.position * (mark - this.avgEntryPrice);
  }

  equity(mark: number): number {
    return this.position === 0 ? this.cash : this.cash + this.position * mark;
  }

  private openTrip(sign: 1 | -1, ts: number): void {
    this.tripDirection = sign;
    this.tripEntryTs = ts;
    this.tripEntryQuantity = 0;
    this.tripEntryNotional = 0;
    this.tripExitQuantity = 0;
    this.tripExitNotional = 0;
    this.tripEntryPrice = Number.NaN;
    this.tripExitPrice = Number.NaN;
    this.tripPnl = 0;
    this.tripFees = 0;
    this.tripSlippage = 0;
  }

  private closeTrip(ts: number): void {
    this.trips.push({
      direction: this.tripDirection === 1 ? 'long' : 'short',
      entryTs: this.tripEntryTs,
      exitTs: ts,
      holdingMs: ts - this.tripEntryTs,
      quantity: this.tripEntryQuantity,
      entryPrice: Number.isNaN(this.tripEntryPrice)
        ? this.tripEntryNotional / this.tripEntryQuantity
        : this.tripEntryPrice,
      exitPrice: Number.isNaN(this.tripExitPrice)
        ? this.tripExitNotional / this.tripExitQuantity
        : this.tripExitPrice,
      pnl: this.tripPnl,
      fees: this.tripFees,
      netPnl: this.tripPnl - this.tripFees,
      slippage: this.tripSlippage,
    });
  }
}
