/**
 * The recent live rows of one feature set, numbered from the first row seen: their time and
 * values. Labels mature over the rows' times (a row's label needs the `horizon` rows after it,
 * a triple barrier also the `volWindow` before it) and input drift reads the values of the
 * newest rows. Older rows fall off the ring.
 */
export class SetRowLog {
  /** Absolute index of the next row. */
  next = 0;
  /** `next` when the last monitoring tick ran: rows before it have had time to be priced. */
  settled = 0;
  private ts: Float64Array;
  private values: Float64Array;

  constructor(
    readonly width: number,
    private capacity: number,
  ) {
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity * width);
  }

  private oldest = 0;

  /** Keeps at least `rows` rows from now on (a model with a longer horizon came). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const first = this.first;
    const ts = new Float64Array(rows);
    const values = new Float64Array(rows * this.width);
    for (let i = first; i < this.next; i++) {
      const from = i % this.capacity;
      const to = i % rows;
      ts[to] = this.ts[from] ?? Number.NaN;
      values.set(this.values.subarray(from * this.width, (from + 1) * this.width), to * this.width);
    }
    this.ts = ts;
    this.values = values;
    this.capacity = rows;
  }

  push(ts: number, values: Float64Array, offset: number): void {
    const at = this.next % this.capacity;
    this.ts[at] = ts;
    this.values.set(values.subarray(offset, offset + this.width), at * this.width);
    this.next++;
    this.oldest = Math.max(this.oldest, this.next - this.capacity);
  }

  /** Absolute index of the oldest row still held (growing the ring does not bring back lost ones). */
  get first(): number {
    return this.oldest;
  }

  has(index: number): boolean {
    return index >= this.first && index < this.next;
  }

  /** Times of rows [from, to), NaN where a row is no longer (or not yet) held. */
  timesBetween(from: number, to: number): Float64Array {
    const out = new Float64Array(Math.max(0, to - from));
    for (let i = from; i < to; i++)
      out[i - from] = this.has(i) ? (this.ts[i % this.capacity] ?? Number.NaN) : Number.NaN;
    return out;
  }

  /** Column `column` of the newest `rows` rows held, oldest first. */
  column(column: number, rows: number): Float64Array {
    const from = Math.max(this.first, this.next - rows);
    const out = new Float64Array(this.next - from);
    for (let i = from; i < this.next; i++) {
      out[i - from] = this.values[(i % this.capacity) * this.width + column] ?? Number.NaN;
    }
    return out;
  }
}
