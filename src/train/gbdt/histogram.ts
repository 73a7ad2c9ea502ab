/**
 * Gradient/hessian histograms: per feature and bin, the sums of the gradients, of the hessians, and the
 * row count of the rows of one tree node. Split finding reads only these sums.
 *
 * Layout: one histogram is `totalBins` bins (every feature's value bins + its missing bin, features
 * one after another at `featureOffsets[f]`), BIN_STRIDE doubles per bin: [gradient, hessian, count].
 * Histograms live side by side in one Float64Array "arena" (shared with the worker threads).
 *
 * The kernels below are self-contained (no imports, no closures, no nested functions): worker threads
 * run them from their source text (see histogram-builder.ts), and the main thread runs the very same
 * functions, so a histogram does not depend on which thread summed it.
 */

/** Doubles per histogram bin: sum of gradients, sum of hessians, row count. */
export const BIN_STRIDE = 3;

/**
 * Sums rows[begin, end) into the histogram starting at `histBase` (a double index into `hist`), for the
 * first `featureCount` features listed in `features` (the other features' bins are left untouched).
 * The listed features' bins are zeroed first. Rows are visited in order, so the sums are deterministic.
 *
 * `bins` is column-major (feature f of row r at f * rowCount + r); `gradHess` holds [g, h] pairs per row
 * starting at `gradOffset`; `scratch` (≥ 2 × (end - begin) doubles) receives the node's gradients in row
 * order so the per-feature loops read them sequentially (LightGBM's "ordered gradients").
 */
export function accumulateHistogram(
  bins: Uint8Array,
  rowCount: number,
  gradHess: Float64Array,
  gradOffset: number,
  rows: Uint32Array,
  begin: number,
  end: number,
  features: Int32Array,
  featureCount: number,
  featureOffsets: Int32Array,
  featureBinCounts: Int32Array,
  hist: Float64Array,
  histBase: number,
  scratch: Float64Array,
): void {
  const size = end - begin;
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const start = histBase + featureOffsets[f]! * 3;
    hist.fill(0, start, start + featureBinCounts[f]! * 3);
  }
  for (let i = 0; i < size; i++) {
    const at = gradOffset + rows[begin + i]! * 2;
    scratch[2 * i] = gradHess[at]!;
    scratch[2 * i + 1] = gradHess[at + 1]!;
  }
  // Two features per pass over the rows: the row index and gradients are loaded once for both.
  let j = 0;
  for (; j + 1 < featureCount; j += 2) {
    const colA = features[j]! * rowCount;
    const colB = features[j + 1]! * rowCount;
    const baseA = histBase + featureOffsets[features[j]!]! * 3;
    const baseB = histBase + featureOffsets[features[j + 1]!]! * 3;
    for (let i = 0; i < size; i++) {
      const row = rows[begin + i]!;
      const g = scratch[2 * i]!;
      const h = scratch[2 * i + 1]!;
      const a = baseA + bins[colA + row]! * 3;
      hist[a] += g;
      hist[a + 1] += h;
      hist[a + 2] += 1;
      const b = baseB + bins[colB + row]! * 3;
      hist[b] += g;
      hist[b + 1] += h;
      hist[b + 2] += 1;
    }
  }
  for (; j < featureCount; j++) {
    const col = features[j]! * rowCount;
    const base = histBase + featureOffsets[features[j]!]! * 3;
    for (let i = 0; i < size; i++) {
      const a = base + bins[col + rows[begin + i]!]! * 3;
      hist[a] += scratch[2 * i]!;
      hist[a + 1] += scratch[2 * i + 1]!;
      hist[a + 2] += 1;
    }
  }
}

/**
 * Adds `partialCount` partial histograms (at partialBase, partialBase + histDoubles, ...) into the
 * histogram at `targetBase`, for one feature, in partial order: a fixed summation order whatever the
 * number of threads.
 */
export function mergeHistograms(
  hist: Float64Array,
  targetBase: number,
  partialBase: number,
  partialCount: number,
  histDoubles: number,
  feature: number,
  featureOffsets: Int32Array,
  featureBinCounts: Int32Array,
): void {
  const start = featureOffsets[feature]! * 3;
  const length = featureBinCounts[feature]! * 3;
  for (let p = 0; p < partialCount; p++) {
    const from = partialBase + p * histDoubles + start;
    const to = targetBase + start;
    for (let k = 0; k < length; k++) hist[to + k] += hist[from + k]!;
  }
}

/** hist[parent] -= hist[child] for the listed features: the sibling's histogram (LightGBM's subtraction trick). */
export function subtractHistogram(
  hist: Float64Array,
  parentBase: number,
  childBase: number,
  features: Int32Array,
  featureCount: number,
  featureOffsets: Int32Array,
  featureBinCounts: Int32Array,
): void {
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const start = featureOffsets[f]! * 3;
    const end = start + featureBinCounts[f]! * 3;
    for (let k = start; k < end; k++) hist[parentBase + k] -= hist[childBase + k]!;
  }
}
