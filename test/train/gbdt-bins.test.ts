import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { Random } from '../../src/lib/random.ts';
import {
  binEnds,
  binRows,
  FLOAT32_MAX,
  fitBins,
  float32Between,
  orderCategories,
  sortFloat32,
} from '../../src/train/gbdt/bin-mapper.ts';
import { categoricalColumn, numericColumn, tableOf } from './gbdt-data.ts';

const allRows = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('numeric bins', () => {
  test('sortFloat32 sorts like a numeric sort, negatives and zeros included', () => {
    const random = new Random(3);
    const values = Float32Array.from({ length: 5000 }, () => (random.next() - 0.5) * 10 ** random.int(6));
    values.set([0, -0, -1e-40, 1e-40, -3.4e38, 3.4e38], 0);
    // -0 sorts before 0 in the radix sort and ties with it in a comparison sort: compare as +0.
    const expected = Array.from(values, (v) => v + 0).sort((a, b) => a - b);
    expect(Array.from(sortFloat32(values), (v) => v + 0)).toEqual(expected);
  });

  test('float32Between is a float32 threshold between two neighbouring float32 values', () => {
    const pairs: [number, number][] = [
      [1, 2],
      [Math.fround(0.1), Math.fround(0.2)],
      [-5, -4.5],
      [1, 1 + 2 ** -23], // adjacent float32 values: the midpoint would round up to b
    ];
    for (const [a, b] of pairs) {
      const t = float32Between(a, b);
      expect(Math.fround(t)).toBe(t);
      expect(t).toBeGreaterThanOrEqual(a);
      expect(t).toBeLessThan(b);
    }
    expect(float32Between(1, 1 + 2 ** -23)).toBe(1);
  });

  test('binEnds: one bin per distinct value when they fit, at most maxBins otherwise, heavy values alone', () => {
    expect(binEnds([3, 1, 4], 5)).toEqual([0, 1, 2]);
    const counts = Array.from({ length: 1000 }, () => 1);
    counts[500] = 5000;
    const ends = binEnds(counts, 10);
    expect(ends.length).toBeLessThanOrEqual(10);
    expect(ends[ends.length - 1]).toBe(999);
    // The heavy value ends a bin and the bin before it ends just before it: it sits alone.
    expect(ends).toContain(500);
    expect(ends).toContain(499);
  });

  test('thresholds are ascending float32 values; bins follow x <= threshold; NaN goes to the missing bin', () => {
    const random = new Random(5);
    const values = Array.from({ length: 3000 }, () => (random.next() < 0.05 ? Number.NaN : random.next() * 100 - 50));
    const table = tableOf([numericColumn('x', values)]);
    const [bins] = fitBins({
      table,
      features: [{ name: 'x', type: 'numeric' }],
      rows: allRows(3000),
      target: new Float64Array(3000),
      categoryOrder: 'mean_target',
      maxBins: 32,
      seed: 1,
    });
    expect(bins!.valueBins).toBe(32);
    const t = bins!.thresholds;
    expect(t[t.length - 1]).toBe(FLOAT32_MAX);
    for (let b = 0; b < t.length; b++) {
      expect(Math.fround(t[b]!)).toBe(t[b]);
      if (b > 0) expect(t[b]).toBeGreaterThan(t[b - 1]!);
    }
    // Probe values, including ones not seen in training, against the definition.
    const probes = [...values, -1e30, 1e30, ...Array.from(t.subarray(0, -1)), -0, 0];
    const probeTable = tableOf([numericColumn('x', probes)]);
    const binned = binRows(probeTable, [bins!], allRows(probes.length));
    probes.forEach((value, i) => {
      const x = Math.fround(value);
      const expected = Number.isNaN(x) ? bins!.valueBins : Array.from(t).findIndex((threshold) => x <= threshold);
      expect(binned[i]).toBe(expected);
    });
  });

  test('few distinct values get one bin each, split between neighbours', () => {
    const table = tableOf([numericColumn('x', [1, 2, 2, 3, 3, 3, Number.NaN])]);
    const [bins] = fitBins({
      table,
      features: [{ name: 'x', type: 'numeric' }],
      rows: allRows(7),
      target: new Float64Array(7),
      categoryOrder: 'mean_target',
      maxBins: 255,
      seed: 1,
    });
    expect(Array.from(bins!.thresholds)).toEqual([1.5, 2.5, FLOAT32_MAX]);
    expect(Array.from(binRows(table, [bins!], allRows(7)))).toEqual([0, 1, 1, 2, 2, 2, 3]);
  });

  test('infinite values are rejected with the feature and row', () => {
    const table = tableOf([numericColumn('x', [1, Number.POSITIVE_INFINITY])]);
    const [bins] = fitBins({
      table,
      features: [{ name: 'x', type: 'numeric' }],
      rows: allRows(2),
      target: new Float64Array(2),
      categoryOrder: 'mean_target',
      maxBins: 255,
      seed: 1,
    });
    expect(() => binRows(table, [bins!], allRows(2))).toThrow(DataError);
    expect(() => binRows(table, [bins!], allRows(2))).toThrow(/"x", row 2/);
  });
});

describe('categorical bins', () => {
  test('orderCategories: smoothed mean target ascending, or frequency descending; ties by name', () => {
    const dictionary = ['rare-high', 'common-high', 'low', 'mid', 'unused'];
    const counts = Float64Array.from([1, 100, 50, 50, 0]);
    const sums = Float64Array.from([1, 90, 5, 25, 0]);
    const byMean = orderCategories(dictionary, counts.slice(), sums.slice(), 'mean_target').map((c) => c.name);
    // rare-high (1 of 1) is pulled towards the prior (121/201) by the smoothing: below common-high (0.9).
    expect(byMean).toEqual(['low', 'mid', 'rare-high', 'common-high']);
    const byCount = orderCategories(dictionary, counts.slice(), sums.slice(), 'frequency').map((c) => c.name);
    expect(byCount).toEqual(['common-high', 'low', 'mid', 'rare-high']);
  });

  test('codes are bins; unseen and missing categories go to the missing bin; many categories are merged', () => {
    const names = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const values = Array.from({ length: 400 }, (_, i) => names[i % 40]!);
    const target = Float64Array.from(values, (_, i) => (i % 40) / 40);
    const table = tableOf([categoricalColumn('cat', values)]);
    const [bins] = fitBins({
      table,
      features: [{ name: 'cat', type: 'categorical' }],
      rows: allRows(400),
      target,
      categoryOrder: 'mean_target',
      maxBins: 8,
      seed: 1,
    });
    expect(bins!.categories).toEqual(names); // mean target rises with the index
    expect(bins!.valueBins).toBe(8);
    // Thresholds are the last code of each bin: contiguous code ranges.
    expect(Array.from(bins!.thresholds)).toEqual([4, 9, 14, 19, 24, 29, 34, 39]);
    const probe = tableOf([categoricalColumn('cat', ['c00', 'c05', 'c39', 'new', null])]);
    expect(Array.from(binRows(probe, [bins!], allRows(5)))).toEqual([0, 1, 7, 8, 8]);
  });
});
