/**
 * The retrain decision, after SageMaker Model Monitor's violations: every check that fails becomes a reason
 * naming what moved and by how much; the decision is `retrain` when any reason asks for it.
 *
 * - quality on feedback worse than the holdout beyond tolerance → retrain, severity critical
 *   (MLOps level 1: "on model performance degradation");
 * - a slice worse beyond slice_tolerance → retrain, warning;
 * - data-set input drift (share of drifted columns ≥ dataset_share) → retrain, warning
 *   ("on significant changes in the distributions of the data");
 * - prediction drift → retrain, warning;
 * - single drifted columns below the data-set share → reported, severity info, no retrain.
 * Checks without a verdict (not enough data, nothing to compare) become notes.
 */
import type { DriftReport } from '../validate/types.ts';
import type { Decision, FeedbackQuality, InputDrift, PredictionDrift, Reason, Severity } from './types.ts';

export function decide(checks: {
  readonly inputDrift: InputDrift;
  readonly predictionDrift: PredictionDrift;
  readonly feedback: FeedbackQuality;
}): Decision {
  const reasons: Reason[] = [];
  const notes: string[] = [];
  let severity: Severity = 'none';
  const raise = (level: Severity) => {
    const order: Severity[] = ['none', 'info', 'warning', 'critical'];
    if (order.indexOf(level) > order.indexOf(severity)) severity = level;
  };

  const { feedback } = checks;
  if (feedback.status === 'ok') {
    if (feedback.degraded) {
      reasons.push({
        kind: 'quality',
        subject: feedback.metric,
        message: `${feedback.metric} on ${feedback.rows} feedback rows is ${fmt(feedback.feedback)}, holdout ${fmt(feedback.holdout)} (tolerance ${feedback.tolerance})`,
        retrain: true,
      });
      raise('critical');
    }
    for (const slice of feedback.slices.filter((s) => s.degraded)) {
      reasons.push({
        kind: 'slice_quality',
        subject: `${slice.column}=${slice.value ?? '(missing)'}`,
        message: `${feedback.metric} on slice ${slice.column}=${slice.value ?? '(missing)'} (${slice.rows} rows) is ${fmt(slice.feedback)}, holdout ${fmt(slice.holdout)} (tolerance ${slice.tolerance})`,
        retrain: true,
      });
      raise('warning');
    }
  } else notes.push(`quality on feedback: ${noVerdict(feedback)}`);

  const { inputDrift } = checks;
  if (inputDrift.status === 'ok') {
    const drifted = inputDrift.columns.filter((c) => c.drifted);
    if (inputDrift.dataset_drift) {
      reasons.push({
        kind: 'input_drift',
        message: `input drift: ${drifted.length} of ${inputDrift.columns.length} columns drifted (${pct(inputDrift.share)}, threshold ${pct(inputDrift.dataset_share)}) over ${inputDrift.rows} rows`,
        retrain: true,
      });
      raise('warning');
    }
    for (const column of drifted) {
      reasons.push({ ...columnReason(column), retrain: false });
      raise('info');
    }
  } else notes.push(`input drift: ${noVerdict(inputDrift)}`);

  const { predictionDrift } = checks;
  if (predictionDrift.status === 'ok') {
    if (predictionDrift.drifted) {
      reasons.push({
        kind: 'prediction_drift',
        message: `prediction drift over ${predictionDrift.rows} rows: ${describeScore(predictionDrift)}`,
        retrain: true,
      });
      raise('warning');
    }
  } else notes.push(`prediction drift: ${noVerdict(predictionDrift)}`);

  reasons.sort((a, b) => Number(b.retrain) - Number(a.retrain));
  return { retrain: reasons.some((r) => r.retrain), severity, reasons, notes };
}

function columnReason(column: DriftReport['columns'][number]): Omit<Reason, 'retrain'> {
  const parts: string[] = [];
  const distribution =
    column.method === 'chi_squared' ? column.score < column.threshold : column.score > column.threshold;
  if (distribution) parts.push(describeScore(column));
  if (column.missing?.drifted) {
    parts.push(`missing values ${pct(column.missing.reference)} → ${pct(column.missing.current)}`);
  }
  return {
    kind: distribution ? 'column_drift' : 'missing_values',
    subject: column.column,
    message: `column ${column.column} drifted: ${parts.join('; ')}`,
  };
}

function describeScore(column: { method: string; score: number; threshold: number }): string {
  if (column.method === 'chi_squared') {
    return `chi-squared p = ${column.score.toPrecision(3)} < ${column.threshold}`;
  }
  const name = column.method === 'psi' ? 'PSI' : 'Jensen-Shannon';
  return `${name} ${column.score.toFixed(3)} > ${column.threshold}`;
}

function noVerdict(
  check: { status: 'not_enough_data'; rows: number; min_rows: number } | { status: 'unavailable'; reason: string },
): string {
  return check.status === 'not_enough_data'
    ? `not enough data (${check.rows} rows, at least ${check.min_rows} needed)`
    : check.reason;
}

function fmt(value: number | null): string {
  return value === null ? 'undefined' : value.toFixed(4);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
