/**
 * A feature matrix: one row per sampled instant of a feature set, in time order. Values are
 * row-major `[rows, columns]` in one Float64Array so a matrix crosses to and from workers as
 * transferred buffers and is cached as a blob without conversion. NaN is the defined missing
 * value (see feature.ts), never 0.
 */
export interface FeatureMatrix {
  readonly columns: readonly string[];
  /** Event time of each row, ms UTC, non-decreasing. */
  readonly ts: Float64Array;
  /** Row-major values, `ts.length * columns.length` numbers. */
  readonly values: Float64Array;
}

/** A matrix that owns whole ArrayBuffers, so they can be transferred to another thread. */
export interface OwnedFeatureMatrix extends FeatureMatrix {
  readonly ts: Float64Array<ArrayBuffer>;
  readonly values: Float64Array<ArrayBuffer>;
}

export function rowCount(matrix: FeatureMatrix): number {
  return matrix.ts.length;
}

/** An empty matrix with these columns. */
export function emptyMatrix(columns: readonly string[]): FeatureMatrix {
  return { columns, ts: new Float64Array(0), values: new Float64Array(0) };
}

/** Joins matrices of the same columns end to end (the chunks of a pool build, in order). */
export function concatMatrices(
  columns: readonly string[],
  parts: readonly FeatureMatrix[],
): OwnedFeatureMatrix {
  let rows = 0;
  for (const part of parts) {
    if (part.columns.length !== columns.length) {
      throw new Error(`matrix chunk has ${part.columns.length} columns, expected ${columns.length}`);
    }
    rows += part.ts.length;
  }
  const ts = new Float64Array(rows);
  const values = new Float64Array(rows * columns.length);
  let at = 0;
  for (const part of parts) {
    ts.set(part.ts, at);
    values.set(part.values, at * columns.length);
    at += part.ts.length;
  }
  return { columns, ts, values };
}

/** One column as its own array (copies; for plots, drift and statistics). */
export function columnOf(matrix: FeatureMatrix, column: number): Float64Array {
  const width = matrix.columns.length;
  if (!(column >= 0 && column < width))
    throw new RangeError(`no column ${column} in a ${width}-column matrix`);
  const out = new Float64Array(matrix.ts.length);
  for (let row = 0; row < out.length; row++) out[row] = matrix.values[row * width + column] ?? Number.NaN;
  return out;
}

/** The rows whose time lies in [fromTs, toTs), as views on the same buffers (no copy). */
export function sliceByTime(matrix: FeatureMatrix, fromTs: number, toTs: number): FeatureMatrix {
  const first = lowerBound(matrix.ts, fromTs);
  const end = lowerBound(matrix.ts, toTs);
  const width = matrix.columns.length;
  return {
    columns: matrix.columns,
    ts: matrix.ts.subarray(first, Math.max(first, end)),
    values: matrix.values.subarray(first * width, Math.max(first, end) * width),
  };
}

/** First index whose value is >= x in a non-decreasing array. */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] ?? Number.POSITIVE_INFINITY) < x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Collects sampled rows as an engine emits them, growing its buffers geometrically so a long
 * replay allocates O(log rows) times, not once per row.
 */
export class MatrixBuilder {
  private ts: Float64Array<ArrayBuffer>;
  private values: Float64Array<ArrayBuffer>;
  private rows = 0;

  constructor(
    readonly columns: readonly string[],
    initialRows = 1024,
  ) {
    const capacity = Math.max(1, Math.floor(initialRows));
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity * columns.length);
  }

  get length(): number {
    return this.rows;
  }

  /** Appends one row; `row` holds at least `columns.length` values from `offset`. */
  push(ts: number, row: ArrayLike<number>, offset = 0): void {
    if (this.rows === this.ts.length) this.grow();
    const width = this.columns.length;
    this.ts[this.rows] = ts;
    const base = this.rows * width;
    for (let i = 0; i < width; i++) this.values[base + i] = row[offset + i] ?? Number.NaN;
    this.rows++;
  }

  /** The rows so far, trimmed to size (a copy: the builder may keep growing). */
  build(): OwnedFeatureMatrix {
    return {
      columns: this.columns,
      ts: this.ts.slice(0, this.rows),
      values: this.values.slice(0, this.rows * this.columns.length),
    };
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    ts.set(this.ts);
    const values = new Float64Array(ts.length * this.columns.length);
    values.set(this.values);
    this.ts = ts;
    this.values = values;
  }
}
