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
 */
import { BIN_STRIDE } from './histogram.ts';

export interface SplitParams {
  /** L1 regularisation of leaf values (α). */
  readonly l1: number;
  /** L2 regularisation of leaf values (λ). */
  readonly l2: number;
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly minSplitGain: number;
}

/** Gains at or below this are rounding noise, not a split that helps. */
const MIN_GAIN = 1e-12;

/** The best split found for a node; `feature` is -1 when no split is allowed. */
export class SplitInfo {
  gain = 0;
  feature = -1;
  /** Rows in value bins ≤ bin go left. */
  bin = 0;
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
  }
}

function thresholdL1(g: number, l1: number): number {
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
): void {
  out.reset();
  const { l1, l2, minSamplesLeaf, minHessianLeaf } = params;
  const parentScore = leafScore(totalGradient, totalHessian, l1, l2);
  let best = Math.max(params.minSplitGain, MIN_GAIN);
  if (totalCount < 2 * minSamplesLeaf) return;
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const offset = base + featureOffsets[f]! * BIN_STRIDE;
    const bins = valueBins[f]!;
    const missing = offset + bins * BIN_STRIDE;
    const gMissing = hist[missing]!;
    const hMissing = hist[missing + 1]!;
    const cMissing = hist[missing + 2]!;
    let gLeft = 0;
    let hLeft = 0;
    let cLeft = 0;
    for (let t = 0; t < bins; t++) {
      const at = offset + t * BIN_STRIDE;
      const c = hist[at + 2]!;
      if (c === 0) continue;
      gLeft += hist[at]!;
      hLeft += hist[at + 1]!;
      cLeft += c;
      for (let side = 0; side < 2; side++) {
        // side 0: missing values go right; side 1: they go left (only worth trying when there are some).
        if (side === 1 && cMissing === 0) break;
        const gL = side === 0 ? gLeft : gLeft + gMissing;
        const hL = side === 0 ? hLeft : hLeft + hMissing;
        const cL = side === 0 ? cLeft : cLeft + cMissing;
        const cR = totalCount - cL;
        if (cL < minSamplesLeaf || cR < minSamplesLeaf) continue;
        const hR = totalHessian - hL;
        if (hL < minHessianLeaf || hR < minHessianLeaf) continue;
        const gR = totalGradient - gL;
        const gain = 0.5 * (leafScore(gL, hL, l1, l2) + leafScore(gR, hR, l1, l2) - parentScore);
        if (gain > best) {
          best = gain;
          out.gain = gain;
          out.feature = f;
          out.bin = t;
          out.missingLeft = cMissing === 0 ? cL >= cR : side === 1;
          out.leftGradient = gL;
          out.leftHessian = hL;
          out.leftCount = cL;
          out.rightGradient = gR;
          out.rightHessian = hR;
          out.rightCount = cR;
        }
      }
    }
  }
}
