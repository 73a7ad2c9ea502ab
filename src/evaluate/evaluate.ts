/**
 * evaluate: the holdout predictions of a model, scored overall, per class, per slice, with the
 * features that matter. Pure: data and predictions in, a JSON-ready report out.
 */
import type { Table } from '../data/types.ts';
import { InputError } from '../errors.ts';
import { findColumn } from '../model/inputs.ts';
import type { Model, ModelSignature, Predictions } from '../model/types.ts';
import type { Dataset } from '../train/types.ts';
import { featureImportance } from './importance.ts';
import {
  classificationMetrics,
  confusionMatrix,
  LOG_LOSS_EPS,
  METRICS,
  type MetricValues,
  metricsFor,
  perClassScores,
  regressionMetrics,
  residualSummary,
} from './metrics.ts';
import { naivePredictions } from './naive.ts';
import type { EvaluationReport, SliceReport } from './types.ts';

/** Slices with fewer rows than this are flagged `small`: reported, but too noisy to gate a release on. */
export const MIN_SLICE_ROWS = 30;

/** What evaluation needs to know of a model it only has predictions of. */
export interface ModelIdentity {
  readonly signature: ModelSignature;
  readonly kind: Model['kind'];
}

export interface EvaluateInput {
  /** The rows evaluated (usually the holdout), with the slice columns in its table. */
  readonly data: Dataset;
  /** `model`'s predictions for data.table, row for row. */
  readonly predictions: Predictions;
  /**
   * The model, or just its identity when only its predictions are at hand (a production model run from
   * its ONNX file): then no feature importance is computed.
   */
  readonly model: Model | ModelIdentity;
  /** Categorical columns of data.table whose values get their own metrics. */
  readonly slices: readonly string[];
  /** The training rows' target (class indices or values): when given, the naive baseline is scored too. */
  readonly trainTarget?: ArrayLike<number>;
}

/**
 * Scores `predictions` against `data.target`. When the model knows other classes than the data (a
 * production model scored on a newer holdout), classes are the data's followed by the model's extra
 * ones; a class the model lacks gets probability 0. Throws when rows or tasks do not line up.
 */
export function evaluateModel(input: EvaluateInput): EvaluationReport {
  const { data, predictions, model } = input;
  const { signature } = model;
  const rows = data.table.rowCount;
  if (predictions.rowCount !== rows || data.target.length !== rows) {
    throw new Error(
      `evaluate: ${predictions.rowCount} predictions and ${data.target.length} targets for ${rows} rows; they must match`,
    );
  }
  if (data.signature.task !== signature.task) {
    throw new Error(`evaluate: the data is for ${data.signature.task}, the model for ${signature.task}`);
  }
  const isClassification = signature.task === 'classification';
  const aligned = isClassification ? alignClasses(data, model, predictions) : null;
  const score = aligned ? classificationScorer(data, aligned) : regressionScorer(data, predictions);

  let classification: EvaluationReport['classification'] = null;
  if (aligned) {
    const confusion = confusionMatrix(data.target, aligned.labelIndex, aligned.classes.length);
    classification = {
      per_class: perClassScores(confusion).map((s, c) => ({ class: aligned.classes[c]!, ...s })),
      confusion_matrix: { labels: [...aligned.classes], matrix: confusion },
    };
  }

  return {
    task: signature.task,
    target: signature.target,
    model_kind: model.kind,
    rows,
    classes: aligned ? [...aligned.classes] : null,
    metrics: score(null),
    higher_is_better: Object.fromEntries(metricsFor(signature.task).map((m) => [m, METRICS[m].higherIsBetter])),
    log_loss_eps: isClassification ? LOG_LOSS_EPS : null,
    classification,
    regression: isClassification ? null : { residuals: residualSummary(data.target, predictions.values!) },
    slices: input.slices.map((column) => sliceReport(data.table, column, score)),
    naive_baseline: input.trainTarget ? naiveBaseline(data, input.trainTarget) : null,
    importance:
      'params' in model
        ? featureImportance(model, data.table)
        : { method: model.kind === 'gbdt' ? 'total_gain' : 'mean_abs_contribution', features: [] },
  };
}

/** The naive model of naive.ts, fitted on `trainTarget` and scored on `data` exactly as a model is. */
function naiveBaseline(data: Dataset, trainTarget: ArrayLike<number>): NonNullable<EvaluationReport['naive_baseline']> {
  const { signature } = data;
  const rows = data.table.rowCount;
  const naive = naivePredictions(signature.task, trainTarget, signature.classes, rows);
  const identity: ModelIdentity = { signature, kind: 'linear' };
  const metrics =
    signature.task === 'classification'
      ? classificationScorer(data, alignClasses(data, identity, naive.predictions))(null)
      : regressionScorer(data, naive.predictions)(null);
  return { strategy: naive.strategy, description: naive.description, metrics };
}

interface AlignedPredictions {
  readonly classes: readonly string[];
  /** rows × classes.length */
  readonly probabilities: Float64Array;
  readonly labelIndex: Int32Array;
}

/** Predictions re-indexed into the evaluation class list (data classes, then classes only the model has). */
function alignClasses(data: Dataset, model: Model | ModelIdentity, predictions: Predictions): AlignedPredictions {
  const modelClasses = model.signature.classes ?? [];
  const dataClasses = data.signature.classes ?? modelClasses;
  const m = modelClasses.length;
  const { probabilities, labelIndex, rowCount } = predictions;
  if (!probabilities || !labelIndex || probabilities.length !== rowCount * m) {
    throw new Error(`evaluate: classification predictions need probabilities for ${m} classes and label indices`);
  }
  assertFinite(probabilities, 'probabilities');
  for (let i = 0; i < data.target.length; i++) {
    const y = data.target[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < dataClasses.length)) {
      throw new Error(`evaluate: row ${i}: target ${y} is not a class index in [0, ${dataClasses.length})`);
    }
  }
  const same = m === dataClasses.length && modelClasses.every((c, k) => c === dataClasses[k]);
  if (same) return { classes: dataClasses, probabilities, labelIndex };
  const classes = [...dataClasses, ...modelClasses.filter((c) => !dataClasses.includes(c))];
  const toAligned = modelClasses.map((c) => classes.indexOf(c));
  const k = classes.length;
  const remapped = new Float64Array(rowCount * k);
  for (let i = 0; i < rowCount; i++) {
    for (let c = 0; c < m; c++) remapped[i * k + toAligned[c]!] = probabilities[i * m + c]!;
  }
  return { classes, probabilities: remapped, labelIndex: Int32Array.from(labelIndex, (c) => toAligned[c]!) };
}

/** Returns the metrics of a subset of rows (null = all rows). */
function classificationScorer(data: Dataset, aligned: AlignedPredictions): (rows: Int32Array | null) => MetricValues {
  const { probabilities, labelIndex } = aligned;
  const k = aligned.classes.length;
  return (rows) => {
    if (rows === null) {
      return classificationMetrics({ classes: k, actual: data.target, predicted: labelIndex, probabilities });
    }
    const p = new Float64Array(rows.length * k);
    rows.forEach((r, j) => {
      p.set(probabilities.subarray(r * k, (r + 1) * k), j * k);
    });
    return classificationMetrics({
      classes: k,
      actual: Float64Array.from(rows, (r) => data.target[r]!),
      predicted: Int32Array.from(rows, (r) => labelIndex[r]!),
      probabilities: p,
    });
  };
}

function regressionScorer(data: Dataset, predictions: Predictions): (rows: Int32Array | null) => MetricValues {
  const values = predictions.values;
  if (!values) throw new Error('evaluate: regression predictions need values');
  assertFinite(values, 'predicted values');
  return (rows) =>
    rows === null
      ? regressionMetrics(data.target, values)
      : regressionMetrics(
          Float64Array.from(rows, (r) => data.target[r]!),
          Float64Array.from(rows, (r) => values[r]!),
        );
}

/** Metrics per value of a categorical column (values in code-point order, missing last as null). */
function sliceReport(table: Table, column: string, score: (rows: Int32Array | null) => MetricValues): SliceReport {
  const found = findColumn(table, column);
  if (found.type !== 'categorical') {
    throw new InputError(`slice column "${column}" is ${found.type}; slices need a categorical column`);
  }
  // Group rows by category text (merging duplicate dictionary entries), missing under null.
  const groups = new Map<string | null, number[]>();
  found.codes.forEach((code, row) => {
    const key = code < 0 ? null : found.categories[code]!;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(row);
  });
  const keys = [...groups.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    column,
    min_rows: MIN_SLICE_ROWS,
    values: keys.map((value) => {
      const rows = Int32Array.from(groups.get(value)!);
      return { value, rows: rows.length, small: rows.length < MIN_SLICE_ROWS, metrics: score(rows) };
    }),
  };
}

function assertFinite(values: Float64Array, what: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`evaluate: ${what} hold a non-finite number (${values[bad]}) at index ${bad}`);
}
