/**
 * Sliding windows for the catalogue. Every window is keyed: a time window uses the sample's
 * timestamp as its key, a count window the sample's index, and both evict "every key <= cutoff"
 * (cutoff = now - windowMs, or index - n). Storage is ring buffers of typed arrays that double
 * when full, so a push or an eviction allocates nothing in steady state.
 *
 * Running sums drift when values are subtracted, so they are rebuilt from the buffer after as
 * many evictions as the buffer holds. The rebuild is decided per eviction, never per call:
 * the state then depends only on the sequence of pushes and evictions, which is the same
 * whether the clock ticked between events (live) or not (batch). That is why batch and live
 * agree exactly rather than to a tolerance.
 */

function grownCopy(from: Float64Array, head: number, size: number, capacity: number): Float64Array {
  const to = new Float64Array(capacity);
  const length = from.length;
  for (let i = 0; i < size; i++) to[i] = from[(head + i) % length] ?? 0;
  return to;
}

/** Running sums of a fixed number of columns over a keyed sliding window. */
export class WindowSums {
  private keys: Float64Array;
  private columns: Float64Array[];
  private readonly sums: Float64Array;
  private head = 0;
  private size = 0;
  private evicted = 0;

  constructor(
    readonly width: number,
    initialCapacity = 64,
  ) {
    const capacity = Math.max(1, initialCapacity);
    this.keys = new Float64Array(capacity);
    this.columns = Array.from({ length: width }, () => new Float64Array(capacity));
    this.sums = new Float64Array(width);
  }

  get count(): number {
    return this.size;
  }

  sum(column: number): number {
    return this.sums[column] ?? Number.NaN;
  }

  /** Adds a sample; `values` holds one value per column. */
  push(key: number, values: ArrayLike<number>): void {
    if (this.size === this.keys.length) this.grow();
    const at = (this.head + this.size) % this.keys.length;
    this.keys[at] = key;
    for (let c = 0; c < this.width; c++) {
      const v = values[c] ?? 0;
      (this.columns[c] as Float64Array)[at] = v;
      this.sums[c] = (this.sums[c] ?? 0) + v;
    }
    this.size++;
  }

  /** Drops every sample whose key is <= cutoff. */
  evictThrough(cutoff: number): void {
    const capacity = this.keys.length;
    while (this.size > 0 && (this.keys[this.head] ?? 0) <= cutoff) {
      for (let c = 0; c < this.width; c++) {
        this.sums[c] = (this.sums[c] ?? 0) - ((this.columns[c] as Float64Array)[this.head] ?? 0);
      }
      this.head = (this.head + 1) % capacity;
      this.size--;
      if (this.size === 0) {
        this.sums.fill(0);
        this.evicted = 0;
      } else if (++this.evicted >= capacity) {
        this.rebuild();
      }
    }
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.evicted = 0;
    this.sums.fill(0);
  }

  private rebuild(): void {
    const capacity = this.keys.length;
    for (let c = 0; c < this.width; c++) {
      const column = this.columns[c] as Float64Array;
      let total = 0;
      for (let i = 0; i < this.size; i++) total += column[(this.head + i) % capacity] ?? 0;
      this.sums[c] = total;
    }
    this.evicted = 0;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    this.keys = grownCopy(this.keys, this.head, this.size, capacity);
    this.columns = this.columns.map((column) => grownCopy(column, this.head, this.size, capacity));
    this.head = 0;
  }
}

/**
 * Mean and sample variance over a keyed sliding window (sliding Welford updates), with NaN
 * samples counted rather than mixed in: the statistic is missing while the window holds one.
 */
export class WindowMoments {
  private keys: Float64Array;
  private values: Float64Array;
  private head = 0;
  private size = 0;
  private valid = 0;
  private nans = 0;
  private meanValue = 0;
  private m2 = 0;
  private evicted = 0;

  constructor(initialCapacity = 64) {
    const capacity = Math.max(1, initialCapacity);
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Samples in the window, NaN ones included. */
  get count(): number {
    return this.size;
  }

  /** NaN samples in the window. */
  get missing(): number {
    return this.nans;
  }

  /** Mean of the window; NaN when it is empty or holds a NaN sample. */
  mean(): number {
    return this.nans > 0 || this.valid === 0 ? Number.NaN : this.meanValue;
  }

  /** Sample variance (n - 1); NaN below two samples or with a NaN sample. */
  variance(): number {
    if (this.nans > 0 || this.valid < 2) return Number.NaN;
    return Math.max(0, this.m2) / (this.valid - 1);
  }

  std(): number {
    return Math.sqrt(this.variance());
  }

  push(key: number, x: number): void {
    if (this.size === this.keys.length) this.grow();
    const at = (this.head + this.size) % this.keys.length;
    this.keys[at] = key;
    this.values[at] = x;
    this.size++;
    if (Number.isNaN(x)) {
      this.nans++;
      return;
    }
    this.valid++;
    const delta = x - this.meanValue;
    this.meanValue += delta / this.valid;
    this.m2 += delta * (x - this.meanValue);
  }

  evictThrough(cutoff: number): void {
    const capacity = this.keys.length;
    while (this.size > 0 && (this.keys[this.head] ?? 0) <= cutoff) {
      const x = this.values[this.head] ?? 0;
      this.head = (this.head + 1) % capacity;
      this.size--;
      if (Number.isNaN(x)) {
        this.nans--;
      } else if (--this.valid === 0) {
        this.meanValue = 0;
        this.m2 = 0;
      } else {
        const delta = x - this.meanValue;
        this.meanValue -= delta / this.valid;
        this.m2 -= delta * (x - this.meanValue);
      }
      if (this.size === 0) this.evicted = 0;
      else if (++this.evicted >= capacity) this.rebuild();
    }
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.valid = 0;
    this.nans = 0;
    this.meanValue = 0;
    this.m2 = 0;
    this.evicted = 0;
  }

  /** Two-pass recomputation: exact up to rounding, wipes the drift of the sliding updates. */
  private rebuild(): void {
    const capacity = this.keys.length;
    let n = 0;
    let total = 0;
    for (let i = 0; i < this.size; i++) {
      const x = this.values[(this.head + i) % capacity] ?? 0;
      if (!Number.isNaN(x)) {
        n++;
        total += x;
      }
    }
    const mean = n > 0 ? total / n : 0;
    let m2 = 0;
    for (let i = 0; i < this.size; i++) {
      const x = this.values[(this.head + i) % capacity] ?? 0;
      if (!Number.isNaN(x)) m2 += (x - mean) * (x - mean);
    }
    this.meanValue = mean;
    this.m2 = m2;
    this.evicted = 0;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    this.keys = grownCopy(this.keys, this.head, this.size, capacity);
    this.values = grownCopy(this.values, this.head, this.size, capacity);
    this.head = 0;
  }
}

/**
 * Maximum (or minimum) over a keyed sliding window with a monotonic deque: each sample is
 * pushed and popped at most once, so O(1) amortised. NaN samples are skipped (callers that
 * must report a NaN window track that themselves).
 */
export class WindowExtremum {
  private keys: Float64Array;
  private values: Float64Array;
  private head = 0;
  private size = 0;
  private readonly sign: 1 | -1;

  constructor(kind: 'max' | 'min', initialCapacity = 64) {
    this.sign = kind === 'max' ? 1 : -1;
    const capacity = Math.max(1, initialCapacity);
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** The extremum of the window, NaN when it holds no (non-NaN) sample. */
  value(): number {
    return this.size === 0 ? Number.NaN : (this.values[this.head] ?? Number.NaN) * this.sign;
  }

  push(key: number, x: number): void {
    if (Number.isNaN(x)) return;
    const v = x * this.sign;
    const capacity = this.keys.length;
    // Anything not better than the newcomer can never be the extremum again.
    while (this.size > 0 && (this.values[(this.head + this.size - 1) % capacity] ?? 0) <= v) this.size--;
    if (this.size === this.keys.length) this.grow();
    const at = (this.head + this.size) % this.keys.length;
    this.keys[at] = key;
    this.values[at] = v;
    this.size++;
  }

  evictThrough(cutoff: number): void {
    const capacity = this.keys.length;
    while (this.size > 0 && (this.keys[this.head] ?? 0) <= cutoff) {
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    this.keys = grownCopy(this.keys, this.head, this.size, capacity);
    this.values = grownCopy(this.values, this.head, this.size, capacity);
    this.head = 0;
  }
}

/** The last n values pushed, oldest first by index; for bar features that recompute over n. */
export class LastN {
  private readonly values: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
  }

  get count(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  push(x: number): void {
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The i-th oldest value held (0 = oldest). */
  at(i: number): number {
    if (i < 0 || i >= this.size) return Number.NaN;
    const start = this.size < this.capacity ? 0 : this.next;
    return this.values[(start + i) % this.capacity] ?? Number.NaN;
  }

  /** The i-th newest value held (0 = newest). */
  back(i: number): number {
    return this.at(this.size - 1 - i);
  }

  /** Copies the values oldest first into `out` (length >= count). */
  copyTo(out: Float64Array): void {
    for (let i = 0; i < this.size; i++) out[i] = this.at(i);
  }

  clear(): void {
    this.next = 0;
    this.size = 0;
  }
}
