import { describe, expect, it } from 'vitest';
import {
  binIndex,
  computeProfile,
  type DataProfile,
  dataProfileSchema,
  type NumericColumnProfile,
} from '../../src/validate/index.ts';
import { bootstrap, penguins, syntheticTable, tableFrom } from './helpers.ts';

function column<T extends DataProfile['columns'][number]['type']>(profile: DataProfile, name: string, type: T) {
  const found = profile.columns.find((entry) => entry.name === name);
  if (found?.type !== type) throw new Error(`no ${type} column ${name}`);
  return found as Extract<DataProfile['columns'][number], { type: T }>;
}

describe('computeProfile', () => {
  // Expected values from numpy 2.4: mean, std (ddof=0), quantile (linear), histogram on the same edges.
  const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, null, 0];

  it('computes numeric statistics like numpy', () => {
    const profile = computeProfile(tableFrom({ v: values }), { bins: 4 });
    expect(profile.row_count).toBe(12);
    const v = column(profile, 'v', 'numeric');
    expect(v).toMatchObject({ count: 11, missing: 1, missing_fraction: 1 / 12, min: 0, max: 9, zeros: 1 });
    expect(v.mean).toBeCloseTo(3.5454545454545454, 12);
    expect(v.std).toBeCloseTo(2.4995867427031855, 12);
    const q = v.quantiles!;
    expect([q.p01, q.p05, q.p25, q.p50, q.p75, q.p95, q.p99].map((x) => Number(x.toFixed(10)))).toEqual([
      0.1, 0.5, 1.5, 3, 5, 7.5, 8.7,
    ]);
    expect(v.histogram).toEqual({ edges: [0, 1.5, 3, 5, 9], counts: [3, 1, 3, 4], missing: 1 });
  });

  it('merges coinciding quantile edges, so ties give fewer bins', () => {
    // numpy.quantile at 0, 0.1, …, 1: eight 0s, then 0.20000000000000018, 1.0999999999999996, 2.
    const skewed = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    const v = column(computeProfile(tableFrom({ v: skewed }), { bins: 10 }), 'v', 'numeric');
    expect(v.histogram.edges).toEqual([0, 0.20000000000000018, 1.0999999999999996, 2]);
    expect(v.histogram.counts).toEqual([8, 1, 1]);
    const constant = column(computeProfile(tableFrom({ v: [7, 7, 7] })), 'v', 'numeric');
    expect(constant.histogram).toEqual({ edges: [7], counts: [3], missing: 0 });
  });

  it('bins with open outer bins: values beyond the edges land in the first or last bin', () => {
    const edges = [0, 1.5, 3, 5, 9];
    expect([-100, 0, 1.4999, 1.5, 3, 4.9, 5, 9, 1e9].map((x) => binIndex(edges, x))).toEqual([
      0, 0, 0, 1, 2, 2, 3, 3, 3,
    ]);
    expect(binIndex([7], 1)).toBe(0);
    expect(binIndex([], 1)).toBe(0);
  });

  it('ranks categories by count then by value, and sums the rest beyond maxCategories', () => {
    const cells = ['b', 'a', 'c', 'b', 'a', 'd', null, 'e', 'c', 'B'];
    const c = column(computeProfile(tableFrom({ c: cells }), { maxCategories: 3 }), 'c', 'categorical');
    expect(c).toMatchObject({ count: 9, missing: 1, distinct: 6, other_count: 3 });
    // Ties (count 2: a b c; count 1: B d e) break by code point, so "B" sorts before lowercase letters.
    expect(c.top).toEqual([
      { value: 'a', count: 2 },
      { value: 'b', count: 2 },
      { value: 'c', count: 2 },
    ]);
    const all = column(computeProfile(tableFrom({ c: cells })), 'c', 'categorical');
    expect(all.top.map((entry) => entry.value)).toEqual(['a', 'b', 'c', 'B', 'd', 'e']);
    expect(all.other_count).toBe(0);
  });

  it('reports datetime min and max as ISO strings', () => {
    const d = column(
      computeProfile(
        tableFrom({ when: [new Date('2024-03-01T10:00:00Z'), null, new Date('2023-12-31T23:59:59.500Z')] }),
      ),
      'when',
      'datetime',
    );
    expect(d).toMatchObject({
      count: 2,
      missing: 1,
      min: '2023-12-31T23:59:59.500Z',
      max: '2024-03-01T10:00:00.000Z',
    });
  });

  it('writes null, not NaN, for a column with no values, and reads back through dataProfileSchema', () => {
    const profile = computeProfile(tableFrom({ empty: [null, null], label: [null, null] }));
    const empty = column(profile, 'empty', 'numeric');
    expect(empty).toMatchObject({ count: 0, missing: 2, min: null, max: null, mean: null, std: null, quantiles: null });
    expect(empty.histogram).toEqual({ edges: [], counts: [0], missing: 2 });
    const text = JSON.stringify(profile);
    expect(text).not.toContain('NaN');
    expect(dataProfileSchema.parse(JSON.parse(text))).toEqual(profile);
  });

  it('counts infinities as missing (they have no place in a mean or in JSON)', () => {
    const v = column(computeProfile(tableFrom({ v: [1, Number.POSITIVE_INFINITY, 3] })), 'v', 'numeric');
    expect(v).toMatchObject({ count: 2, missing: 1, max: 3, mean: 2 });
  });

  it('profiles the penguins data', () => {
    const profile = computeProfile(penguins().table);
    expect(profile.row_count).toBe(344);
    expect(profile.columns.map((entry) => `${entry.name}:${entry.type}`)).toEqual([
      'species:categorical',
      'island:categorical',
      'bill_length_mm:numeric',
      'bill_depth_mm:numeric',
      'flipper_length_mm:numeric',
      'body_mass_g:numeric',
      'sex:categorical',
    ]);
    const bill = column(profile, 'bill_length_mm', 'numeric');
    expect(bill).toMatchObject({ count: 342, missing: 2, min: 32.1, max: 59.6 });
    expect(bill.histogram.counts.reduce((a, b) => a + b, 0)).toBe(342);
    expect(bill.histogram.edges).toHaveLength(11);
    expect(column(profile, 'species', 'categorical').top).toEqual([
      { value: 'Adelie', count: 152 },
      { value: 'Gentoo', count: 124 },
      { value: 'Chinstrap', count: 68 },
    ]);
    expect(dataProfileSchema.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });

  it('is deterministic: the same data gives the same bytes, whatever the dictionary order', () => {
    const table = syntheticTable({ rows: 5000, seed: 3 });
    const first = JSON.stringify(computeProfile(table));
    expect(JSON.stringify(computeProfile(table))).toBe(first);
    expect(JSON.stringify(computeProfile(syntheticTable({ rows: 5000, seed: 3 })))).toBe(first);
    // The same rows with categories coded in another order: identical profile.
    const reversed = tableFrom({ c: ['z', 'y', 'y', 'x', 'x', 'x'] });
    const recoded = {
      rowCount: 6,
      columns: [
        {
          type: 'categorical' as const,
          name: 'c',
          categories: ['x', 'y', 'z'],
          codes: Int32Array.of(2, 1, 1, 0, 0, 0),
        },
      ],
    };
    expect(JSON.stringify(computeProfile(recoded))).toBe(JSON.stringify(computeProfile(reversed)));
  });

  it('keeps a large table compact: 100 categories at most, one histogram of `bins` bins', () => {
    const profile = computeProfile(syntheticTable({ rows: 20_000, seed: 1 }), { bins: 10 });
    const city = column(profile, 'city', 'categorical');
    expect(city.distinct).toBe(150);
    expect(city.top).toHaveLength(100);
    expect(city.other_count + city.top.reduce((a, b) => a + b.count, 0)).toBe(20_000);
    const visits = column(profile, 'visits', 'numeric');
    expect(visits.zeros).toBeGreaterThan(7000);
    expect(visits.histogram.edges[0]).toBe(0);
    expect(JSON.stringify(profile).length).toBeLessThan(12_000);
  });

  it('bins on the reference edges when given a reference profile', () => {
    const reference = computeProfile(penguins().table);
    const sample = bootstrap(penguins().table, 5);
    const own = column(computeProfile(sample), 'body_mass_g', 'numeric');
    const aligned = column(computeProfile(sample, { reference }), 'body_mass_g', 'numeric');
    const referenceEdges = (reference.columns.find((c) => c.name === 'body_mass_g') as NumericColumnProfile).histogram
      .edges;
    expect(aligned.histogram.edges).toEqual(referenceEdges);
    expect(own.histogram.edges).not.toEqual(referenceEdges);
    expect(aligned.histogram.counts.reduce((a, b) => a + b, 0)).toBe(aligned.count);
    // Statistics other than the histogram are the data's own.
    expect(aligned.quantiles).toEqual(own.quantiles);
  });

  it('rejects a bins value that is not a positive integer', () => {
    expect(() => computeProfile(tableFrom({ v: [1] }), { bins: 0 })).toThrow(/bins must be an integer >= 1, got 0/);
  });
});
