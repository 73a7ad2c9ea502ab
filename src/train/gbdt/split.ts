/**
 * Split math on histograms: leaf output and split gain with L1/L2 regularisation, and the search for a
 * node's best split (feature, bin threshold, direction of missing values).
 *
 * With gradient sums G and hessian sums H of a node's rows, the second-order expansion of the loss
 * around the current scores gives, for a leaf adding w to each row's score,
 *   loss(w) ≈ G·w + ½·(H + λ)·w² + α·|w|,
 * minimised by w* = -T(G) / (H + λ), T(G) = sign(G)·max(|G| - α, 0) (soft thresholding by α = l1),
 * where it equals -½·T(G)² / (H + λ). A split's gain is the loss reduction
 *   gain = ½·[T(G_L)²/(H_L+λ) + T(G_R)²/(H_R+λ) - T(G)²/(H+λ)],
 * (XGBoost and LightGBM drop the ½; here `gain` is the loss reduction itself, and min_split_gain is
 * compared with it.)
 *
 * A categorical feature may instead be split by a set of its bins (categories): the node's bins are
 * sorted by G/(H + cat_smooth) and the best prefix of that order goes left (LightGBM's many-vs-many
 * split, XGBoost's partition split). For two classes or squared error the best two-group partition is
 * such a prefix of the order by mean gradient (Fisher 1958; CART §9.4), found in k steps, not 2^k.
 */
import { BIN_STRIDE } from './histogram.ts';
import type { ThreadScratch, TrainingMemory } from './memory.ts';

export interface SplitParams {
  /** L1 regularisation of leaf values (α). */
  readonly l1: number;
  /** L2 regularisation of leaf values (λ). */
  readonly l2: number;
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly minSplitGain: number;
}

/** Set splits of categorical features (LightGBM's names and meaning). */
export interface CategoricalSplitParams {
  /** Added to a bin's hessian sum in the sort key G/(H + catSmooth): damps noisy small categories. */
  readonly catSmooth: number;
  /** Extra L2 on both children of a set split. */
  readonly catL2: number;
  /** At most this many bins on the side listed first in the sort order. */
  readonly maxCatThreshold: number;
  /** Bins with fewer rows in the node stay on the right, with the other rare ones. */
  readonly minDataPerGroup: number;
}

/** Words of a bin mask: one bit per bin of a feature (≤ 256 bins with the missing one). */
export const MASK_WORDS = 8;

/** Gains at or below this are rounding noise, not a split that helps. */
const MIN_GAIN = 1e-12;

/** The best split found for a node; `feature` is -1 when no split is allowed. */
export class SplitInfo {
  gain = 0;
  feature = -1;
  /** Threshold split: rows in value bins ≤ bin go left. */
  bin = 0;
  /** Set split: bins going left are those set in `leftBins` (missing bin excluded: see missingLeft). */
  categorical = false;
  readonly leftBins = new Int32Array(MASK_WORDS);
  missingLeft = false;
  leftGradient = 0;
  leftHessian = 0;
  leftCount = 0;
  rightGradient = 0;
  rightHessian = 0;
  rightCount = 0;

  reset(): void {
    this.gain = 0;
    this.feature = -1;
    this.categorical = false;
  }

  /** Bins going left, as a mask over every bin of the feature with the missing one (`missingBin`). */
  leftMask(missingBin: number, out: Int32Array): Int32Array {
    if (this.categorical) out.set(this.leftBins);
    else {
      out.fill(0);
      for (let b = 0; b <= this.bin; b++) out[b >>> 5]! |= 1 << (b & 31);
    }
    if (this.missingLeft) out[missingBin >>> 5]! |= 1 << (missingBin & 31);
    return out;
  }

  /** Set split: the value bins going left, ascending (the model lists them as category codes). */
  leftBinList(): number[] {
    const bins: number[] = [];
    for (let b = 0; b < MASK_WORDS * 32; b++) if ((this.leftBins[b >>> 5]! >>> (b & 31)) & 1) bins.push(b);
    return bins;
  }
}

/** Soft thresholding of a gradient sum by l1 (a helper of the kernels too). */
export function thresholdL1(g: number, l1: number): number {
  if (l1 === 0) return g;
  if (g > l1) return g - l1;
  if (g < -l1) return g + l1;
  return 0;
}

/** Optimal leaf output -T(G)/(H + λ) of rows with gradient sum g and hessian sum h. */
export function leafOutput(g: number, h: number, params: SplitParams): number {
  const denominator = h + params.l2;
  const t = thresholdL1(g, params.l1);
  // t = 0 would give -0, which prints as 0 but is a different value.
  return denominator > 0 && t !== 0 ? -t / denominator : 0;
}

/** T(G)²/(H + λ): twice the loss reduction of a leaf with its optimal output over output 0. */
export function leafScore(g: number, h: number, l1: number, l2: number): number {
  const t = thresholdL1(g, l1);
  const denominator = h + l2;
  return denominator > 0 ? (t * t) / denominator : 0;
}

/**
 * Best split of a node whose histogram starts at `base` in `hist`, over the first `featureCount`
 * features of `features` (ascending), given the node's totals. For every threshold between two value
 * bins it tries missing values on the left and on the right (only one side when the node has no
 * missing values: then they follow the larger child). Ties keep the first candidate (lowest feature,
 * lowest threshold, missing right), so the result is deterministic. Writes into `out`.
 *
 * `scanned`: the threshold features' results of scanThresholds already computed (by splitSearchKernel
 * on every thread), feature j's at scanned.results[scanned.at + j·SPLIT_RESULT_STRIDE], each scanned
 * against the node's starting bound. The first candidate with the largest gain is the same whether
 * features are scanned one after another against the running best or each against the starting bound
 * and compared here in feature order, so both give the same split.
 */
export function findBestSplit(
  hist: Float64Array,
  base: number,
  features: Int32Array,
  featureCount: number,
  featureOffsets: Int32Array,
  valueBins: Int32Array,
  totalGradient: number,
  totalHessian: number,
  totalCount: number,
  params: SplitParams,
  out: SplitInfo,
  categorical?: { readonly features: Uint8Array; readonly params: CategoricalSplitParams },
  scanned?: { readonly results: Float64Array; readonly at: number },
): void {
  out.reset();
  const { l1, l2 } = params;
  const parentScore = leafScore(totalGradient, totalHessian, l1, l2);
  const node: NodeTotals = { gradient: totalGradient, hessian: totalHessian, count: totalCount, parentScore };
  let best = splitGainBound(params);
  if (totalCount < 2 * params.minSamplesLeaf) return;
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const offset = base + featureOffsets[f]! * BIN_STRIDE;
    const bins = valueBins[f]!;
    if (categorical?.features[f] === 1) {
      best = findSetSplit(hist, offset, f, bins, node, params, categorical.params, best, out);
      continue;
    }
    let results: Float64Array = scanScratch;
    let at = 0;
    if (scanned) {
      results = scanned.results;
      at = scanned.at + j * SPLIT_RESULT_STRIDE;
    } else {
      const { minSamplesLeaf, minHessianLeaf } = params;
      scanThresholds(
        hist,
        offset,
        bins,
        totalGradient,
        totalHessian,
        totalCount,
        parentScore,
        l1,
        l2,
        minSamplesLeaf,
        minHessianLeaf,
        best,
        results,
        at,
      );
    }
    if (results[at]! > best) {
      best = results[at]!;
      takeCandidate(results, at, out);
      out.feature = f;
      out.bin = results[at + 1]!;
      out.categorical = false;
    }
  }
}

/** The gain a split must beat: min_split_gain, and at least MIN_GAIN. */
export function splitGainBound(params: SplitParams): number {
  return Math.max(params.minSplitGain, MIN_GAIN);
}

/** Doubles of memory.splitTotals: five parameters, then four totals for each of two nodes. */
export const SPLIT_TOTALS = 13;

/** Doubles per feature of a scanThresholds result: gain, bin, missing left (0/1), then gL, hL, cL, gR, hR, cR. */
export const SPLIT_RESULT_STRIDE = 9;

const scanScratch = new Float64Array(SPLIT_RESULT_STRIDE);

/**
 * The best threshold split of one feature (histogram at `offset`, `bins` value bins then the missing
 * bin) whose gain beats `best`: writes it into results[at .. at + SPLIT_RESULT_STRIDE), or -Infinity as
 * its gain when no candidate beats `best`. Candidates in order: thresholds ascending, missing values
 * right then left (left only when the node has some; without any they follow the larger child); ties
 * keep the first. A helper of the kernels (workers get it by name, see executor.ts): arguments only.
 */
export function scanThresholds(
  hist: Float64Array,
  offset: number,
  bins: number,
  gradient: number,
  hessian: number,
  count: number,
  parentScore: number,
  l1: number,
  l2: number,
  minSamplesLeaf: number,
  minHessianLeaf: number,
  best: number,
  results: Float64Array,
  at: number,
): void {
  const missingAt = offset + bins * 3;
  const gMissing = hist[missingAt]!;
  const hMissing = hist[missingAt + 1]!;
  const cMissing = hist[missingAt + 2]!;
  results[at] = Number.NEGATIVE_INFINITY;
  let gLeft = 0;
  let hLeft = 0;
  let cLeft = 0;
  for (let t = 0; t < bins; t++) {
    const bin = offset + t * 3;
    const c = hist[bin + 2]!;
    if (c === 0) continue;
    gLeft += hist[bin]!;
    hLeft += hist[bin + 1]!;
    cLeft += c;
    best = scoreCandidate(
      gLeft,
      hLeft,
      cLeft,
      gMissing,
      hMissing,
      cMissing,
      gradient,
      hessian,
      count,
      parentScore,
      l1,
      l2,
      minSamplesLeaf,
      minHessianLeaf,
      best,
      t,
      results,
      at,
    );
  }
}

/**
 * Kernel: the split search of up to two nodes (the children of a split), features a[1]·task ..
 * a[1]·(task + 1) - 1 of memory.features; first, for those features, the subtraction that gives the
 * larger child's histogram (hist[a[2]] -= hist[a[3]], when a[2] >= 0). a = [featureCount,
 * featuresPerTask, subtractInto, subtractFrom, base0, base1] (histogram bases; -1 = no such node).
 * memory.splitTotals holds [l1, l2, minSamplesLeaf, minHessianLeaf, gain bound] then per node
 * [gradient, hessian, count, parentScore]; node c's result for feature j goes to memory.splitResults at
 * (c·featureCount + j)·SPLIT_RESULT_STRIDE. Features split by sets (memory.setSplit) are left to
 * findBestSplit.
 */
export function splitSearchKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const featureCount = a[0]!;
  const first = task * a[1]!;
  const last = Math.min(featureCount, first + a[1]!);
  const { hist, features, featureOffsets, featureBinCounts, missingBins, splitTotals, splitResults } = m;
  const into = a[2]!;
  const from = a[3]!;
  for (let j = first; j < last; j++) {
    const f = features[j]!;
    const start = featureOffsets[f]! * 3;
    if (into >= 0) {
      const at = hist.byteOffset + 8 * start;
      s.wasm.subtractFrom(at + 8 * into, at + 8 * from, featureBinCounts[f]! * 3);
    }
    if (m.setSplit[f] === 1) continue;
    for (let c = 0; c < 2; c++) {
      const base = a[4 + c]!;
      if (base < 0) continue;
      const node = 5 + 4 * c;
      scanThresholds(
        hist,
        base + start,
        missingBins[f]!,
        splitTotals[node]!,
        splitTotals[node + 1]!,
        splitTotals[node + 2]!,
        splitTotals[node + 3]!,
        splitTotals[0]!,
        splitTotals[1]!,
        splitTotals[2]!,
        splitTotals[3]!,
        splitTotals[4]!,
        splitResults,
        (c * featureCount + j) * 9,
      );
    }
  }
}

/**
 * Scores the candidate whose value bins going left sum to (gLeft, hLeft, cLeft), with missing values
 * (gMissing, hMissing, cMissing) on the right, then on the left (only when the node has some; without
 * any they follow the larger child). When a side beats `best` it writes [gain, bin, missing left,
 * gL, hL, cL, gR, hR, cR] into results[at ..] and returns that gain; otherwise returns `best`. A helper
 * of the kernels (workers get it by name, see executor.ts): arguments only.
 */
export function scoreCandidate(
  gLeft: number,
  hLeft: number,
  cLeft: number,
  gMissing: number,
  hMissing: number,
  cMissing: number,
  gradient: number,
  hessian: number,
  count: number,
  parentScore: number,
  l1: number,
  l2: number,
  minSamplesLeaf: number,
  minHessianLeaf: number,
  best: number,
  bin: number,
  results: Float64Array,
  at: number,
): number {
  for (let side = 0; side < 2; side++) {
    if (side === 1 && cMissing === 0) break;
    const gL = side === 0 ? gLeft : gLeft + gMissing;
    const hL = side === 0 ? hLeft : hLeft + hMissing;
    const cL = side === 0 ? cLeft : cLeft + cMissing;
    const cR = count - cL;
    if (cL < minSamplesLeaf || cR < minSamplesLeaf) continue;
    const hR = hessian - hL;
    if (hL < minHessianLeaf || hR < minHessianLeaf) continue;
    const gR = gradient - gL;
    const gain = 0.5 * (leafScore(gL, hL, l1, l2) + leafScore(gR, hR, l1, l2) - parentScore);
    if (gain > best) {
      best = gain;
      results[at] = gain;
      results[at + 1] = bin;
      results[at + 2] = (cMissing === 0 ? cL >= cR : side === 1) ? 1 : 0;
      results[at + 3] = gL;
      results[at + 4] = hL;
      results[at + 5] = cL;
      results[at + 6] = gR;
      results[at + 7] = hR;
      results[at + 8] = cR;
    }
  }
  return best;
}

/** Copies a scored candidate (results[at ..], see scoreCandidate) into `out`: gain, missing side, child sums. */
function takeCandidate(results: Float64Array, at: number, out: SplitInfo): void {
  out.gain = results[at]!;
  out.missingLeft = results[at + 2] === 1;
  out.leftGradient = results[at + 3]!;
  out.leftHessian = results[at + 4]!;
  out.leftCount = results[at + 5]!;
  out.rightGradient = results[at + 6]!;
  out.rightHessian = results[at + 7]!;
  out.rightCount = results[at + 8]!;
}

/** A node's totals as the split searches see them. */
interface NodeTotals {
  readonly gradient: number;
  readonly hessian: number;
  readonly count: number;
  /** leafScore of the whole node (with the plain l2). */
  readonly parentScore: number;
}

const sortedBins = new Int32Array(256);
const sortKeys = new Float64Array(256);

/**
 * The best set split of categorical feature `f` whose histogram starts at `offset`, if its gain beats
 * `best`; returns the new best gain. Bins with at least minDataPerGroup rows are sorted by
 * G/(H + catSmooth) (ties by bin, so the order is deterministic) and prefixes of up to maxCatThreshold
 * bins, taken from either end of the order, go left; rare bins stay right; missing values try both
 * sides as in threshold splits. Children are scored with l2 + catL2 against the parent's plain score.
 */
function findSetSplit(
  hist: Float64Array,
  offset: number,
  f: number,
  bins: number,
  node: NodeTotals,
  params: SplitParams,
  cat: CategoricalSplitParams,
  best: number,
  out: SplitInfo,
): number {
  let used = 0;
  for (let t = 0; t < bins; t++) {
    const at = offset + t * BIN_STRIDE;
    const c = hist[at + 2]!;
    if (c === 0 || c < cat.minDataPerGroup) continue;
    sortedBins[used] = t;
    // A zero denominator (saturated hessians, no smoothing) would make the key NaN and the order arbitrary.
    const denominator = hist[at + 1]! + cat.catSmooth;
    sortKeys[t] = denominator > 0 ? hist[at]! / denominator : 0;
    used += 1;
  }
  if (used === 0) return best;
  const order = sortedBins.subarray(0, used).sort((a, b) => sortKeys[a]! - sortKeys[b]! || a - b);
  const missingAt = offset + bins * BIN_STRIDE;
  // Each prefix leaves at least one used bin on the right (with one used bin: that bin against the rest).
  const maxLeft = Math.min(cat.maxCatThreshold, Math.max(1, (used + 1) >>> 1));
  const l2 = params.l2 + cat.catL2;
  let bestDirection = 0;
  let bestLength = 0;
  for (let direction = 0; direction < 2; direction++) {
    let gLeft = 0;
    let hLeft = 0;
    let cLeft = 0;
    for (let i = 0; i < maxLeft; i++) {
      const t = order[direction === 0 ? i : used - 1 - i]!;
      const at = offset + t * BIN_STRIDE;
      gLeft += hist[at]!;
      hLeft += hist[at + 1]!;
      cLeft += hist[at + 2]!;
      const gain = scoreCandidate(
        gLeft,
        hLeft,
        cLeft,
        hist[missingAt]!,
        hist[missingAt + 1]!,
        hist[missingAt + 2]!,
        node.gradient,
        node.hessian,
        node.count,
        node.parentScore,
        params.l1,
        l2,
        params.minSamplesLeaf,
        params.minHessianLeaf,
        best,
        0,
        scanScratch,
        0,
      );
      if (gain > best) {
        best = gain;
        takeCandidate(scanScratch, 0, out);
        bestDirection = direction;
        bestLength = i + 1;
        out.feature = f;
        out.categorical = true;
      }
    }
  }
  if (bestLength > 0) {
    out.leftBins.fill(0);
    for (let i = 0; i < bestLength; i++) {
      const t = order[bestDirection === 0 ? i : used - 1 - i]!;
      out.leftBins[t >>> 5]! |= 1 << (t & 31);
    }
  }
  return best;
}
