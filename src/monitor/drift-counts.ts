/**
 * Drift verdicts from bucket counts (src/drift): what the server's live window uses, and what the table-based checks
 * (drift.ts) end in. Imports only src/drift and types, so the serving image carries it without data validation.
 */
import { computeDriftFromCounts } from '../drift/report.ts';
import type { CategoricalColumnProfile, DataProfile, DriftReport } from '../validate/types.ts';
import { driftOptionsOf, type InputDrift, type MonitorOptions, type PredictionDrift } from './types.ts';

/** Name of the one column of a prediction profile. */
export const PREDICTION_COLUMN = 'prediction';

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

export function withStatus(report: DriftReport, rows: number, options: MonitorOptions): InputDrift {
  return { status: 'ok', rows, test: rows < options.small_window_rows ? 'chi_squared' : 'distance', ...report };
}

const NO_REFERENCE = 'the model card records no holdout predictions to compare with';

/** Prediction drift from counts on the reference's buckets (the server's rolling window). */
export function predictionDriftFromCounts(
  reference: DataProfile | null,
  counts: readonly number[],
  options: MonitorOptions,
): PredictionDrift {
  if (!reference) return { status: 'unavailable', reason: NO_REFERENCE };
  const rows = counts.reduce((a, b) => a + b, 0);
  if (rows < options.min_rows) return { status: 'not_enough_data', rows, min_rows: options.min_rows };
  const report = computeDriftFromCounts(reference, new Map([[PREDICTION_COLUMN, counts]]), {
    ...driftOptionsOf(options),
    columns: [PREDICTION_COLUMN],
  });
  return predictionVerdict(report, rows);
}

/** The one column of a prediction drift report as a verdict (predictions are never missing: no missing-rate test). */
export function predictionVerdict(report: DriftReport, rows: number): PredictionDrift {
  const column = report.columns[0];
  if (!column) return { status: 'unavailable', reason: report.skipped[0]?.reason ?? 'not comparable' };
  const { missing: _missing, ...drift } = column;
  const drifted = drift.method === 'chi_squared' ? drift.score < drift.threshold : drift.score > drift.threshold;
  return { status: 'ok', rows, ...drift, drifted };
}

export { NO_REFERENCE };

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

/** labelProfile of the predicted labels of a confusion matrix (matrix[actual][predicted]). */
export function confusionLabelProfile(confusion: {
  readonly labels: readonly string[];
  readonly matrix: readonly (readonly number[])[];
}): DataProfile {
  const counts = new Map<string, number>();
  confusion.labels.forEach((label, predicted) => {
    counts.set(
      label,
      confusion.matrix.reduce((sum, row) => sum + (row[predicted] ?? 0), 0),
    );
  });
  return labelProfile(counts);
}
