/**
 * Value → bin, after LightGBM's BinMapper. Every feature gets at most `max_bins` value bins plus one
 * bin for missing values (NaN, a missing category, or a category not seen in training), so a bin index
 * fits a byte and histograms have a fixed size.
 *
 * A bin is described by its threshold: the float32-representable value t such that a value goes to
 * bin b or below exactly when `x <= thresholds[b]`. The trees store these thresholds, so training on
 * bins and predicting on raw values (x = Math.fround(value)) take the same path for every x.
 */

import type { CategoricalColumn, Table } from '../../data/types.ts';
import { DataError } from '../../errors.ts';
import { Random } from '../../lib/random.ts';
import { categoryInput, findColumn } from '../../model/inputs.ts';
import type { FeatureSpec } from '../../model/types.ts';

/** Largest finite float32: the threshold of a numeric feature's last bin, so every finite value is at or below it. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Rows sampled to place numeric bin edges on large data (LightGBM's bin_construct_sample_cnt). */
export const BIN_SAMPLE_ROWS = 200_000;

/**
 * Prior weight (in rows) that pulls a category's mean target towards the overall mean before
 * categories are ordered, so a category seen twice does not land at an extreme of the order.
 */
export const CATEGORY_SMOOTHING = 10;

/** How the target orders categories: by mean target (binary, regression) or by frequency (multiclass). */
export type CategoryOrder = 'mean_target' | 'frequency';

export interface FeatureBins {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  /** Number of value bins (≥ 1); bin index `valueBins` is the missing bin. */
  readonly valueBins: number;
  /**
   * Per value bin b, the split threshold after it: x is in bin ≤ b exactly when x <= thresholds[b].
   * Numeric: float32 midpoints between neighbouring training values, FLOAT32_MAX for the last bin.
   * Categorical: the largest ordinal code in the bin.
   */
  readonly thresholds: Float64Array;
  /** Categorical: categories in ordinal code order (code = index); empty for numeric features. */
  readonly categories: readonly string[];
}

export interface FitBinsOptions {
  readonly table: Table;
  readonly features: readonly FeatureSpec[];
  /** Training rows (table row indices) the bins are fitted on. */
  readonly rows: Uint32Array;
  /** Target per table row: class index (classification) or value (regression). */
  readonly target: Float64Array;
  readonly categoryOrder: CategoryOrder;
  readonly maxBins: number;
  readonly seed: number;
}

/**
 * A numeric feature's raw values (float64, NaN missing). Bins are computed on Math.fround of them,
 * as numericInput gives, without copying whole columns.
 */
export function numericValues(table: Table, name: string): Float64Array {
  const column = findColumn(table, name);
  if (column.type !== 'numeric') {
    throw new DataError(`feature "${name}" is declared numeric but its column is ${column.type}`);
  }
  return column.values;
}

/**
 * Fits bins for every feature on the training rows. Numeric: quantile-like edges on float32 values
 * (from a seeded sample of BIN_SAMPLE_ROWS rows on large data); each distinct value gets its own bin
 * when there are at most `maxBins` of them. Categorical: categories seen in training, ordered (see
 * `orderCategories`), one bin each, neighbouring rare ones merged when there are more than `maxBins`.
 */
export function fitBins(options: FitBinsOptions): FeatureBins[] {
  const { table, features, rows, maxBins } = options;
  if (maxBins < 1 || maxBins > 255) throw new Error(`maxBins must be in [1, 255], got ${maxBins}`);
  const sample = binSample(rows, options.seed);
  // One set of buffers for every numeric feature: fresh ones per feature cost more (page faults, GC)
  // than the sorting itself.
  const scratch = numericFitScratch(sample.length);
  return features.map((feature) => {
    if (feature.type === 'numeric') {
      const thresholds = numericThresholds(numericValues(table, feature.name), sample, maxBins, scratch);
      return numericFeatureBins(feature.name, thresholds);
    }
    return categoricalBins(options, feature.name);
  });
}

/** The rows numeric bin edges are placed on: a seeded sample of BIN_SAMPLE_ROWS training rows on large data. */
export function binSample(rows: Uint32Array, seed: number): Uint32Array {
  return sampleRows(rows, BIN_SAMPLE_ROWS, seed);
}

/** A numeric feature's bins from its thresholds (numericThresholds). */
export function numericFeatureBins(name: string, thresholds: Float64Array): FeatureBins {
  return { name, type: 'numeric', valueBins: thresholds.length, thresholds, categories: [] };
}

/** Buffers of numericThresholds for samples of up to `size` rows. */
export interface NumericFitScratch extends SortScratch {
  readonly distinct: Float64Array;
  readonly counts: Float64Array;
}

export function numericFitScratch(size: number): NumericFitScratch {
  return { ...sortScratch(size), distinct: new Float64Array(size), counts: new Float64Array(size) };
}

/**
 * A numeric feature's bin thresholds, fitted on its values at the `sample` rows: float32 midpoints
 * between neighbouring distinct values, FLOAT32_MAX for the last bin (a single bin when every sampled
 * value is missing). A helper of the worker threads too (see executor.ts): arguments and helpers only.
 */
export function numericThresholds(
  values: Float64Array | Float32Array,
  sample: Uint32Array,
  maxBins: number,
  scratch: NumericFitScratch,
): Float64Array {
  // FLOAT32_MAX, written out: the worker threads' copy of this function sees no module constants.
  const float32Max = 3.4028234663852886e38;
  const { distinct, counts } = scratch;
  const present = scratch.values;
  let count = 0;
  for (let i = 0; i < sample.length; i++) {
    const x = values[sample[i]!]!;
    // Float32Array stores round like Math.fround.
    if (!Number.isNaN(x)) present[count++] = x;
  }
  const sorted = sortFloat32(present.subarray(0, count), scratch);
  let distinctCount = 0;
  for (let i = 0; i < count; i++) {
    const x = sorted[i]!;
    // -0 and 0 compare equal, so they share a bin as they share every comparison.
    if (distinctCount > 0 && distinct[distinctCount - 1] === x) counts[distinctCount - 1]! += 1;
    else {
      distinct[distinctCount] = x;
      counts[distinctCount++] = 1;
    }
  }
  if (distinctCount === 0) return Float64Array.of(float32Max);
  const ends = binEnds(counts.subarray(0, distinctCount), maxBins);
  const thresholds = new Float64Array(ends.length);
  for (let b = 0; b < ends.length; b++) {
    thresholds[b] = b === ends.length - 1 ? float32Max : float32Between(distinct[ends[b]!]!, distinct[ends[b]! + 1]!);
  }
  return thresholds;
}

/** Order-preserving map of float32 bits to uint32 (negative values flipped, positive ones offset). */
export function sortableKey(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits ^ 0x80000000) >>> 0;
}

/** Inverse of sortableKey. */
export function keyBits(key: number): number {
  return (key & 0x80000000 ? key ^ 0x80000000 : ~key) >>> 0;
}

/** Buffers of sortFloat32 for up to `size` values. */
export interface SortScratch {
  readonly values: Float32Array;
  readonly keys: Uint32Array;
  readonly spare: Uint32Array;
  readonly offsets: Uint32Array;
}

export function sortScratch(size: number): SortScratch {
  return {
    values: new Float32Array(size),
    keys: new Uint32Array(size),
    spare: new Uint32Array(size),
    offsets: new Uint32Array(65536),
  };
}

/**
 * Sorts float32 values (no NaN) ascending in place, by a two-pass radix sort of their sortable bit
 * patterns: several times faster than TypedArray.prototype.sort, which boxes every element in V8.
 */
export function sortFloat32(values: Float32Array, scratch: SortScratch = sortScratch(values.length)): Float32Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let keys = scratch.keys;
  let spare = scratch.spare;
  const offsets = scratch.offsets;
  for (let i = 0; i < n; i++) keys[i] = sortableKey(bits[i]!);
  for (let shift = 0; shift < 32; shift += 16) {
    offsets.fill(0);
    for (let i = 0; i < n; i++) offsets[(keys[i]! >>> shift) & 0xffff]! += 1;
    let sum = 0;
    for (let k = 0; k < 65536; k++) {
      const c = offsets[k]!;
      offsets[k] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      spare[offsets[(key >>> shift) & 0xffff]!++] = key;
    }
    [keys, spare] = [spare, keys];
  }
  for (let i = 0; i < n; i++) bits[i] = keyBits(keys[i]!);
  return values;
}

/**
 * Bin lookup for one numeric feature: a table over the top 16 bits of the sortable key gives the bin
 * of the smallest float32 in each key range; a short forward scan finishes. About 3x faster than a
 * binary search over 255 thresholds (whose branches the CPU cannot predict).
 */
export function numericBinLookup(thresholds: Float64Array): Uint8Array {
  const table = new Uint8Array(65536);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const last = thresholds.length - 1;
  let bin = 0;
  for (let k = 0; k < 65536; k++) {
    u32[0] = keyBits(k << 16);
    const x = f32[0]!;
    // Keys below -Infinity and above +Infinity are NaN patterns; they keep the neighbouring bin.
    if (!Number.isNaN(x)) while (bin < last && !(x <= thresholds[bin]!)) bin += 1;
    table[k] = bin;
  }
  return table;
}

/**
 * A float32 t with a <= t < b for float32 a < b: the midpoint rounded to float32, or a itself when the
 * rounding lands on b (neighbouring float32 values). Midpoints generalise better to unseen values.
 */
export function float32Between(a: number, b: number): number {
  const mid = Math.fround(a + (b - a) / 2);
  return mid >= a && mid < b ? mid : a;
}

/**
 * Groups sorted distinct values (with their row counts) into at most `maxBins` bins of about equal
 * row counts; a value with more rows than its share gets a bin of its own. Returns, per bin, the index
 * of its last distinct value.
 */
export function binEnds(counts: ArrayLike<number>, maxBins: number): number[] {
  const n = counts.length;
  if (n <= maxBins) return Array.from({ length: n }, (_, i) => i);
  let remaining = 0;
  for (let i = 0; i < n; i++) remaining += counts[i]!;
  const ends: number[] = [];
  let binsLeft = maxBins;
  let accumulated = 0;
  for (let i = 0; i < n - 1; i++) {
    accumulated += counts[i]!;
    if (binsLeft === 1) break;
    const share = remaining / binsLeft;
    // Close the bin when it holds its share, when the next value deserves a bin of its own, or when
    // the values left fit one per remaining bin.
    if (accumulated >= share || counts[i + 1]! >= share || n - 1 - i <= binsLeft - 1) {
      ends.push(i);
      remaining -= accumulated;
      accumulated = 0;
      binsLeft -= 1;
    }
  }
  ends.push(n - 1);
  return ends;
}

/** A categorical feature's column; a DataError when the table's column is not categorical. */
export function categoricalValues(table: Table, name: string): CategoricalColumn {
  const column = findColumn(table, name);
  if (column.type !== 'categorical') {
    throw new DataError(`feature "${name}" is declared categorical but its column is ${column.type}`);
  }
  return column;
}

/** Fits a categorical feature's bins (see fitBins). */
export function categoricalBins(options: FitBinsOptions, name: string): FeatureBins {
  const { table, rows, target, maxBins } = options;
  const column = categoricalValues(table, name);
  const dictionary = column.categories;
  const counts = new Float64Array(dictionary.length);
  const sums = new Float64Array(dictionary.length);
  const codes = column.codes;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const code = codes[row]!;
    if (code < 0) continue;
    counts[code]! += 1;
    sums[code]! += target[row]!;
  }
  const categories = orderCategories(dictionary, counts, sums, options.categoryOrder);
  if (categories.length >= 2 ** 24) {
    throw new DataError(`feature "${name}" has ${categories.length} categories; at most 2^24 - 1 are supported`);
  }
  if (categories.length === 0) {
    return { name, type: 'categorical', valueBins: 1, thresholds: Float64Array.of(0), categories: [] };
  }
  const ordered = categories.map((c) => counts[c.code]!);
  const ends = binEnds(ordered, maxBins);
  return {
    name,
    type: 'categorical',
    valueBins: ends.length,
    thresholds: Float64Array.from(ends),
    categories: categories.map((c) => c.name),
  };
}

/**
 * The ordinal code order of a categorical feature's categories (those seen in training).
 *
 * With `categorical_splits: ordinal` trees split categories by code (`code <= threshold`), so the order
 * decides which groups of categories a split can separate; with partition splits (the default) each
 * node sorts the categories itself, and the order only decides which rare categories share a bin when
 * there are more than max_bins. For a binary or regression target, sorting by mean target makes the best
 * two-group partition of the categories (for squared error and for two classes) one of the threshold
 * splits (Fisher 1958; Breiman et al., CART §9.4): the order finds it without trying 2^k subsets. The
 * mean is smoothed towards the overall mean by CATEGORY_SMOOTHING rows so rare categories do not sit at
 * the extremes on noise. A multiclass target has no single order that serves every class (and all
 * class trees share one code list, as the exported graph does), so categories are ordered by frequency:
 * target-free, stable, and frequent categories keep bins of their own when rare ones must be merged.
 * Ties fall back to the category name, so the order is deterministic.
 */
export function orderCategories(
  dictionary: readonly string[],
  counts: Float64Array,
  sums: Float64Array,
  order: CategoryOrder,
): { name: string; code: number }[] {
  let totalCount = 0;
  let totalSum = 0;
  const seen: { name: string; code: number; key: number }[] = [];
  for (let code = 0; code < dictionary.length; code++) {
    totalCount += counts[code]!;
    totalSum += sums[code]!;
  }
  const prior = totalCount > 0 ? totalSum / totalCount : 0;
  const firstCode = new Map<string, number>();
  for (let code = 0; code < dictionary.length; code++) {
    if (counts[code]! === 0) continue;
    const name = dictionary[code]!;
    // A dictionary should not repeat a string; if it does, the first entry takes the rows of both.
    const existing = firstCode.get(name);
    if (existing !== undefined) {
      const entry = seen.find((s) => s.code === existing)!;
      counts[existing]! += counts[code]!;
      sums[existing]! += sums[code]!;
      entry.key = sortKey(counts[existing]!, sums[existing]!, prior, order);
      continue;
    }
    firstCode.set(name, code);
    seen.push({ name, code, key: sortKey(counts[code]!, sums[code]!, prior, order) });
  }
  seen.sort((a, b) => a.key - b.key || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return seen.map(({ name, code }) => ({ name, code }));
}

function sortKey(count: number, sum: number, prior: number, order: CategoryOrder): number {
  if (order === 'frequency') return -count;
  return (sum + prior * CATEGORY_SMOOTHING) / (count + CATEGORY_SMOOTHING);
}

/**
 * Bins of `rows` (table row indices), column-major: feature f of the i-th listed row at f * rows.length + i.
 * `out` may be a view on shared memory. Infinite numeric values are rejected (their bin is ambiguous).
 */
export function binRows(table: Table, bins: readonly FeatureBins[], rows: Uint32Array, out?: Uint8Array): Uint8Array {
  const n = rows.length;
  const matrix = out ?? new Uint8Array(bins.length * n);
  if (matrix.length < bins.length * n) throw new Error('binRows: output buffer too small');
  bins.forEach((feature, f) => {
    const column = matrix.subarray(f * n, (f + 1) * n);
    if (feature.type === 'numeric') {
      const values = numericValues(table, feature.name);
      const infinite = binNumericColumn(values, rows, feature.thresholds, column);
      if (infinite >= 0) throw infiniteValueError(feature.name, rows[infinite]!);
    } else {
      binCategoricalColumn(table, feature, rows, column);
    }
  });
  return matrix;
}

/** Bins of a categorical feature's values at `rows` into `column` (same length); unseen and missing categories go to the missing bin. */
export function binCategoricalColumn(table: Table, feature: FeatureBins, rows: Uint32Array, column: Uint8Array): void {
  const codes = categoryInput(table, feature.name, feature.categories);
  const codeBin = categoryBins(feature);
  const missing = feature.valueBins;
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]!]!;
    column[i] = code < 0 ? missing : codeBin[code]!;
  }
}

/** The error for an infinite numeric value (its bin would be ambiguous); `row` is the table row index. */
export function infiniteValueError(feature: string, row: number): DataError {
  return new DataError(`feature "${feature}", row ${row + 1}: infinite value; expected a finite number`);
}

/**
 * Bins of a numeric feature's values at `rows` into `column` (same length), by its thresholds; NaN
 * goes to the missing bin. Returns the position in `rows` of the first infinite value (then stops),
 * or -1. A helper of the worker threads too (see executor.ts): arguments and helpers only.
 */
export function binNumericColumn(
  values: Float64Array | Float32Array,
  rows: Uint32Array,
  thresholds: Float64Array,
  column: Uint8Array,
): number {
  const lookup = numericBinLookup(thresholds);
  const missing = thresholds.length;
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < rows.length; i++) {
    const x = Math.fround(values[rows[i]!]!);
    if (Number.isNaN(x)) {
      column[i] = missing;
      continue;
    }
    if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) return i;
    f32[0] = x;
    // First bin whose threshold is >= x; the last threshold holds every finite float32.
    let bin = lookup[sortableKey(u32[0]!) >>> 16]!;
    while (!(x <= thresholds[bin]!)) bin += 1;
    column[i] = bin;
  }
  return -1;
}

/** Bin of each ordinal code of a categorical feature. */
function categoryBins(feature: FeatureBins): Uint8Array {
  const codeBin = new Uint8Array(feature.categories.length);
  let bin = 0;
  for (let code = 0; code < codeBin.length; code++) {
    while (code > feature.thresholds[bin]!) bin += 1;
    codeBin[code] = bin;
  }
  return codeBin;
}

/** Up to `limit` of `rows`, chosen with a seeded partial shuffle, in their original order. */
function sampleRows(rows: Uint32Array, limit: number, seed: number): Uint32Array {
  if (rows.length <= limit) return rows;
  const order = new Uint32Array(rows.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const random = new Random(seed);
  for (let i = 0; i < limit; i++) {
    const j = i + random.int(order.length - i);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  // Keep the chosen positions in order (a mark pass instead of a sort).
  const chosen = new Uint8Array(rows.length);
  for (let i = 0; i < limit; i++) chosen[order[i]!] = 1;
  const sample = new Uint32Array(limit);
  let count = 0;
  for (let i = 0; i < rows.length; i++) if (chosen[i] === 1) sample[count++] = rows[i]!;
  return sample;
}

/** Numeric features a worker thread bins: fit on the sample, then bin the training and validation rows. */
export interface NumericBinningJob {
  /**
   * Features by index in the feature list, with their raw values (every table row); float32 values
   * bin the same as the float64 ones they round (binning works on Math.fround of them).
   */
  readonly features: readonly { readonly index: number; readonly values: Float64Array | Float32Array }[];
  readonly sample: Uint32Array;
  readonly trainRows: Uint32Array;
  readonly validRows: Uint32Array;
  readonly maxBins: number;
  /** Column-major outputs (shared memory): feature `index` at index × rows. */
  readonly bins: Uint8Array;
  readonly validBins: Uint8Array;
  /**
   * Shared claim flags by feature index: a feature is binned only by the thread that sets its flag
   * from 0 to 1 (so two threads can offer to bin the same features; see binFeatures).
   */
  readonly claims?: Int32Array;
}

/** Per feature of a NumericBinningJob that this thread binned: its thresholds, and where a first infinite value sits (-1: none). */
export interface NumericBinningResult {
  readonly index: number;
  readonly thresholds: Float64Array;
  /** Position in trainRows / validRows of the first infinite value, or -1. */
  readonly infiniteTrain: number;
  readonly infiniteValid: number;
}

/**
 * Runs a NumericBinningJob: the same numericThresholds and binNumericColumn as fitBins and binRows, so
 * which thread bins a feature changes nothing. A helper of the worker threads (see executor.ts).
 */
export function binNumericFeatures(job: NumericBinningJob): NumericBinningResult[] {
  const scratch = numericFitScratch(job.sample.length);
  const train = job.trainRows.length;
  const valid = job.validRows.length;
  const results: NumericBinningResult[] = [];
  for (const { index, values } of job.features) {
    if (job.claims && Atomics.compareExchange(job.claims, index, 0, 1) !== 0) continue;
    const thresholds = numericThresholds(values, job.sample, job.maxBins, scratch);
    const column = job.bins.subarray(index * train, (index + 1) * train);
    const infiniteTrain = binNumericColumn(values, job.trainRows, thresholds, column);
    const validColumn = job.validBins.subarray(index * valid, (index + 1) * valid);
    const infiniteValid = infiniteTrain >= 0 ? -1 : binNumericColumn(values, job.validRows, thresholds, validColumn);
    results.push({ index, thresholds, infiniteTrain, infiniteValid });
  }
  return results;
}
