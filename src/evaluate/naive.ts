/**
 * The naive baseline: what a model that ignores every feature scores on the same holdout rows. A model
 * that cannot beat it has learnt nothing usable (scikit-learn's DummyClassifier(strategy="prior") and
 * DummyRegressor(strategy="mean")): classification predicts the training data's most frequent class with
 * the training class shares as probabilities; regression predicts the training mean.
 */
import type { Predictions, Task } from '../model/types.ts';
import type { MetricValues } from './metrics.ts';

export interface NaiveBaseline {
  readonly strategy: 'prior' | 'mean';
  /** One line for people, e.g. `always "Adelie" (44% of training rows)`. */
  readonly description: string;
  readonly metrics: MetricValues;
}

/**
 * The naive model fitted on `trainTarget` (class indices in [0, classes.length) or values), predicting
 * `rows` rows. Ties between equally frequent classes go to the lowest index, so it is deterministic.
 */
export function naivePredictions(
  task: Task,
  trainTarget: ArrayLike<number>,
  classes: readonly string[] | undefined,
  rows: number,
): { predictions: Predictions; strategy: NaiveBaseline['strategy']; description: string } {
  const n = trainTarget.length;
  if (n === 0) throw new Error('naive baseline: no training rows');
  if (task === 'regression') {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += trainTarget[i]!;
    const mean = sum / n;
    return {
      predictions: { rowCount: rows, values: new Float64Array(rows).fill(mean) },
      strategy: 'mean',
      description: `always the training mean ${Number(mean.toPrecision(6))}`,
    };
  }
  const k = classes?.length ?? 0;
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[trainTarget[i]!]!++;
  let majority = 0;
  for (let c = 1; c < k; c++) if (counts[c]! > counts[majority]!) majority = c;
  const probabilities = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) probabilities[r * k + c] = counts[c]! / n;
  const share = Math.round((100 * counts[majority]!) / n);
  return {
    predictions: { rowCount: rows, probabilities, labelIndex: new Int32Array(rows).fill(majority) },
    strategy: 'prior',
    description: `always ${JSON.stringify(classes![majority])} (${share}% of training rows), with the training class shares as probabilities`,
  };
}
