/**
 * Drift between a reference profile (the training data) and current data (a new batch, a window of live rows), after
 * Evidently's column drift tests: this file buckets a table or a profile the reference's way; the statistics and the
 * report are src/drift/report.ts (PSI for numbers, Jensen-Shannon for categories, chi-squared for small samples).
 */
import type { CategoricalColumn, NumericColumn, Table } from '../data/types.ts';
import { binCount, binIndex } from '../drift/buckets.ts';
import {
  buildReport,
  categoricalReference,
  type Distributions,
  type DriftColumnOptions,
  numericReference,
} from '../drift/report.ts';
import type { CategoricalColumnProfile, DataProfile, DriftReport, NumericColumnProfile } from './types.ts';

export {
  computeDriftFromCounts,
  type DriftColumnOptions,
  jensenShannonDistance,
  PSI_EPSILON,
  populationStabilityIndex,
} from '../drift/report.ts';

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
