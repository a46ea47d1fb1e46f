/**
 * The little linear algebra risk and allocation need: means and covariances of recorded
 * returns, a Cholesky factor for correlated draws, and a dense solver for small systems.
 * Matrices are arrays of rows (books hold a handful of instruments; clarity beats speed here).
 */

export type Matrix = readonly (readonly number[])[];

/** Returns as rows = periods, columns = instruments; every row the same width, every value finite. */
export function checkReturns(returns: Matrix, width?: number): number {
  const first = returns[0];
  if (first === undefined) throw new RangeError('no returns');
  const n = width ?? first.length;
  returns.forEach((row, t) => {
    if (row.length !== n) throw new RangeError(`returns row ${t} has ${row.length} columns, expected ${n}`);
    for (const r of row) if (!Number.isFinite(r)) throw new RangeError(`returns row ${t} holds ${r}`);
  });
  return n;
}

export function columnMeans(returns: Matrix): number[] {
  const n = checkReturns(returns);
  const means = new Array<number>(n).fill(0);
  for (const row of returns) for (let i = 0; i < n; i++) means[i] = (means[i] ?? 0) + (row[i] ?? 0);
  return means.map((s) => s / returns.length);
}

/** Sample covariance (divides by T - 1). */
export function covariance(returns: Matrix): number[][] {
  const n = checkReturns(returns);
  if (returns.length < 2) throw new RangeError('a covariance needs at least 2 periods');
  const means = columnMeans(returns);
  const cov = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const row of returns) {
    for (let i = 0; i < n; i++) {
      const di = (row[i] ?? 0) - (means[i] ?? 0);
      const ci = cov[i] as number[];
      for (let j = i; j < n; j++) ci[j] = (ci[j] ?? 0) + di * ((row[j] ?? 0) - (means[j] ?? 0));
    }
  }
  const scale = 1 / (returns.length - 1);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const v = (cov[i]?.[j] ?? 0) * scale;
      (cov[i] as number[])[j] = v;
      (cov[j] as number[])[i] = v;
    }
  return cov;
}

export function at(m: Matrix, i: number, j: number): number {
  return m[i]?.[j] ?? 0;
}

/** m x v. */
export function multiply(m: Matrix, v: readonly number[]): number[] {
  return m.map((row) => row.reduce((sum, x, j) => sum + x * (v[j] ?? 0), 0));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** v' m v. */
export function quadratic(m: Matrix, v: readonly number[]): number {
  return dot(v, multiply(m, v));
}

/**
 * Lower-triangular L with L L' = m. A covariance of perfectly correlated or constant series is
 * only semi-definite: a zero pivot (within 1e-12 of the diagonal) gives a zero column instead
 * of failing, which still reproduces m.
 */
export function cholesky(m: Matrix): number[][] {
  const n = m.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = at(m, i, j);
      for (let k = 0; k < j; k++) sum -= at(l, i, k) * at(l, j, k);
      const li = l[i] as number[];
      if (i === j) {
        const tolerance = 1e-12 * Math.max(1, Math.abs(at(m, i, i)));
        if (sum < -tolerance) throw new RangeError('matrix is not positive semi-definite');
        li[j] = sum > tolerance ? Math.sqrt(sum) : 0;
      } else {
        const d = at(l, j, j);
        li[j] = d > 0 ? sum / d : 0;
      }
    }
  }
  return l;
}

/** Solves a x = b by Gaussian elimination with partial pivoting; null when a is singular. */
export function solve(a: Matrix, b: readonly number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  let scale = 0;
  for (const row of a) for (const x of row) scale = Math.max(scale, Math.abs(x));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(at(m, r, col)) > Math.abs(at(m, pivot, col))) pivot = r;
    if (Math.abs(at(m, pivot, col)) <= 1e-12 * Math.max(scale, 1e-300)) return null;
    const top = m[col] as number[];
    m[col] = m[pivot] as number[];
    m[pivot] = top;
    const p = m[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[col] ?? 0) / (p[col] ?? 1);
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - f * (p[c] ?? 0);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r] as number[];
    let s = row[n] ?? 0;
    for (let c = r + 1; c < n; c++) s -= (row[c] ?? 0) * (x[c] ?? 0);
    x[r] = s / (row[r] ?? 1);
  }
  return x;
}
