import { describe, expect, test } from 'vitest';
import { BIN_STRIDE } from '../../src/train/gbdt/histogram.ts';
import { findBestSplit, leafOutput, leafScore, SplitInfo, type SplitParams } from '../../src/train/gbdt/split.ts';

const params: SplitParams = { l1: 0, l2: 1, minSamplesLeaf: 1, minHessianLeaf: 0, minSplitGain: 0 };

/** One feature's histogram from [gradient, hessian, count] per bin (the last entry is the missing bin). */
function histogram(bins: [number, number, number][]): { hist: Float64Array; totals: [number, number, number] } {
  const hist = new Float64Array(bins.length * BIN_STRIDE);
  const totals: [number, number, number] = [0, 0, 0];
  bins.forEach((bin, b) => {
    for (let k = 0; k < 3; k++) {
      hist[b * BIN_STRIDE + k] = bin[k]!;
      totals[k] += bin[k]!;
    }
  });
  return { hist, totals };
}

function best(bins: [number, number, number][], overrides: Partial<SplitParams> = {}): SplitInfo {
  const { hist, totals } = histogram(bins);
  const out = new SplitInfo();
  findBestSplit(
    hist,
    0,
    Int32Array.of(0),
    1,
    Int32Array.of(0),
    Int32Array.of(bins.length - 1),
    totals[0],
    totals[1],
    totals[2],
    { ...params, ...overrides },
    out,
  );
  return out;
}

describe('split math', () => {
  test('leaf output -T(G)/(H + λ) with L1 soft thresholding', () => {
    expect(leafOutput(-6, 2, params)).toBe(2);
    expect(leafOutput(-6, 2, { ...params, l1: 2 })).toBeCloseTo(4 / 3, 12);
    expect(leafOutput(1.5, 2, { ...params, l1: 2 })).toBe(0);
    expect(leafScore(-6, 2, 0, 1)).toBe(12);
  });

  test('finds the threshold between gradients of opposite sign, with the exact gain', () => {
    // Bins 0-1 want positive outputs (negative gradients), bins 2-3 negative; no missing values.
    const split = best([
      [-4, 2, 2],
      [-4, 2, 2],
      [3, 2, 2],
      [5, 2, 2],
      [0, 0, 0],
    ]);
    expect(split.feature).toBe(0);
    expect(split.bin).toBe(1);
    const expected = 0.5 * (64 / 5 + 64 / 5 - 0 / 9);
    expect(split.gain).toBeCloseTo(expected, 12);
    expect([split.leftGradient, split.leftHessian, split.leftCount]).toEqual([-8, 4, 4]);
    expect([split.rightGradient, split.rightHessian, split.rightCount]).toEqual([8, 4, 4]);
    // No missing values in training: they follow the larger child (a tie: left).
    expect(split.missingLeft).toBe(true);
  });

  test('learns where missing values go, and can split missing from present values', () => {
    const missingLikeLow = best([
      [-4, 2, 2],
      [4, 2, 2],
      [-4, 2, 2], // missing bin: behaves like bin 0
    ]);
    expect(missingLikeLow.bin).toBe(0);
    expect(missingLikeLow.missingLeft).toBe(true);
    const missingAlone = best([
      [1, 2, 2],
      [1, 2, 2],
      [-6, 2, 2], // only the missing rows differ
    ]);
    expect(missingAlone.bin).toBe(1);
    expect(missingAlone.missingLeft).toBe(false);
    expect(missingAlone.rightCount).toBe(2);
  });

  test('min_samples_leaf, min_hessian_leaf and min_split_gain veto splits', () => {
    const bins: [number, number, number][] = [
      [-4, 1, 1],
      [1, 3, 3],
      [1, 3, 3],
      [0, 0, 0],
    ];
    expect(best(bins).bin).toBe(0);
    expect(best(bins, { minSamplesLeaf: 2 }).bin).toBe(1);
    expect(best(bins, { minHessianLeaf: 2 }).bin).toBe(1);
    expect(best(bins, { minSplitGain: 100 }).feature).toBe(-1);
  });
});
