/** The last `size` prediction latencies, for p50 / p99 over a rolling window. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly size: number) {
    this.values = new Float64Array(size);
  }

  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.size, this.count + 1);
  }

  /**
   * Linearly interpolated quantile (type 7, as the benchmarks' percentiles) of the window;
   * null before the first latency.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const sorted = this.values.slice(0, this.count).sort();
    const position = (this.count - 1) * q;
    const below = Math.floor(position);
    const above = Math.min(this.count - 1, below + 1);
    const low = sorted[below] ?? 0;
    return low + ((sorted[above] ?? low) - low) * (position - below);
  }
}
