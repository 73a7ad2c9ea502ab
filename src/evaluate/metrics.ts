/**
 * Evaluation metrics as pure functions of actual values and predictions. Undefined cases (a single
 * class for AUC, a constant target for r2) give null rather than NaN, since reports are JSON.
 */
import type { MetricName } from '../config/schema.ts';
import type { Task } from '../model/types.ts';

/** Metric values by name; null where a metric is undefined (e.g. AUC with one class). */
export type MetricValues = Partial<Record<MetricName, number | null>>;

/** What each metric is for and which way is better: the data behind every comparison. */
export const METRICS: Readonly<Record<MetricName, { readonly higherIsBetter: boolean; readonly task: Task }>> = {
  accuracy: { higherIsBetter: true, task: 'classification' },
  balanced_accuracy: { higherIsBetter: true, task: 'classification' },
  log_loss: { higherIsBetter: false, task: 'classification' },
  roc_auc: { higherIsBetter: true, task: 'classification' },
  macro_f1: { higherIsBetter: true, task: 'classification' },
  rmse: { higherIsBetter: false, task: 'regression' },
  mae: { higherIsBetter: false, task: 'regression' },
  r2: { higherIsBetter: true, task: 'regression' },
};

/** Metrics computed for a task, in report order. */
export function metricsFor(task: Task): MetricName[] {
  return (Object.keys(METRICS) as MetricName[]).filter((name) => METRICS[name].task === task);
}

/** The metric compared with production when the config names none. */
export function defaultPrimaryMetric(task: Task): MetricName {
  return task === 'classification' ? 'macro_f1' : 'rmse';
}

/** Probabilities are clipped to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS] so one confident mistake costs at most −ln(1e-15) ≈ 34.5. */
export const LOG_LOSS_EPS = 1e-15;

/** Classification inputs: actual class indices, predicted class indices, probabilities (rows × classes). */
export interface ClassificationOutcome {
  readonly classes: number;
  readonly actual: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  readonly probabilities: ArrayLike<number>;
}

/** confusion[actual][predicted] = row count. */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) matrix[actual[i]!]![predicted[i]!]!++;
  return matrix;
}

export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** Per class from a confusion matrix; a ratio with a zero denominator is 0 (as scikit-learn's zero_division=0). */
export function perClassScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    let predictedCount = 0;
    for (let a = 0; a < k; a++) predictedCount += confusion[a]![c]!;
    const fp = predictedCount - tp;
    const fn = support - tp;
    return {
      precision: predictedCount > 0 ? tp / predictedCount : 0,
      recall: support > 0 ? tp / support : 0,
      f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
      support,
    };
  });
}

export function accuracy(confusion: readonly (readonly number[])[]): number | null {
  let correct = 0;
  let total = 0;
  confusion.forEach((row, c) => {
    correct += row[c]!;
    for (const v of row) total += v;
  });
  return total > 0 ? correct / total : null;
}

/** Mean recall over the classes that occur in `actual`. */
export function balancedAccuracy(confusion: readonly (readonly number[])[]): number | null {
  const recalls = perClassScores(confusion)
    .filter((s) => s.support > 0)
    .map((s) => s.recall);
  return recalls.length > 0 ? mean(recalls) : null;
}

/** Mean F1 over the classes that occur in `actual` or in the predictions (scikit-learn's default label set). */
export function macroF1(confusion: readonly (readonly number[])[]): number | null {
  const scores = perClassScores(confusion);
  const f1s: number[] = [];
  scores.forEach((s, c) => {
    let predictedCount = 0;
    for (const row of confusion) predictedCount += row[c]!;
    if (s.support > 0 || predictedCount > 0) f1s.push(s.f1);
  });
  return f1s.length > 0 ? mean(f1s) : null;
}

/** Mean negative log of the probability given to the actual class, clipped by LOG_LOSS_EPS. */
export function logLoss(outcome: ClassificationOutcome): number | null {
  const { actual, probabilities, classes } = outcome;
  if (actual.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const p = probabilities[i * classes + actual[i]!]!;
    sum -= Math.log(Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS));
  }
  return sum / actual.length;
}

/**
 * Area under the ROC curve of `score` for `positive` rows: the Mann-Whitney probability that a random
 * positive scores above a random negative, ties counting one half (average ranks). Null without both
 * positives and negatives.
 */
export function binaryAuc(score: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && score[order[end + 1]!] === score[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1; // 1-based midrank of the tied run
    for (let j = start; j <= end; j++) {
      if (positive[order[j]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Binary: AUC of P(classes[1]). Multiclass: unweighted mean of one-vs-rest AUCs over classes where it is defined. */
export function rocAuc(outcome: ClassificationOutcome): number | null {
  const { actual, probabilities, classes } = outcome;
  const n = actual.length;
  const column = (k: number) => Float64Array.from({ length: n }, (_, i) => probabilities[i * classes + k]!);
  const isClass = (k: number) => Array.from({ length: n }, (_, i) => actual[i] === k);
  if (classes === 2) return binaryAuc(column(1), isClass(1));
  const aucs: number[] = [];
  for (let k = 0; k < classes; k++) {
    const auc = binaryAuc(column(k), isClass(k));
    if (auc !== null) aucs.push(auc);
  }
  return aucs.length > 0 ? mean(aucs) : null;
}

/** All classification metrics. */
export function classificationMetrics(outcome: ClassificationOutcome): MetricValues {
  const confusion = confusionMatrix(outcome.actual, outcome.predicted, outcome.classes);
  return {
    accuracy: accuracy(confusion),
    balanced_accuracy: balancedAccuracy(confusion),
    log_loss: logLoss(outcome),
    roc_auc: rocAuc(outcome),
    macro_f1: macroF1(confusion),
  };
}

/** rmse, mae and r2 (1 − SS_res/SS_tot; null when the actual values are constant). */
export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): MetricValues {
  const n = actual.length;
  if (n === 0) return { rmse: null, mae: null, r2: null };
  let squares = 0;
  let absolute = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const residual = actual[i]! - predicted[i]!;
    squares += residual * residual;
    absolute += Math.abs(residual);
    sum += actual[i]!;
  }
  const average = sum / n;
  let total = 0;
  for (let i = 0; i < n; i++) total += (actual[i]! - average) ** 2;
  return {
    rmse: Math.sqrt(squares / n),
    mae: absolute / n,
    r2: total > 0 ? 1 - squares / total : null,
  };
}

export interface ResidualSummary {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly p05: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p95: number;
  readonly max: number;
}

/** Distribution of actual − predicted: mean, population std, and quantiles (linear interpolation). */
export function residualSummary(actual: ArrayLike<number>, predicted: ArrayLike<number>): ResidualSummary | null {
  const n = actual.length;
  if (n === 0) return null;
  const residuals = Float64Array.from({ length: n }, (_, i) => actual[i]! - predicted[i]!).sort();
  const average = mean(residuals);
  let squares = 0;
  for (const r of residuals) squares += (r - average) ** 2;
  const q = (p: number) => {
    const position = p * (n - 1);
    const lower = Math.floor(position);
    const upper = Math.min(lower + 1, n - 1);
    return residuals[lower]! + (position - lower) * (residuals[upper]! - residuals[lower]!);
  };
  return {
    mean: average,
    std: Math.sqrt(squares / n),
    min: residuals[0]!,
    p05: q(0.05),
    p25: q(0.25),
    median: q(0.5),
    p75: q(0.75),
    p95: q(0.95),
    max: residuals[n - 1]!,
  };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}
