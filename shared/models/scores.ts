/**
 * Classification scores, defined as scikit-learn defines them so figures can be checked against
 * it: precision / recall of a class nobody predicted (or that never occurs) is 0, macro = the
 * unweighted mean over classes, log loss clips probabilities at 1e-15, ROC AUC averages the
 * ranks of tied scores (Mann-Whitney), multiclass AUC is one-vs-rest macro.
 *
 * `probs` is row-major [rows, classes] as `TrainedModel.predict` writes it.
 */

/** Predicted class of each row: the most probable (the lowest index on a tie). */
export function argmaxRows(probs: Float64Array, classes: number): Int32Array {
  const rows = Math.floor(probs.length / classes);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((probs[r * classes + c] ?? 0) > (probs[r * classes + best] ?? 0)) best = c;
    out[r] = best;
  }
  return out;
}

/** counts[true * classes + predicted]. */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): Int32Array {
  checkLengths(yTrue, yPred);
  const out = new Int32Array(classes * classes);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] ?? -1;
    const p = yPred[i] ?? -1;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes))
      throw new RangeError(`row ${i}: class ${t} / ${p} of ${classes}`);
    out[t * classes + p] = (out[t * classes + p] ?? 0) + 1;
  }
  return out;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLengths(yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return yTrue.length > 0 ? hits / yTrue.length : Number.NaN;
}

export interface ClassReport {
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly f1: Float64Array;
  readonly support: Int32Array;
  readonly macro: { readonly precision: number; readonly recall: number; readonly f1: number };
}

export function precisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): ClassReport {
  const matrix = confusionMatrix(yTrue, yPred, classes);
  const precision = new Float64Array(classes);
  const recall = new Float64Array(classes);
  const f1 = new Float64Array(classes);
  const support = new Int32Array(classes);
  for (let c = 0; c < classes; c++) {
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classes; k++) {
      predicted += matrix[k * classes + c] ?? 0;
      actual += matrix[c * classes + k] ?? 0;
    }
    const hits = matrix[c * classes + c] ?? 0;
    support[c] = actual;
    precision[c] = predicted > 0 ? hits / predicted : 0;
    recall[c] = actual > 0 ? hits / actual : 0;
    const sum = (precision[c] ?? 0) + (recall[c] ?? 0);
    f1[c] = sum > 0 ? (2 * (precision[c] ?? 0) * (recall[c] ?? 0)) / sum : 0;
  }
  const mean = (values: Float64Array): number => values.reduce((a, b) => a + b, 0) / classes;
  return {
    precision,
    recall,
    f1,
    support,
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
  };
}

/** Mean negative log probability of the true class, clipped at 1e-15. */
export function logLoss(yTrue: ArrayLike<number>, probs: Float64Array, classes: number): number {
  if (probs.length !== yTrue.length * classes)
    throw new RangeError(`${probs.length} probabilities for ${yTrue.length} rows x ${classes}`);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = probs[i * classes + (yTrue[i] ?? 0)] ?? 0;
    sum -= Math.log(Math.min(1, Math.max(1e-15, p)));
  }
  return yTrue.length > 0 ? sum / yTrue.length : Number.NaN;
}

/** Average ranks (1-based) of values, ties sharing the mean of their ranks. */
function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => (values[a] ?? 0) - (values[b] ?? 0),
  );
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1] ?? 0] === values[order[i] ?? 0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] ?? 0] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Binary ROC AUC of `score` for `positive` labels; NaN when only one class is present. */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive = 1): number {
  checkLengths(yTrue, score);
  const ranks = averageRanks(score);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== positive) continue;
    positives++;
    rankSum += ranks[i] ?? 0;
  }
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC from class probabilities: binary = AUC of the class-1 column; 3 classes = mean of the
 * one-vs-rest AUCs of the classes present (a class absent from yTrue has no AUC).
 */
export function rocAucFromProbs(yTrue: ArrayLike<number>, probs: Float64Array, classes: number): number {
  const column = (c: number): Float64Array => {
    const out = new Float64Array(yTrue.length);
    for (let i = 0; i < out.length; i++) out[i] = probs[i * classes + c] ?? 0;
    return out;
  };
  if (classes === 2) return rocAuc(yTrue, column(1), 1);
  let sum = 0;
  let counted = 0;
  for (let c = 0; c < classes; c++) {
    const auc = rocAuc(yTrue, column(c), c);
    if (Number.isNaN(auc)) continue;
    sum += auc;
    counted++;
  }
  return counted > 0 ? sum / counted : Number.NaN;
}

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Score thresholds, descending; the first is +Infinity (nothing predicted positive). */
  readonly thresholds: Float64Array;
}

/** One point per distinct score, as sklearn's roc_curve(drop_intermediate=False). */
export function rocCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive = 1): RocCurve {
  checkLengths(yTrue, score);
  const order = Array.from({ length: score.length }, (_, i) => i).sort(
    (a, b) => (score[b] ?? 0) - (score[a] ?? 0),
  );
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === positive) positives++;
  const negatives = yTrue.length - positives;
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Number.POSITIVE_INFINITY];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const row = order[i] ?? 0;
    if (yTrue[row] === positive) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && score[next] === score[row]) continue;
    fpr.push(negatives > 0 ? fp / negatives : Number.NaN);
    tpr.push(positives > 0 ? tp / positives : Number.NaN);
    thresholds.push(score[row] ?? Number.NaN);
  }
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    thresholds: Float64Array.from(thresholds),
  };
}

export interface ClassificationScores {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly logLoss: number;
  readonly rocAuc: number;
}

/** The macro scores of a fold, as the registry stores them. */
export function classificationScores(
  yTrue: ArrayLike<number>,
  probs: Float64Array,
  classes: number,
): ClassificationScores {
  const predicted = argmaxRows(probs, classes);
  const report = precisionRecallF1(yTrue, predicted, classes);
  return {
    accuracy: accuracy(yTrue, predicted),
    precision: report.macro.precision,
    recall: report.macro.recall,
    f1: report.macro.f1,
    logLoss: logLoss(yTrue, probs, classes),
    rocAuc: rocAucFromProbs(yTrue, probs, classes),
  };
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} labels for ${b.length} predictions`);
}
