import type { Scores } from '../../../../shared/api/domains/models.js';
import { CLASS_NAMES_2, CLASS_NAMES_3 } from '../../../../shared/models/model.js';
import type { LabelSpec } from '../../../../shared/models/model.js';

/** The scores the registry shows, in the order a trader reads them; lower is better only for log loss and MSE. */
export const SCORE_COLUMNS: readonly {
  readonly key: keyof Scores;
  readonly title: string;
  readonly lowerIsBetter: boolean;
}[] = [
  { key: 'rocAuc', title: 'AUC', lowerIsBetter: false },
  { key: 'accuracy', title: 'Accuracy', lowerIsBetter: false },
  { key: 'f1', title: 'F1', lowerIsBetter: false },
  { key: 'logLoss', title: 'Log loss', lowerIsBetter: true },
  { key: 'backtestSharpe', title: 'Sharpe', lowerIsBetter: false },
];

/** Every score of a fold report, for the per-fold table and the comparison. */
export const ALL_SCORES: readonly {
  readonly key: keyof Scores;
  readonly title: string;
  readonly lowerIsBetter: boolean;
}[] = [
  ...SCORE_COLUMNS,
  { key: 'precision', title: 'Precision', lowerIsBetter: false },
  { key: 'recall', title: 'Recall', lowerIsBetter: false },
  { key: 'mse', title: 'MSE', lowerIsBetter: true },
  { key: 'correlation', title: 'Correlation', lowerIsBetter: false },
  { key: 'backtestReturn', title: 'Backtest return', lowerIsBetter: false },
];

/** A score with four significant decimals; an undefined score (one class present) is a dash, never 0. */
export function score(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

/** `fixed-horizon 10 · ±0.0005`: a label spec in one line. */
export function labelText(label: LabelSpec): string {
  switch (label.kind) {
    case 'fixed-horizon':
      return `fixed-horizon ${label.horizon} · ±${label.threshold}`;
    case 'triple-barrier':
      return `triple-barrier ${label.horizon} · ${label.upper}/${label.lower}σ · vol ${label.volWindow}`;
    case 'forward-return':
      return `forward-return ${label.horizon}`;
    case 'annotations':
      return `annotations ${label.up}${label.down === null ? '' : ` / ${label.down}`} · ${label.horizon}`;
    default: {
      const never: never = label;
      return String(never);
    }
  }
}

/** `1m 05s`, `850 ms`: how long a training took. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/** `2026-01-05 00:00 → 2026-01-05 00:20 UTC`: a data range, dates on both ends, zone stated. */
export function rangeText(from: number, to: number): string {
  const a = new Date(from).toISOString().slice(0, 16).replace('T', ' ');
  const b = new Date(to).toISOString().slice(0, 16).replace('T', ' ');
  return `${a} → ${b} UTC`;
}

/** Names of the classes of a confusion matrix with `size` rows. */
export function classNames(size: number): readonly string[] {
  if (size === 3) return CLASS_NAMES_3;
  if (size === 2) return CLASS_NAMES_2;
  return Array.from({ length: size }, (_, i) => `class ${i}`);
}

/** The element-wise sum of the folds' confusion matrices (the whole out-of-sample picture). */
export function sumConfusion(matrices: readonly (readonly (readonly number[])[])[]): number[][] {
  const size = Math.max(0, ...matrices.map((m) => m.length));
  const total = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const matrix of matrices)
    matrix.forEach((row, a) => {
      row.forEach((n, p) => {
        const line = total[a];
        if (line !== undefined && p < size) line[p] = (line[p] ?? 0) + n;
      });
    });
  return total;
}
