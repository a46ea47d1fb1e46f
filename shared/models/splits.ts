/**
 * Validation splits for labelled time series (López de Prado, AFML ch. 7). Labels span time:
 * row i is known at ts[i] and resolved at labelEnd[i]. A training row whose [ts, labelEnd]
 * overlaps the span of a test fold would carry test-period information into training, so it
 * is PURGED; rows just after a test fold are EMBARGOED because features built from windows
 * (rolling volatility, EMAs) still remember the test period. Nothing is ever shuffled: folds
 * are contiguous blocks in time order and index arrays are ascending.
 */

export interface LabelledTimes {
  readonly ts: Float64Array;
  readonly labelEnd: Float64Array;
}

/** Rows (or ms) after each test fold that training may not use. */
export type Embargo = { readonly rows: number } | { readonly ms: number };

export interface PurgedFold {
  /** Ascending row indices. */
  readonly train: Int32Array;
  readonly test: Int32Array;
}

export interface PurgedKFoldOptions {
  readonly folds: number;
  readonly embargo?: Embargo;
}

export interface PurgedWalkForwardOptions {
  /** Rows in the training window before each test block (before purging). */
  readonly train: number;
  readonly test: number;
  /** Shift between folds; default `test`. */
  readonly step?: number;
  /** Anchored: training starts at row 0 and grows. Default false (rolling). */
  readonly anchored?: boolean;
  readonly embargo?: Embargo;
}

function checkTimes(data: LabelledTimes): number {
  const rows = data.ts.length;
  if (data.labelEnd.length !== rows)
    throw new RangeError(`${data.labelEnd.length} label ends for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const ts = data.ts[i] ?? Number.NaN;
    const end = data.labelEnd[i] ?? Number.NaN;
    if (!(end >= ts)) throw new RangeError(`row ${i}: label end ${end} before its time ${ts}`);
    if (i > 0 && !(ts >= (data.ts[i - 1] ?? Number.NaN)))
      throw new RangeError(`row ${i}: time goes backwards`);
  }
  return rows;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/**
 * Training rows from `candidates` (ascending) left after purging against the test block
 * [testStart, testEnd) and the embargo after it.
 */
function purgedTrain(
  data: LabelledTimes,
  candidates: Iterable<number>,
  testStart: number,
  testEnd: number,
  embargo: Embargo | undefined,
): Int32Array {
  const spanStart = data.ts[testStart] ?? Number.NaN;
  let spanEnd = Number.NEGATIVE_INFINITY;
  for (let i = testStart; i < testEnd; i++) spanEnd = Math.max(spanEnd, data.labelEnd[i] ?? Number.NaN);
  const lastTestTs = data.ts[testEnd - 1] ?? Number.NaN;
  const kept: number[] = [];
  for (const row of candidates) {
    const ts = data.ts[row] ?? Number.NaN;
    const end = data.labelEnd[row] ?? Number.NaN;
    if (ts <= spanEnd && spanStart <= end) continue;
    if (row >= testEnd && embargo !== undefined) {
      if ('rows' in embargo ? row - testEnd < embargo.rows : ts - lastTestTs <= embargo.ms) continue;
    }
    kept.push(row);
  }
  return Int32Array.from(kept);
}

function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/** K contiguous test blocks; each trains on every other row after purge and embargo. */
export function purgedKFold(data: LabelledTimes, options: PurgedKFoldOptions): PurgedFold[] {
  const rows = checkTimes(data);
  checkCount('folds', options.folds, 2);
  if (options.folds > rows) throw new RangeError(`${options.folds} folds over ${rows} rows`);
  const folds: PurgedFold[] = [];
  for (let k = 0; k < options.folds; k++) {
    const testStart = Math.floor((k * rows) / options.folds);
    const testEnd = Math.floor(((k + 1) * rows) / options.folds);
    const others = function* (): Generator<number> {
      for (let i = 0; i < testStart; i++) yield i;
      for (let i = testEnd; i < rows; i++) yield i;
    };
    folds.push({
      train: purgedTrain(data, others(), testStart, testEnd, options.embargo),
      test: range(testStart, testEnd),
    });
  }
  return folds;
}

/** Test blocks marching forward in time, each trained only on rows before it (purged). */
export function purgedWalkForward(data: LabelledTimes, options: PurgedWalkForwardOptions): PurgedFold[] {
  const rows = checkTimes(data);
  const step = options.step ?? options.test;
  checkCount('train', options.train, 1);
  checkCount('test', options.test, 1);
  checkCount('step', step, 1);
  const folds: PurgedFold[] = [];
  for (let testStart = options.train; testStart + options.test <= rows; testStart += step) {
    const trainStart = options.anchored === true ? 0 : testStart - options.train;
    const testEnd = testStart + options.test;
    folds.push({
      train: purgedTrain(data, range(trainStart, testStart), testStart, testEnd, options.embargo),
      test: range(testStart, testEnd),
    });
  }
  return folds;
}
