/** Numeric values to histogram bins: the one rule the training profile, data drift and the live window share. */

/** Number of bins a histogram with these edges has (see `histogramSchema`). */
export function binCount(edges: readonly number[]): number {
  return Math.max(1, edges.length - 1);
}

/**
 * Bin of `value` on `edges`: the number of interior edges (edges[1 .. k-2]) at or below it, so the outer bins are
 * open-ended and a value equal to an interior edge belongs to the bin above it.
 */
export function binIndex(edges: readonly number[], value: number): number {
  let lo = 1;
  let hi = edges.length - 1; // interior edges are edges[1 .. length-2]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
