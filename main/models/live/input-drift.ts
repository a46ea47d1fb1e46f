import {
  binShares,
  DEFAULT_DRIFT_THRESHOLDS,
  DEFAULT_PSI_BINS,
  DEFAULT_PSI_EPSILON,
  finiteSorted,
  psiEdges,
} from '../../../shared/features/pipeline/drift.js';
import type { FeatureMatrix } from '../../../shared/features/pipeline/matrix.js';

/** Reference rows kept per column: quantile edges of 20k rows are as good as of all of them. */
const REFERENCE_ROWS = 20_000;

interface ColumnReference {
  readonly column: string;
  readonly edges: readonly number[];
  readonly expected: readonly number[];
  readonly count: number;
}

/** The worst-drifting input of a model now. */
export interface InputDriftReading {
  readonly column: string;
  readonly psi: number;
}

/**
 * Drift of a model's inputs: PSI (shared/features/pipeline/drift.ts, same bins and epsilon)
 * of each input's live values against the rows the model was trained on, the training range
 * of its normalisation in a cached matrix of its feature set. The reference bins are fitted
 * once; each reading only sorts the live window. Fewer than DEFAULT_DRIFT_THRESHOLDS.minRows
 * finite values on either side make no reading: no data, no claim.
 */
export class InputDrift {
  private constructor(private readonly references: readonly ColumnReference[]) {}

  /**
   * From a matrix of the model's feature set: its rows in [from, to) and the model's columns.
   * null when the matrix holds none of them.
   */
  static fromMatrix(
    matrix: FeatureMatrix,
    columns: readonly string[],
    from: number,
    to: number,
  ): InputDrift | null {
    const rows: number[] = [];
    for (let r = 0; r < matrix.ts.length; r++) {
      const ts = matrix.ts[r] ?? Number.NaN;
      if (ts >= from && ts < to) rows.push(r);
    }
    if (rows.length === 0) return null;
    const step = Math.max(1, Math.ceil(rows.length / REFERENCE_ROWS));
    const width = matrix.columns.length;
    const references: ColumnReference[] = [];
    for (const column of columns) {
      const c = matrix.columns.indexOf(column);
      if (c < 0) return null;
      const sample: number[] = [];
      for (let i = 0; i < rows.length; i += step)
        sample.push(matrix.values[(rows[i] ?? 0) * width + c] ?? Number.NaN);
      const sorted = finiteSorted(sample);
      if (sorted.length === 0) {
        references.push({ column, edges: [], expected: [], count: 0 });
        continue;
      }
      const edges = psiEdges(sorted, DEFAULT_PSI_BINS);
      references.push({ column, edges, expected: binShares(sorted, edges), count: sorted.length });
    }
    return new InputDrift(references);
  }

  /** The input with the largest PSI, given each input's live values (in the model's column order). */
  worst(live: readonly ArrayLike<number>[]): InputDriftReading | null {
    let worst: InputDriftReading | null = null;
    this.references.forEach((reference, i) => {
      if (reference.count < DEFAULT_DRIFT_THRESHOLDS.minRows) return;
      const now = finiteSorted(live[i] ?? []);
      if (now.length < DEFAULT_DRIFT_THRESHOLDS.minRows) return;
      const actual = binShares(now, reference.edges);
      let psi = 0;
      for (let b = 0; b < reference.expected.length; b++) {
        const e = Math.max(reference.expected[b] ?? 0, DEFAULT_PSI_EPSILON);
        const a = Math.max(actual[b] ?? 0, DEFAULT_PSI_EPSILON);
        psi += (a - e) * Math.log(a / e);
      }
      if (worst === null || psi > worst.psi) worst = { column: reference.column, psi };
    });
    return worst;
  }
}
