/**
 * Drift between a reference profile (the training data) and current data (a new batch, live traffic), after
 * Evidently's column drift tests:
 * - numeric columns: Population Stability Index of the current values binned on the reference's quantile edges,
 *   plus a bin for missing values: PSI = Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) over bin shares rᵢ, cᵢ. A share of 0 is replaced by
 *   PSI_EPSILON (as Evidently does), so a bin that is empty on one side adds a large but finite term.
 * - categorical columns: Jensen-Shannon distance (base 2, square root of the divergence, so in [0, 1]) between the
 *   shares of the reference's `top` categories, an "other" bucket (every other category) and a missing bucket.
 *   Evidently uses the natural logarithm (range [0, 0.833]); base 2 gives 1.2× its values.
 * A column drifts when its score is above its threshold; the data set drifts when the share of drifted columns is
 * at least `dataset_share`. Datetime columns are not compared.
 * Options for live data (the monitor): below `small_sample.rows` current rows both kinds are tested with
 * chi-squared on the same buckets (chi-squared.ts; drift when p < `small_sample.p_value`), and
 * `missing_rate_change` flags a column whose share of missing values moved by more than that.
 */
import type { CategoricalColumn, NumericColumn, Table } from '../data/types.ts';
import { chiSquaredTest } from './chi-squared.ts';
import { binCount, binIndex } from './profile.ts';
import type {
  CategoricalColumnProfile,
  ColumnDrift,
  DataProfile,
  DriftOptions,
  DriftReport,
  NumericColumnProfile,
} from './types.ts';

/** Share used in place of 0 in PSI (Evidently's value). */
export const PSI_EPSILON = 1e-4;

export interface DriftColumnOptions extends DriftOptions {
  /** Compare only these columns (default: every numeric and categorical column of the reference). */
  readonly columns?: readonly string[];
}

/** Counts over the same buckets on both sides, or why the column cannot be compared. */
type Distributions = { reference: number[]; current: number[] } | { reason: string };

/**
 * Drift of a table against a reference profile. Numeric values are binned on the reference's histogram edges
 * (outer bins open-ended); categories outside the reference's `top` list count as "other".
 */
export function computeDrift(reference: DataProfile, current: Table, options: DriftColumnOptions): DriftReport {
  const byName = new Map(current.columns.map((column) => [column.name, column]));
  return buildReport(reference, options, (ref) => {
    const column = byName.get(ref.name);
    if (!column) return { reason: 'not in the current data' };
    if (column.type !== ref.type)
      return { reason: `is ${column.type} in the current data, ${ref.type} in the reference` };
    if (current.rowCount === 0) return { reason: 'the current data has no rows' };
    if (ref.type === 'numeric') return numericFromTable(ref, column as NumericColumn, current.rowCount);
    return categoricalFromTable(ref as CategoricalColumnProfile, column as CategoricalColumn, current.rowCount);
  });
}

/**
 * Drift between two profiles, exact where the profiles allow it:
 * - numeric: only when the current histogram uses the reference's edges, i.e. the current profile was made with
 *   `computeProfile(table, { reference })`. Two profiles binned on their own quantiles cannot give PSI exactly (the
 *   current values are not known within the reference's bins), so such columns are skipped with that reason.
 * - categorical: only when the current profile's `top` list settles every reference category — it holds all of
 *   them (always so with `computeProfile(table, { reference })`), or it is not truncated (other_count 0).
 *   Otherwise a reference category may hide in the current "other" count and the column is skipped.
 */
export function computeDriftFromProfiles(
  reference: DataProfile,
  current: DataProfile,
  options: DriftColumnOptions,
): DriftReport {
  const byName = new Map(current.columns.map((column) => [column.name, column]));
  return buildReport(reference, options, (ref) => {
    const column = byName.get(ref.name);
    if (!column) return { reason: 'not in the current profile' };
    if (column.type !== ref.type)
      return { reason: `is ${column.type} in the current data, ${ref.type} in the reference` };
    if (current.row_count === 0) return { reason: 'the current data has no rows' };
    if (ref.type === 'numeric') return numericFromProfiles(ref, column as NumericColumnProfile);
    return categoricalFromProfiles(ref as CategoricalColumnProfile, column as CategoricalColumnProfile);
  });
}

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

/** Bucket counts of `column` of `table` on the reference's buckets (see computeDriftFromCounts). */
export function bucketCounts(ref: NumericColumnProfile | CategoricalColumnProfile, table: Table): number[] | undefined {
  const column = table.columns.find((c) => c.name === ref.name);
  if (!column || column.type !== ref.type) return undefined;
  const distributions =
    ref.type === 'numeric'
      ? numericFromTable(ref, column as NumericColumn, table.rowCount)
      : categoricalFromTable(ref as CategoricalColumnProfile, column as CategoricalColumn, table.rowCount);
  return 'reason' in distributions ? undefined : distributions.current;
}

function buildReport(
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
function numericReference(ref: NumericColumnProfile): number[] {
  return [...ref.histogram.counts, ref.histogram.missing];
}

function numericFromTable(ref: NumericColumnProfile, column: NumericColumn, rowCount: number): Distributions {
  const edges = ref.histogram.edges;
  const current = new Array<number>(binCount(edges) + 1).fill(0);
  const missingBucket = current.length - 1;
  for (let i = 0; i < rowCount; i++) {
    const v = column.values[i];
    // Same rule as the profile: non-finite values are missing.
    current[Number.isFinite(v) ? binIndex(edges, v) : missingBucket]++;
  }
  return { reference: numericReference(ref), current };
}

function numericFromProfiles(ref: NumericColumnProfile, cur: NumericColumnProfile): Distributions {
  const a = ref.histogram.edges;
  const b = cur.histogram.edges;
  if (a.length !== b.length || a.some((edge, i) => edge !== b[i])) {
    return {
      reason:
        'histogram edges differ from the reference (profile the current data with computeProfile(table, { reference }) for PSI)',
    };
  }
  return { reference: numericReference(ref), current: [...cur.histogram.counts, cur.histogram.missing] };
}

/** Reference buckets: top categories, other, missing. */
function categoricalReference(ref: CategoricalColumnProfile): number[] {
  return [...ref.top.map((entry) => entry.count), ref.other_count, ref.missing];
}

function categoricalFromTable(
  ref: CategoricalColumnProfile,
  column: CategoricalColumn,
  rowCount: number,
): Distributions {
  const bucketOf = new Map(ref.top.map((entry, index) => [entry.value, index]));
  const other = ref.top.length;
  const missing = other + 1;
  const codeBucket = Int32Array.from(column.categories, (category) => bucketOf.get(category) ?? other);
  const current = new Array<number>(ref.top.length + 2).fill(0);
  for (let i = 0; i < rowCount; i++) {
    const code = column.codes[i];
    current[code < 0 ? missing : codeBucket[code]]++;
  }
  return { reference: categoricalReference(ref), current };
}

function categoricalFromProfiles(ref: CategoricalColumnProfile, cur: CategoricalColumnProfile): Distributions {
  const currentCounts = new Map(cur.top.map((entry) => [entry.value, entry.count]));
  const settled = cur.other_count === 0 || ref.top.every((entry) => currentCounts.has(entry.value));
  if (!settled) {
    return {
      reason: `the current profile's top ${cur.top.length} categories do not include every reference category, so their counts are unknown`,
    };
  }
  const referenceValues = new Set(ref.top.map((entry) => entry.value));
  let other = cur.other_count;
  for (const entry of cur.top) if (!referenceValues.has(entry.value)) other += entry.count;
  const current = [...ref.top.map((entry) => currentCounts.get(entry.value) ?? 0), other, cur.missing];
  return { reference: categoricalReference(ref), current };
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
