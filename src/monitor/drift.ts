/**
 * Input and prediction drift of a window of rows (a prediction log or a data file), with the drift code of data
 * validation (PSI on the reference's quantile bins, Jensen-Shannon over top categories + other + missing,
 * chi-squared below `small_window_rows`, missing-rate change). A window smaller than `min_rows` gets "not enough
 * data" instead of a verdict.
 */
import type { Table } from '../data/types.ts';
import { computeDrift } from '../validate/index.ts';
import type { DataProfile } from '../validate/types.ts';
import { NO_REFERENCE, PREDICTION_COLUMN, predictionVerdict, withStatus } from './drift-counts.ts';
import { buildColumn } from './prediction-log.ts';
import { driftOptionsOf, type InputDrift, type MonitorOptions, type PredictionDrift } from './types.ts';

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
  if (!reference) return { status: 'unavailable', reason: NO_REFERENCE };
  if (predicted.length < options.min_rows) {
    return { status: 'not_enough_data', rows: predicted.length, min_rows: options.min_rows };
  }
  const type = reference.columns[0]?.type === 'numeric' ? 'numeric' : 'categorical';
  const table: Table = { rowCount: predicted.length, columns: [buildColumn(PREDICTION_COLUMN, type, predicted)] };
  const report = computeDrift(reference, table, { ...driftOptionsOf(options), columns: [PREDICTION_COLUMN] });
  return predictionVerdict(report, predicted.length);
}
