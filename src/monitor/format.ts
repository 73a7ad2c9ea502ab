/** The monitor report for people: a table per column, prediction drift, feedback against the card, the decision. */
import type { FeedbackQuality, InputDrift, MonitorReport, PredictionDrift } from './types.ts';

export function formatMonitorReport(report: MonitorReport): string {
  const lines: string[] = [];
  lines.push(`Model ${report.model.name} v${report.model.version} (${report.model.ref})`);
  const w = report.window;
  if (w) {
    const skipped = w.lines
      ? `; lines: ${w.lines.read} read, ${w.lines.malformed} malformed, ${w.lines.truncated} truncated, ${w.lines.other_model} of other models`
      : '';
    lines.push(`Window: ${w.rows} rows (of ${w.rows_read} read) from ${w.files.length} ${w.kind} file(s)${skipped}`);
  }
  lines.push('', ...inputDriftLines(report.input_drift));
  lines.push('', predictionDriftLine(report.prediction_drift));
  lines.push('', ...feedbackLines(report.feedback));
  lines.push('', `Decision: ${report.retrain ? 'RETRAIN' : 'no retrain'} (severity ${report.severity})`);
  for (const reason of report.decision.reasons) lines.push(`  ${reason.retrain ? '-' : '·'} ${reason.message}`);
  for (const note of report.decision.notes) lines.push(`  note: ${note}`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}

export function inputDriftLines(drift: InputDrift): string[] {
  if (drift.status !== 'ok') return [`Input drift: ${noVerdict(drift)}`];
  const test = drift.test === 'chi_squared' ? 'chi-squared p-values (small window)' : 'PSI / Jensen-Shannon';
  const lines = [
    `Input drift (${test}, ${drift.rows} rows): ${drift.drifted_columns} of ${drift.columns.length} columns drifted; data set drift: ${drift.dataset_drift ? 'yes' : 'no'} (at ${Math.round(drift.dataset_share * 100)}% of columns)`,
  ];
  const width = Math.max(6, ...drift.columns.map((c) => c.column.length));
  lines.push(
    `  ${'column'.padEnd(width)}  ${'statistic'.padEnd(14)}  ${'value'.padStart(9)}  ${'threshold'.padStart(9)}  ${'missing'.padStart(15)}  verdict`,
  );
  for (const c of drift.columns) {
    const missing = c.missing ? `${pct(c.missing.reference)} → ${pct(c.missing.current)}` : '';
    const statistic = c.method === 'chi_squared' ? 'chi2 p-value' : c.method === 'psi' ? 'PSI' : 'Jensen-Shannon';
    lines.push(
      `  ${c.column.padEnd(width)}  ${statistic.padEnd(14)}  ${num(c.score).padStart(9)}  ${String(c.threshold).padStart(9)}  ${missing.padStart(15)}  ${c.drifted ? 'DRIFT' : 'ok'}`,
    );
  }
  for (const s of drift.skipped) lines.push(`  not compared: ${s.column} (${s.reason})`);
  return lines;
}

export function predictionDriftLine(drift: PredictionDrift): string {
  if (drift.status !== 'ok') return `Prediction drift: ${noVerdict(drift)}`;
  const statistic =
    drift.method === 'chi_squared' ? 'chi-squared p-value' : drift.method === 'psi' ? 'PSI' : 'Jensen-Shannon';
  return `Prediction drift (${drift.rows} rows): ${statistic} ${num(drift.score)}, threshold ${drift.threshold}: ${drift.drifted ? 'DRIFT' : 'ok'}`;
}

export function feedbackLines(feedback: FeedbackQuality): string[] {
  if (feedback.status !== 'ok') return [`Quality on feedback: ${noVerdict(feedback)}`];
  const direction = feedback.higher_is_better ? 'higher is better' : 'lower is better';
  const lines = [
    `Quality on feedback (${feedback.rows} rows${feedback.joined_by_request_id ? ', joined by request id' : ''}): ${feedback.metric} ${num(feedback.feedback)} vs holdout ${num(feedback.holdout)} (tolerance ${feedback.tolerance}, ${direction}): ${feedback.degraded ? 'DEGRADED' : 'ok'}`,
  ];
  if (feedback.skipped.missing_target + feedback.skipped.unmatched_request > 0) {
    lines.push(
      `  skipped: ${feedback.skipped.missing_target} without a target, ${feedback.skipped.unmatched_request} without a logged request`,
    );
  }
  for (const s of feedback.slices) {
    lines.push(
      `  slice ${s.column}=${s.value ?? '(missing)'} (${s.rows} rows): ${num(s.feedback)} vs ${num(s.holdout)}${s.degraded ? '  DEGRADED' : ''}`,
    );
  }
  return lines;
}

function noVerdict(
  check: { status: 'not_enough_data'; rows: number; min_rows: number } | { status: 'unavailable'; reason: string },
): string {
  return check.status === 'not_enough_data'
    ? `not enough data (${check.rows} rows; at least ${check.min_rows} needed for a verdict)`
    : `not available (${check.reason})`;
}

function num(value: number | null): string {
  if (value === null) return 'n/a';
  return Math.abs(value) > 0 && Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toFixed(4);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
