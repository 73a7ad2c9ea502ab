import { describe, expect, it } from 'vitest';
import {
  accuracy,
  balancedAccuracy,
  binaryAuc,
  classificationMetrics,
  confusionMatrix,
  LOG_LOSS_EPS,
  logLoss,
  METRICS,
  macroF1,
  metricsFor,
  perClassScores,
  regressionMetrics,
  residualSummary,
  rocAuc,
} from '../../src/evaluate/metrics.ts';

// actual [0,0,0,1,1,2], predicted [0,0,1,1,2,2] → rows = actual, columns = predicted
const actual = [0, 0, 0, 1, 1, 2];
const predicted = [0, 0, 1, 1, 2, 2];

describe('classification metrics', () => {
  const confusion = confusionMatrix(actual, predicted, 3);

  it('builds the confusion matrix with rows = actual, columns = predicted', () => {
    expect(confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('accuracy, balanced accuracy, per-class scores and macro-F1 match hand computation', () => {
    expect(accuracy(confusion)).toBeCloseTo(4 / 6, 15);
    // recalls 2/3, 1/2, 1
    expect(balancedAccuracy(confusion)).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 15);
    const scores = perClassScores(confusion);
    expect(scores.map((s) => s.precision)).toEqual([1, 0.5, 0.5]);
    expect(scores.map((s) => s.recall)).toEqual([2 / 3, 0.5, 1]);
    expect(scores.map((s) => s.support)).toEqual([3, 2, 1]);
    // f1 = 2TP / (2TP + FP + FN): 4/5, 2/4, 2/3
    expect(scores[0]!.f1).toBeCloseTo(0.8, 15);
    expect(scores[1]!.f1).toBeCloseTo(0.5, 15);
    expect(scores[2]!.f1).toBeCloseTo(2 / 3, 15);
    expect(macroF1(confusion)).toBeCloseTo(59 / 90, 15);
  });

  it('averages macro-F1 and balanced accuracy only over classes that occur', () => {
    // A fourth class never actual and never predicted does not count; one only predicted counts for F1.
    const four = confusionMatrix(actual, predicted, 4);
    expect(macroF1(four)).toBeCloseTo(59 / 90, 15);
    expect(balancedAccuracy(four)).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 15);
    const predictedOnly = confusionMatrix([0, 0], [0, 1], 2); // class 1 predicted, never actual
    expect(perClassScores(predictedOnly)[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(macroF1(predictedOnly)).toBeCloseTo((2 / 3 + 0) / 2, 15);
    expect(balancedAccuracy(predictedOnly)).toBe(0.5);
  });

  it('log loss uses the actual class probability, clipped by eps', () => {
    const probabilities = [0.1, 0.9, 0.8, 0.2, 0.4, 0.6];
    expect(logLoss({ classes: 2, actual: [1, 0, 0], predicted: [1, 0, 1], probabilities })).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3,
      15,
    );
    const confidentMistake = logLoss({ classes: 2, actual: [1], predicted: [0], probabilities: [1, 0] });
    expect(confidentMistake).toBeCloseTo(-Math.log(LOG_LOSS_EPS), 10);
    expect(LOG_LOSS_EPS).toBe(1e-15);
  });

  it('binary AUC counts ties as one half', () => {
    // positives 0.35, 0.8, 0.4 vs negatives 0.1, 0.4: pairs won 1+0+1+1+1+0.5 of 6
    expect(binaryAuc([0.1, 0.4, 0.35, 0.8, 0.4], [false, false, true, true, true])).toBeCloseTo(4.5 / 6, 15);
    expect(binaryAuc([0.5, 0.5, 0.5], [true, false, true])).toBe(0.5);
    expect(binaryAuc([0.1, 0.2], [true, true])).toBeNull();
  });

  it('binary roc_auc scores the second class; multiclass is the macro one-vs-rest mean', () => {
    const binary = {
      classes: 2,
      actual: [0, 1, 1, 0],
      predicted: [0, 1, 1, 1],
      probabilities: [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7],
    };
    // P(class 1): 0.1, 0.8, 0.4, 0.7; positives 0.8, 0.4 vs negatives 0.1, 0.7 → 1 + 1 + 1 + 0 = 3/4
    expect(rocAuc(binary)).toBeCloseTo(0.75, 15);
    const multi = {
      classes: 3,
      actual: [0, 1, 2, 0],
      predicted: [0, 1, 2, 0],
      probabilities: [0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.2, 0.3, 0.5, 0.4, 0.4, 0.2],
    };
    // class 0: 1; class 1: positive 0.4 vs 0.2, 0.3, 0.4 → 2.5/3; class 2: 1
    expect(rocAuc(multi)).toBeCloseTo((1 + 2.5 / 3 + 1) / 3, 15);
    // A class absent from `actual` is left out of the mean.
    expect(rocAuc({ ...multi, actual: [0, 1, 1, 0] })).toBeCloseTo(
      (1 + (binaryAuc([0.2, 0.4, 0.3, 0.4], [false, true, true, false]) ?? 0)) / 2,
      15,
    );
  });

  it('classificationMetrics returns every classification metric', () => {
    const all = classificationMetrics({
      classes: 3,
      actual,
      predicted,
      probabilities: predicted.flatMap((p) => [0, 1, 2].map((k) => (k === p ? 0.8 : 0.1))),
    });
    expect(Object.keys(all)).toEqual(metricsFor('classification'));
    expect(all.accuracy).toBeCloseTo(4 / 6, 15);
  });
});

describe('regression metrics', () => {
  it('rmse, mae and r2 match hand computation', () => {
    // residuals -0.5, 0, 1, -1; SS_res 2.25; mean 2.5, SS_tot 5
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2, 5]);
    expect(m.rmse).toBeCloseTo(0.75, 15);
    expect(m.mae).toBeCloseTo(0.625, 15);
    expect(m.r2).toBeCloseTo(0.55, 15);
    expect(regressionMetrics([3, 3], [3, 4]).r2).toBeNull();
  });

  it('summarises residuals (actual − predicted)', () => {
    const s = residualSummary([1, 2, 3, 4], [1.5, 2, 2, 5])!;
    expect(s.mean).toBeCloseTo(-0.125, 15);
    expect(s.min).toBe(-1);
    expect(s.max).toBe(1);
    expect(s.median).toBeCloseTo(-0.25, 15);
    expect(s.std).toBeCloseTo(Math.sqrt((0.875 ** 2 + 0.375 ** 2 + 0.125 ** 2 + 1.125 ** 2) / 4), 15);
  });
});

describe('METRICS', () => {
  it('records the direction and task of every metric', () => {
    expect(METRICS.log_loss).toEqual({ higherIsBetter: false, task: 'classification' });
    expect(METRICS.rmse.higherIsBetter).toBe(false);
    expect(METRICS.r2.higherIsBetter).toBe(true);
    expect(metricsFor('regression')).toEqual(['rmse', 'mae', 'r2']);
  });
});
