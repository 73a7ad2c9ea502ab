/**
 * Input and prediction drift of a window, with src/validate's drift code (PSI on the reference's quantile bins,
 * Jensen-Shannon over top categories + other + missing, chi-squared below `small_window_rows`, missing-rate
 * change). A window smaller than `min_rows` gets "not enough data" instead of a verdict.
 */
import type { Table } from '../data/types.ts';
import { computeDrift, computeDriftFromCounts } from '../validate/index.ts';
import type { CategoricalColumnProfile, DataProfile, DriftReport } from '../validate/types.ts';
import { buildColumn } from './prediction-log.ts';
import { driftOptionsOf, type InputDrift, type MonitorOptions, type PredictionDrift } from './types.ts';

/** Name of the one column of a prediction profile. */
export const PREDICTION_COLUMN = 'prediction';

/** Input drift of `window` (the model's feature columns) against the training profile. */
export function inputDrift(
  trainingProfile: DataProfile,
  features: readonly string[],
  window: Table,
  options: MonitorOptions,
): InputDrift {
  if (window.rowCount < options.min_rows) {
    return { status: 'not_enough_data', rows: window.rowCount, min_rows: options.min_rows };
  }
  const report = computeDrift(trainingProfile, window, { ...driftOptionsOf(options), columns: features });
  return withStatus(report, window.rowCount, options);
}

/** Input drift from counts bucketed the profile's way (the server's rolling window). */
export function inputDriftFromCounts(
  trainingProfile: DataProfile,
  counts: ReadonlyMap<string, readonly number[]>,
  rows: number,
  options: MonitorOptions,
): InputDrift {
  if (rows < options.min_rows) return { status: 'not_enough_data', rows, min_rows: options.min_rows };
  const columns = [...counts.keys()];
  return withStatus(
    computeDriftFromCounts(trainingProfile, counts, { ...driftOptionsOf(options), columns }),
    rows,
    options,
  );
}

function withStatus(report: DriftReport, rows: number, options: MonitorOptions): InputDrift {
  return { status: 'ok', rows, test: rows < options.small_window_rows ? 'chi_squared' : 'distance', ...report };
}

/**
 * Drift of the window's predictions (labels or values) against `reference`, the profile of the holdout predictions
 * (one column named PREDICTION_COLUMN). Predicted labels are compared like a categorical column (Jensen-Shannon),
 * predicted values like a numeric one (PSI).
 */
export function predictionDrift(
  reference: DataProfile | null,
  predicted: readonly (string | number)[],
  options: MonitorOptions,
): PredictionDrift {
  if (!reference) {
    return { status: 'unavailable', reason: 'the model card records no holdout predictions to compare with' };
  }
  if (predicted.length < options.min_rows) {
    return { status: 'not_enough_data', rows: predicted.length, min_rows: options.min_rows };
  }
  const type = reference.columns[0]?.type === 'numeric' ? 'numeric' : 'categorical';
  const table: Table = { rowCount: predicted.length, columns: [buildColumn(PREDICTION_COLUMN, type, predicted)] };
  const report = computeDrift(reference, table, { ...driftOptionsOf(options), columns: [PREDICTION_COLUMN] });
  return predictionVerdict(report, predicted.length);
}

/** Prediction drift from counts on the reference's buckets (the server's rolling window). */
export function predictionDriftFromCounts(
  reference: DataProfile | null,
  counts: readonly number[],
  options: MonitorOptions,
): PredictionDrift {
  if (!reference) {
    return { status: 'unavailable', reason: 'the model card records no holdout predictions to compare with' };
  }
  const rows = counts.reduce((a, b) => a + b, 0);
  if (rows < options.min_rows) return { status: 'not_enough_data', rows, min_rows: options.min_rows };
  const report = computeDriftFromCounts(reference, new Map([[PREDICTION_COLUMN, counts]]), {
    ...driftOptionsOf(options),
    columns: [PREDICTION_COLUMN],
  });
  return predictionVerdict(report, rows);
}

function predictionVerdict(report: DriftReport, rows: number): PredictionDrift {
  const column = report.columns[0];
  if (!column) return { status: 'unavailable', reason: report.skipped[0]?.reason ?? 'not comparable' };
  // Predictions are never missing: the missing-rate check says nothing here.
  const { missing: _missing, ...drift } = column;
  const distanceDrifted =
    drift.method === 'chi_squared' ? drift.score < drift.threshold : drift.score > drift.threshold;
  return { status: 'ok', rows, ...drift, drifted: distanceDrifted };
}

/**
 * A categorical profile of predicted labels from their counts, e.g. the column sums of the holdout confusion
 * matrix, which are exactly the holdout's predicted labels.
 */
export function labelProfile(counts: ReadonlyMap<string, number>): DataProfile {
  const top = [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const total = top.reduce((sum, entry) => sum + entry.count, 0);
  const column: CategoricalColumnProfile = {
    name: PREDICTION_COLUMN,
    count: total,
    missing: 0,
    missing_fraction: 0,
    type: 'categorical',
    distinct: top.filter((entry) => entry.count > 0).length,
    top,
    other_count: 0,
  };
  return { profile_version: 1, row_count: total, bins: 10, max_categories: Math.max(1, top.length), columns: [column] };
}
