/**
 * Volume-weighted average price of the trades in a sliding time window, e.g. the last minute.
 * Trades sit in a ring buffer in arrival order with running sums, so adding a trade and
 * evicting old ones is O(1) amortised. The window is (latest - windowMs, latest], where
 * `latest` is the newest timestamp seen by `add` or `advanceTo`: a trade exactly windowMs old
 * is out.
 */
export class RollingVwap {
  private times: Float64Array;
  private notionals: Float64Array;
  private amounts: Float64Array;
  /** Index of the oldest trade in the ring. */
  private head = 0;
  private size = 0;
  private notionalSum = 0;
  private amountSum = 0;
  private latest = Number.NEGATIVE_INFINITY;
  /** Running sums drift when values are subtracted; they are rebuilt after this many evictions. */
  private evictedSinceRebuild = 0;

  constructor(
    readonly windowMs = 60_000,
    initialCapacity = 1024,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
    const capacity = Math.max(1, Math.floor(initialCapacity));
    this.times = new Float64Array(capacity);
    this.notionals = new Float64Array(capacity);
    this.amounts = new Float64Array(capacity);
  }

  /** Adds a trade (trades arrive in time order) and moves the window to its timestamp. */
  add(ts: number, price: number, amount: number): void {
    this.advanceTo(ts);
    if (this.size === this.times.length) this.grow();
    const at = (this.head + this.size) % this.times.length;
    const notional = price * amount;
    this.times[at] = ts;
    this.notionals[at] = notional;
    this.amounts[at] = amount;
    this.size++;
    this.notionalSum += notional;
    this.amountSum += amount;
  }

  /** Moves the window's end to `ts` (any event's time) and drops trades that fell out of it. */
  advanceTo(ts: number): void {
    if (ts > this.latest) this.latest = ts;
    const oldestKept = this.latest - this.windowMs;
    const capacity = this.times.length;
    while (this.size > 0 && (this.times[this.head] ?? 0) <= oldestKept) {
      this.notionalSum -= this.notionals[this.head] ?? 0;
      this.amountSum -= this.amounts[this.head] ?? 0;
      this.head = (this.head + 1) % capacity;
      this.size--;
      this.evictedSinceRebuild++;
    }
    if (this.size === 0) {
      this.notionalSum = 0;
      this.amountSum = 0;
      this.evictedSinceRebuild = 0;
    } else if (this.evictedSinceRebuild >= capacity) {
      this.rebuildSums();
    }
  }

  /** The VWAP of the trades in the window, or null when there are none. */
  value(): number | null {
    if (this.size === 0 || !(this.amountSum > 0)) return null;
    return this.notionalSum / this.amountSum;
  }

  /** Number of trades in the window. */
  count(): number {
    return this.size;
  }

  /** Base-currency volume in the window. */
  volume(): number {
    return this.size === 0 ? 0 : this.amountSum;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.notionalSum = 0;
    this.amountSum = 0;
    this.latest = Number.NEGATIVE_INFINITY;
    this.evictedSinceRebuild = 0;
  }

  private rebuildSums(): void {
    const capacity = this.times.length;
    let notional = 0;
    let amount = 0;
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) % capacity;
      notional += this.notionals[at] ?? 0;
      amount += this.amounts[at] ?? 0;
    }
    this.notionalSum = notional;
    this.amountSum = amount;
    this.evictedSinceRebuild = 0;
  }

  private grow(): void {
    const capacity = this.times.length;
    const times = new Float64Array(capacity * 2);
    const notionals = new Float64Array(capacity * 2);
    const amounts = new Float64Array(capacity * 2);
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) % capacity;
      times[i] = this.times[at] ?? 0;
      notionals[i] = this.notionals[at] ?? 0;
      amounts[i] = this.amounts[at] ?? 0;
    }
    this.times = times;
    this.notionals = notionals;
    this.amounts = amounts;
    this.head = 0;
  }
}
