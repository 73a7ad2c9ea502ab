/**
 * Drift statistics on bucket counts, shared by data validation (src/validate/drift.ts, which buckets tables and
 * profiles), the monitor (src/monitor) and the server's live window — one implementation, in a folder of its own so
 * the serving image carries it without the data-validation code. Every column is a count per bucket of the
 * reference profile: numeric, the histogram bins then missing; categorical, the `top` categories, "other" (any
 * category outside `top`, unseen ones included), then missing.
 * - numeric columns: Population Stability Index, PSI = Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) over bucket shares rᵢ, cᵢ; a share of
 *   0 is replaced by PSI_EPSILON (as Evidently does), so a bucket empty on one side adds a large but finite term.
 * - categorical columns: Jensen-Shannon distance (base 2, square root of the divergence, so in [0, 1]). Evidently
 *   uses the natural logarithm (range [0, 0.833]); base 2 gives 1.2× its values.
 * - small samples (below `small_sample.rows` current rows): chi-squared p-values on the same buckets
 *   (chi-squared.ts; drift when p < `small_sample.p_value`).
 * - `missing_rate_change`: a column also drifts when its share of missing values moved by more than that.
 * The data set drifts when the share of drifted columns is at least `dataset_share`. Datetime columns are not compared.
 */
import type {
  CategoricalColumnProfile,
  ColumnDrift,
  DataProfile,
  DriftOptions,
  DriftReport,
  NumericColumnProfile,
} from '../validate/types.ts';
import { chiSquaredTest } from './chi-squared.ts';

/** Share used in place of 0 in PSI (Evidently's value). */
export const PSI_EPSILON = 1e-4;

export interface DriftColumnOptions extends DriftOptions {
  /** Compare only these columns (default: every numeric and categorical column of the reference). */
  readonly columns?: readonly string[];
}

/** Counts over the same buckets on both sides, or why the column cannot be compared. */
export type Distributions = { reference: number[]; current: number[] } | { reason: string };

/**
 * Drift from counts already bucketed the reference's way (a rolling window that keeps them): for each column,
 * numeric: one count per reference histogram bin then missing; categorical: one per `top` category, other, missing.
 */
export function computeDriftFromCounts(
  reference: DataProfile,
  counts: ReadonlyMap<string, readonly number[]>,
  options: DriftColumnOptions,
): DriftReport {
  return buildReport(reference, options, (ref) => {
    const current = counts.get(ref.name);
    if (!current) return { reason: 'not in the current data' };
    const expected =
      ref.type === 'numeric' ? numericReference(ref) : categoricalReference(ref as CategoricalColumnProfile);
    if (current.length !== expected.length) {
      return { reason: `${current.length} buckets, the reference has ${expected.length}` };
    }
    if (sum(current) === 0) return { reason: 'the current data has no rows' };
    return { reference: expected, current: [...current] };
  });
}

export function buildReport(
  reference: DataProfile,
  options: DriftColumnOptions,
  distributionsOf: (column: NumericColumnProfile | CategoricalColumnProfile) => Distributions,
): DriftReport {
  const wanted = options.columns ? new Set(options.columns) : null;
  const columns: ColumnDrift[] = [];
  const skipped: DriftReport['skipped'] = [];
  for (const ref of reference.columns) {
    if (wanted && !wanted.has(ref.name)) continue;
    if (ref.type === 'datetime') continue;
    if (ref.count + ref.missing === 0) {
      skipped.push({ column: ref.name, reason: 'the reference has no rows' });
      continue;
    }
    const distributions = distributionsOf(ref);
    if ('reason' in distributions) {
      skipped.push({ column: ref.name, reason: distributions.reason });
      continue;
    }
    columns.push(columnDrift(ref.name, ref.type === 'numeric', distributions, options));
  }
  const drifted = columns.filter((column) => column.drifted).length;
  const share = columns.length === 0 ? 0 : drifted / columns.length;
  return {
    columns,
    skipped,
    drifted_columns: drifted,
    share,
    dataset_share: options.dataset_share,
    dataset_drift: columns.length > 0 && share >= options.dataset_share,
  };
}

/** One column's verdict from its bucket counts (the last bucket holds the missing values on both sides). */
function columnDrift(
  column: string,
  numeric: boolean,
  { reference, current }: { reference: number[]; current: number[] },
  options: DriftColumnOptions,
): ColumnDrift {
  const rows = sum(current);
  let drift: ColumnDrift;
  if (options.small_sample && rows < options.small_sample.rows) {
    const test = chiSquaredTest(reference, current);
    const threshold = options.small_sample.p_value;
    drift = { column, method: 'chi_squared', score: test.p_value, threshold, drifted: test.p_value < threshold };
  } else {
    const score = numeric ? populationStabilityIndex(reference, current) : jensenShannonDistance(reference, current);
    const threshold = numeric ? options.psi_threshold : options.js_threshold;
    drift = { column, method: numeric ? 'psi' : 'jensen_shannon', score, threshold, drifted: score > threshold };
  }
  if (options.missing_rate_change === undefined) return drift;
  const last = reference.length - 1;
  const missing = {
    reference: reference[last] / sum(reference),
    current: current[last] / rows,
    threshold: options.missing_rate_change,
    drifted: false,
  };
  missing.drifted = Math.abs(missing.current - missing.reference) > missing.threshold;
  return { ...drift, drifted: drift.drifted || missing.drifted, missing };
}

/** Reference buckets: histogram bins then missing. */
export function numericReference(ref: NumericColumnProfile): number[] {
  return [...ref.histogram.counts, ref.histogram.missing];
}

/** Reference buckets: top categories, other, missing. */
export function categoricalReference(ref: CategoricalColumnProfile): number[] {
  return [...ref.top.map((entry) => entry.count), ref.other_count, ref.missing];
}

/**
 * PSI between two count vectors over the same buckets: Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) on shares, 0 replaced by
 * PSI_EPSILON. Both vectors must have a positive total.
 */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  const referenceTotal = sum(reference);
  const currentTotal = sum(current);
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] / referenceTotal || PSI_EPSILON;
    const c = current[i] / currentTotal || PSI_EPSILON;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** Jensen-Shannon distance (base 2) between two count vectors over the same buckets: in [0, 1]. */
export function jensenShannonDistance(reference: readonly number[], current: readonly number[]): number {
  const referenceTotal = sum(reference);
  const currentTotal = sum(current);
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] / referenceTotal;
    const q = current[i] / currentTotal;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  // Rounding can leave the divergence a hair outside [0, 1].
  return Math.sqrt(Math.min(1, Math.max(0, divergence)));
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
