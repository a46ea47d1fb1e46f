import type { FoldReport, Scores } from '../../shared/api/domains/models.js';

const SCORE_KEYS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'logLoss',
  'rocAuc',
  'mse',
  'correlation',
  'backtestSharpe',
  'backtestReturn',
] as const satisfies readonly (keyof Scores)[];

/** Mean of each score over the folds that have it; null where none has. */
export function meanScores(folds: readonly FoldReport[]): Scores {
  const out = {} as Record<(typeof SCORE_KEYS)[number], number | null>;
  for (const key of SCORE_KEYS) {
    const values = folds.map((f) => f.scores[key]).filter((v): v is number => v !== null);
    out[key] = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  }
  return out;
}

/** The objective a search minimises: mean test log loss (classification) or MSE (regression). */
export function objectiveOf(scores: Scores): number | null {
  return scores.logLoss ?? scores.mse;
}
