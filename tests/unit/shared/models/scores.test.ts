import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argmaxRows,
  classificationScores,
  confusionMatrix,
  logLoss,
  precisionRecallF1,
  rocAuc,
  rocAucFromProbs,
  rocCurve,
} from '../../../../shared/models/scores.js';

describe('classification scores', () => {
  // sklearn's precision_recall_fscore_support example.
  const yTrue = [0, 1, 2, 0, 1, 2];
  const yPred = [0, 2, 1, 0, 0, 1];

  it('counts the confusion matrix with true classes as rows', () => {
    expect(Array.from(confusionMatrix(yTrue, yPred, 3))).toEqual([2, 0, 0, 1, 0, 1, 0, 2, 0]);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(2 / 6, 15);
  });

  it('gives per-class and macro precision, recall and F1 as sklearn does', () => {
    const report = precisionRecallF1(yTrue, yPred, 3);
    expect(Array.from(report.precision)).toEqual([2 / 3, 0, 0]);
    expect(Array.from(report.recall)).toEqual([1, 0, 0]);
    expect(report.f1[0]).toBeCloseTo(0.8, 15);
    expect(report.macro.f1).toBeCloseTo(0.26666666666666666, 15);
    expect(report.macro.precision).toBeCloseTo(0.2222222222222222, 15);
    expect(Array.from(report.support)).toEqual([2, 2, 2]);
  });

  it('computes log loss as sklearn (its spam/ham example = 0.21616...)', () => {
    const probs = Float64Array.of(0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65);
    expect(logLoss([1, 0, 0, 1], probs, 2)).toBeCloseTo(0.21616187468057912, 14);
    expect(logLoss([0], Float64Array.of(0, 1), 2)).toBeCloseTo(-Math.log(1e-15), 10);
  });

  it('computes binary ROC AUC with tied scores sharing their rank', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    // Pairs (pos, neg): (0.5, 0.5) half, (0.5, 0.2), (0.9, 0.5), (0.9, 0.2) whole: 3.5 / 4.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
    expect(Number.isNaN(rocAuc([1, 1], [0.2, 0.3]))).toBe(true);
  });

  it('draws the ROC curve at each distinct score (sklearn roc_curve example)', () => {
    const curve = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(Array.from(curve.thresholds)).toEqual([Number.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1]);
    expect(Array.from(curve.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(curve.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
  });

  it('averages one-vs-rest AUCs over three classes', () => {
    const y = [0, 1, 2, 2];
    // Class 0 column ranks row 0 top (AUC 1), class 1 column row 1 (AUC 1); class 2 column:
    // positives 0.5, 0.2 against negatives 0.3, 0.1 -> pairs 1, 1, 0, 1 = 3/4.
    const probs = Float64Array.of(0.6, 0.1, 0.3, 0.2, 0.7, 0.1, 0.2, 0.3, 0.5, 0.4, 0.4, 0.2);
    expect(rocAucFromProbs(y, probs, 3)).toBeCloseTo((1 + 1 + 3 / 4) / 3, 15);
    expect(rocAucFromProbs([0, 1], Float64Array.of(0.9, 0.1, 0.2, 0.8), 2)).toBe(1);
  });

  it('summarises a fold', () => {
    const probs = Float64Array.of(0.9, 0.1, 0.2, 0.8, 0.6, 0.4);
    expect(Array.from(argmaxRows(probs, 2))).toEqual([0, 1, 0]);
    const scores = classificationScores([0, 1, 1], probs, 2);
    expect(scores.accuracy).toBeCloseTo(2 / 3, 15);
    expect(scores.rocAuc).toBe(1);
    expect(scores.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3, 15);
  });
});
