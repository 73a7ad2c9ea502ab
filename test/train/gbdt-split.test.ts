import { describe, expect, test } from 'vitest';
import { BIN_STRIDE } from '../../src/train/gbdt/histogram.ts';
import {
  type CategoricalSplitParams,
  findBestSplit,
  leafOutput,
  leafScore,
  SplitInfo,
  type SplitParams,
} from '../../src/train/gbdt/split.ts';

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

const catParams: CategoricalSplitParams = { catSmooth: 0, catL2: 0, maxCatThreshold: 64, minDataPerGroup: 1 };

function best(
  bins: [number, number, number][],
  overrides: Partial<SplitParams> = {},
  categorical?: Partial<CategoricalSplitParams>,
): SplitInfo {
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
    categorical ? { features: Uint8Array.of(1), params: { ...catParams, ...categorical } } : undefined,
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

describe('categorical set splits', () => {
  // Categories 0 and 2 want positive outputs, 1 and 3 negative: no threshold on the codes separates them.
  const alternating: [number, number, number][] = [
    [-4, 2, 2],
    [4, 2, 2],
    [-4, 2, 2],
    [4, 2, 2],
    [0, 0, 0],
  ];

  test('partitions interleaved categories that no threshold separates, with the exact gain', () => {
    const threshold = best(alternating);
    const set = best(alternating, {}, {});
    expect(set.categorical).toBe(true);
    const left = set.leftBinList();
    expect([
      [0, 2],
      [1, 3],
    ]).toContainEqual(left);
    // Both sides |G| = 8, H = 4 with λ = 1; the parent's G is 0.
    expect(set.gain).toBeCloseTo(0.5 * (64 / 5 + 64 / 5), 12);
    expect(set.gain).toBeGreaterThan(threshold.gain * 2);
    // The mask partition uses holds the left bins, plus the missing bin (4) only when missing goes left.
    const mask = set.leftMask(4, new Int32Array(8));
    expect(mask[0]).toBe(left.reduce((m, b) => m | (1 << b), 0) | (set.missingLeft ? 1 << 4 : 0));
  });

  test('cat_l2 lowers the gain of set splits; cat_smooth orders small bins towards the middle', () => {
    const plain = best(alternating, {}, {});
    const regularised = best(alternating, {}, { catL2: 3 });
    // Children scored with λ + cat_l2 = 4: 2 × 64/8 / 2.
    expect(regularised.gain).toBeCloseTo(0.5 * (64 / 8 + 64 / 8), 12);
    expect(regularised.gain).toBeLessThan(plain.gain);
    // Bin 1 has the most extreme mean gradient on one row. Unsmoothed it heads the order and is the only
    // one-bin candidate on that side; smoothed, the well-supported bin 0 leads and gives the better split.
    const bins: [number, number, number][] = [
      [-10, 10, 10],
      [-3, 1, 1],
      [0, 10, 10],
      [-2, 10, 10],
      [1, 10, 10],
      [0, 0, 0],
    ];
    const raw = best(bins, {}, { maxCatThreshold: 1 });
    const smoothed = best(bins, {}, { maxCatThreshold: 1, catSmooth: 10 });
    expect(raw.leftBinList()).toEqual([1]);
    expect(smoothed.leftBinList()).toEqual([0]);
    expect(smoothed.gain).toBeGreaterThan(raw.gain);
  });

  test('min_data_per_group keeps rare bins on the right; max_cat_threshold caps the listed side', () => {
    const bins: [number, number, number][] = [
      [-6, 3, 3],
      [-1, 1, 1], // rare
      [6, 3, 3],
      [-6, 3, 3],
      [6, 3, 3],
      [0, 0, 0],
    ];
    const all = best(bins, {}, {});
    expect(all.leftBinList()).toEqual(expect.arrayContaining([0, 3]));
    const rareRight = best(bins, {}, { minDataPerGroup: 2 });
    expect(rareRight.leftBinList().includes(1)).toBe(false);
    expect(rareRight.leftCount + rareRight.rightCount).toBe(13);
    const capped = best(bins, {}, { maxCatThreshold: 1 });
    expect(capped.leftBinList()).toHaveLength(1);
  });

  test('missing values take the side whose gradients they share', () => {
    const split = best(
      [
        [-4, 2, 2],
        [4, 2, 2],
        [-4, 2, 2],
        [4, 2, 2],
        [-4, 2, 2], // missing: like bins 0 and 2
      ],
      {},
      {},
    );
    const left = split.leftBinList();
    expect(split.missingLeft).toBe(left.includes(0));
    expect(split.gain).toBeCloseTo(0.5 * (144 / 7 + 64 / 5 - 16 / 11), 12);
  });
});
