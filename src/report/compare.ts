/**
 * Candidate next to production: deltas and better/worse marks. Directions come from the one metrics table
 * (evaluate's METRICS, the table blessing uses).
 */
import type { MetricName } from '../config/schema.ts';
import { type EvaluationReport, METRICS, metricsFor } from '../evaluate/index.ts';
import type { MetricRow, SliceRow, Verdict } from './types.ts';

/**
 * Changes smaller than this are "same": half the last of the four decimals reports show, so a mark never
 * contradicts the delta printed beside it (float32 ONNX vs float64 TypeScript differ by ~1e-7).
 */
export const SAME_WITHIN = 5e-5;

/** Whether `candidate` is better than, worse than or the same as `production` on `metric`. */
export function verdictOf(metric: MetricName, candidate: number | null, production: number | null): Verdict {
  if (candidate === null || production === null) return null;
  const delta = candidate - production;
  if (Math.abs(delta) < SAME_WITHIN) return 'same';
  return delta > 0 === METRICS[metric].higherIsBetter ? 'better' : 'worse';
}

function row(metric: MetricName, primary: MetricName, candidate: number | null, production: number | null): MetricRow {
  return {
    metric,
    primary: metric === primary,
    higherIsBetter: METRICS[metric].higherIsBetter,
    candidate,
    production,
    delta: candidate !== null && production !== null ? candidate - production : null,
    verdict: verdictOf(metric, candidate, production),
  };
}

/** Every metric of the task, primary first; production values from `baseline` (same holdout rows) when given. */
export function compareMetrics(
  candidate: EvaluationReport['metrics'],
  baseline: EvaluationReport['metrics'] | null,
  task: 'classification' | 'regression',
  primary: MetricName,
): MetricRow[] {
  const names = [primary, ...metricsFor(task).filter((m) => m !== primary)];
  return names.map((m) => row(m, primary, candidate[m] ?? null, baseline?.[m] ?? null));
}

/** The primary metric per slice value, matched with production's slice of the same column and value. */
export function compareSlices(
  candidate: EvaluationReport,
  baseline: EvaluationReport | null,
  primary: MetricName,
): SliceRow[] {
  const rows: SliceRow[] = [];
  for (const slice of candidate.slices) {
    const baseSlice = baseline?.slices.find((s) => s.column === slice.column);
    for (const value of slice.values) {
      const base = baseSlice?.values.find((v) => v.value === value.value);
      const c = value.metrics[primary] ?? null;
      const p = base?.metrics[primary] ?? null;
      rows.push({
        column: slice.column,
        value: value.value,
        rows: value.rows,
        small: value.small,
        candidate: c,
        production: p,
        delta: c !== null && p !== null ? c - p : null,
        verdict: verdictOf(primary, c, p),
      });
    }
  }
  return rows;
}
