/**
 * Statistics of a table (TFX StatisticsGen): a compact, deterministic profile. The model card stores it and the
 * monitor compares live traffic with it (PSI on the numeric histograms, Jensen-Shannon on the category counts).
 */
import type { CategoricalColumn, Column, DatetimeColumn, NumericColumn, Table } from '../data/types.ts';
import { binCount, binIndex } from '../drift/buckets.ts';
import { InputError } from '../errors.ts';
import {
  type CategoricalColumnProfile,
  type ColumnProfile,
  type DataProfile,
  type DatetimeColumnProfile,
  type Histogram,
  type NumericColumnProfile,
  PROFILE_VERSION,
  QUANTILES,
} from './types.ts';

/** Default number of quantile bins (config `validation.data.drift.bins`). */
export const DEFAULT_BINS = 10;
/** Default length of a categorical column's `top` list (as TFX's `max_string_domain_size`). */
export const DEFAULT_MAX_CATEGORIES = 100;

export interface ProfileOptions {
  /** Quantile bins of numeric histograms (default 10); edges that coincide are merged. */
  readonly bins?: number;
  /** Longest `top` list of a categorical column (default 100); the rest is summed in `other_count`. */
  readonly maxCategories?: number;
  /**
   * Profile for comparison with this reference (live data against the training profile), so that
   * `computeDriftFromProfiles` is exact: numeric columns are binned on the reference's histogram edges instead of
   * their own quantiles, and categorical columns list every category of the reference's `top` as well as their own
   * most frequent ones (count 0 when it does not occur).
   */
  readonly reference?: DataProfile;
}

/**
 * Profile a table: row count, then per column (in table order) counts and missing values, and
 * numeric: min/max/mean/std (population), quantiles, zeros and a quantile-binned histogram;
 * categorical: distinct count and the most frequent categories (count desc, then value by code point);
 * datetime: min/max as ISO 8601.
 * Non-finite numbers (NaN, ±Infinity) count as missing: they have no place in a mean, a quantile or JSON.
 * Datetimes beyond the range of a Date count as missing too.
 * Same table and options → the same profile, byte for byte once serialised.
 */
export function computeProfile(table: Table, options: ProfileOptions = {}): DataProfile {
  const bins = options.bins ?? DEFAULT_BINS;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!Number.isInteger(bins) || bins < 1) throw new InputError(`profile: bins must be an integer >= 1, got ${bins}`);
  if (!Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new InputError(`profile: maxCategories must be an integer >= 1, got ${maxCategories}`);
  }
  const reference = new Map((options.reference?.columns ?? []).map((column) => [column.name, column]));
  return {
    profile_version: PROFILE_VERSION,
    row_count: table.rowCount,
    bins,
    max_categories: maxCategories,
    columns: table.columns.map((column) =>
      profileColumn(column, table.rowCount, bins, maxCategories, reference.get(column.name)),
    ),
  };
}

function profileColumn(
  column: Column,
  rowCount: number,
  bins: number,
  maxCategories: number,
  reference: ColumnProfile | undefined,
): ColumnProfile {
  switch (column.type) {
    case 'numeric':
      return profileNumeric(
        column,
        rowCount,
        bins,
        reference?.type === 'numeric' ? reference.histogram.edges : undefined,
      );
    case 'categorical': {
      const referenceCategories = reference?.type === 'categorical' ? reference.top.map((entry) => entry.value) : [];
      return profileCategorical(column, rowCount, maxCategories, referenceCategories);
    }
    case 'datetime':
      return profileDatetime(column, rowCount);
  }
}

function counts(name: string, present: number, rowCount: number) {
  const missing = rowCount - present;
  return { name, count: present, missing, missing_fraction: rowCount === 0 ? 0 : missing / rowCount };
}

function profileNumeric(
  column: NumericColumn,
  rowCount: number,
  bins: number,
  referenceEdges: readonly number[] | undefined,
): NumericColumnProfile {
  const sorted = finiteSorted(column.values, rowCount);
  const n = sorted.length;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += sorted[i];
    if (sorted[i] === 0) zeros++;
  }
  const mean = n > 0 ? sum / n : null;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean!) ** 2;
  const quantiles =
    n > 0
      ? {
          p01: quantileSorted(sorted, QUANTILES.p01),
          p05: quantileSorted(sorted, QUANTILES.p05),
          p25: quantileSorted(sorted, QUANTILES.p25),
          p50: quantileSorted(sorted, QUANTILES.p50),
          p75: quantileSorted(sorted, QUANTILES.p75),
          p95: quantileSorted(sorted, QUANTILES.p95),
          p99: quantileSorted(sorted, QUANTILES.p99),
        }
      : null;
  const edges = referenceEdges ? [...referenceEdges] : quantileEdges(sorted, bins);
  return {
    ...counts(column.name, n, rowCount),
    type: 'numeric',
    min: n > 0 ? sorted[0] : null,
    max: n > 0 ? sorted[n - 1] : null,
    mean,
    std: n > 0 ? Math.sqrt(squares / n) : null,
    zeros,
    quantiles,
    histogram: histogramOf(sorted, edges, rowCount - n),
  };
}

/** The column's finite values, ascending. */
function finiteSorted(values: Float64Array, rowCount: number): Float64Array {
  const out = new Float64Array(rowCount);
  let n = 0;
  for (let i = 0; i < rowCount; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** Quantile of ascending values by linear interpolation between order statistics (numpy's default, "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Edges at the 0, 1/bins, …, 1 quantiles, with repeated values merged (heavy ties give fewer bins). */
function quantileEdges(sorted: Float64Array, bins: number): number[] {
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const edge = quantileSorted(sorted, i / bins);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

function histogramOf(values: ArrayLike<number>, edges: readonly number[], missing: number): Histogram {
  const binCounts = new Array<number>(binCount(edges)).fill(0);
  for (let i = 0; i < values.length; i++) binCounts[binIndex(edges, values[i])]++;
  return { edges: [...edges], counts: binCounts, missing };
}

function profileCategorical(
  column: CategoricalColumn,
  rowCount: number,
  maxCategories: number,
  referenceCategories: readonly string[],
): CategoricalColumnProfile {
  const perCode = new Array<number>(column.categories.length).fill(0);
  let present = 0;
  for (let i = 0; i < rowCount; i++) {
    const code = column.codes[i];
    if (code >= 0) {
      perCode[code]++;
      present++;
    }
  }
  // Merge by text: a dictionary is not required to be free of repeats.
  const perValue = new Map<string, number>();
  perCode.forEach((n, code) => {
    if (n > 0) {
      const value = column.categories[code];
      perValue.set(value, (perValue.get(value) ?? 0) + n);
    }
  });
  const ranked = [...perValue].map(([value, n]) => ({ value, count: n })).sort(byCountThenValue);
  const top = ranked.slice(0, maxCategories);
  const listed = new Set(top.map((entry) => entry.value));
  for (const value of referenceCategories) {
    if (!listed.has(value)) top.push({ value, count: perValue.get(value) ?? 0 });
  }
  if (top.length > maxCategories) top.sort(byCountThenValue);
  let otherCount = present;
  for (const entry of top) otherCount -= entry.count;
  return {
    ...counts(column.name, present, rowCount),
    type: 'categorical',
    distinct: ranked.length,
    top,
    other_count: otherCount,
  };
}

/** Count descending, then value by UTF-16 code units (locale-independent, so the order is the same everywhere). */
export function byCountThenValue(a: { value: string; count: number }, b: { value: string; count: number }): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Largest |milliseconds| a JavaScript Date holds (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15;

function profileDatetime(column: DatetimeColumn, rowCount: number): DatetimeColumnProfile {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let present = 0;
  for (let i = 0; i < rowCount; i++) {
    const v = column.values[i];
    if (!(Math.abs(v) <= MAX_DATE_MS)) continue; // NaN (missing) or beyond what a Date can hold
    present++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    ...counts(column.name, present, rowCount),
    type: 'datetime',
    min: present > 0 ? new Date(min).toISOString() : null,
    max: present > 0 ? new Date(max).toISOString() : null,
  };
}

export { binCount, binIndex };
