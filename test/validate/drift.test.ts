import { describe, expect, it } from 'vitest';
import {
  computeDrift,
  computeDriftFromProfiles,
  computeProfile,
  type DataProfile,
  driftReportSchema,
  jensenShannonDistance,
  type NumericColumnProfile,
  populationStabilityIndex,
} from '../../src/validate/index.ts';
import { bootstrap, penguins, reweightCategory, shiftColumn, syntheticTable, tableFrom } from './helpers.ts';

const OPTIONS = { psi_threshold: 0.2, js_threshold: 0.1, dataset_share: 0.5 };

function scores(report: { columns: { column: string; score: number }[] }): Record<string, number> {
  return Object.fromEntries(report.columns.map((column) => [column.column, column.score]));
}

describe('drift measures', () => {
  it('computes PSI with epsilon for empty buckets (numpy reference value)', () => {
    // numpy: shares r = [1/6, 1/3, 1/2, 1e-4], c = [1/2, 1/3, 1/12, 1/12]; Σ (c - r) ln(c / r).
    expect(populationStabilityIndex([10, 20, 30, 0], [30, 20, 5, 5])).toBeCloseTo(1.6725508085445226, 12);
    expect(populationStabilityIndex([5, 5, 5], [50, 50, 50])).toBe(0);
  });

  it('computes the Jensen-Shannon distance in base 2 (scipy reference value), in [0, 1]', () => {
    // scipy.spatial.distance.jensenshannon([10, 20, 30, 0], [30, 20, 5, 5], base=2)
    expect(jensenShannonDistance([10, 20, 30, 0], [30, 20, 5, 5])).toBeCloseTo(0.47293699167413084, 12);
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBe(1);
  });
});

describe('computeDrift on the penguins data (344 rows)', () => {
  const data = penguins();
  const reference = computeProfile(data.table);

  it('finds no drift in bootstrap resamples of the same data (20 seeds)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const report = computeDrift(reference, bootstrap(data.table, seed), OPTIONS);
      expect(report.columns).toHaveLength(7);
      expect(report.drifted_columns, `seed ${seed}: ${JSON.stringify(scores(report))}`).toBe(0);
      expect(report.dataset_drift).toBe(false);
    }
  });

  it('finds drift when every numeric column moves by one standard deviation', () => {
    let table = data.table;
    for (const column of reference.columns) {
      if (column.type === 'numeric') table = shiftColumn(table, column.name, column.std!);
    }
    const report = computeDrift(reference, table, OPTIONS);
    const drifted = report.columns.filter((column) => column.drifted).map((column) => column.column);
    expect(drifted).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    for (const column of drifted) expect(scores(report)[column]).toBeGreaterThan(1);
    expect(report).toMatchObject({ drifted_columns: 4, share: 4 / 7, dataset_drift: true });
    expect(report.columns[2]).toMatchObject({ column: 'bill_length_mm', method: 'psi', threshold: 0.2, drifted: true });
  });

  it('finds drift when the species mix changes', () => {
    // 44% / 20% / 36% (Adelie / Chinstrap / Gentoo) becomes 15% / 35% / 50%.
    const table = reweightCategory(data.table, 'species', { Adelie: 0.15, Chinstrap: 0.35, Gentoo: 0.5 }, 7);
    const report = computeDrift(reference, table, OPTIONS);
    const species = report.columns.find((column) => column.column === 'species')!;
    expect(species).toMatchObject({ method: 'jensen_shannon', threshold: 0.1, drifted: true });
    expect(species.score).toBeGreaterThan(0.2);
    expect(driftReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it('counts current values beyond the reference range in the outer bins, and missing values in their own bin', () => {
    const above = computeDrift(reference, shiftColumn(data.table, 'body_mass_g', 10_000), OPTIONS);
    // Everything lands in the last bin (a tenth of the reference): PSI = (1 − 0.1) ln 10 + 9 × (0.1 − ε) ln(0.1 / ε) + …
    expect(scores(above).body_mass_g).toBeGreaterThan(6);
    const masked = tableFrom({ v: [1, 2, 3, 4, 5, 6, 7, 8, null, null] });
    const ref = computeProfile(tableFrom({ v: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }));
    const report = computeDrift(ref, masked, OPTIONS);
    // Shares: bins 0.1 each vs 0.1 × 8 and two empty bins, plus missing 0 → 0.2.
    expect(report.columns[0].score).toBeCloseTo(
      2 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + (0.2 - 1e-4) * Math.log(0.2 / 1e-4),
      10,
    );
  });

  it('skips columns it cannot compare, and compares only the columns asked for', () => {
    const { table } = data;
    const changed = {
      rowCount: table.rowCount,
      columns: table.columns
        .filter((column) => column.name !== 'island')
        .map((column) =>
          column.name === 'sex'
            ? { type: 'numeric' as const, name: 'sex', values: new Float64Array(table.rowCount) }
            : column,
        ),
    };
    const report = computeDrift(reference, changed, OPTIONS);
    expect(report.skipped).toEqual([
      { column: 'island', reason: 'not in the current data' },
      { column: 'sex', reason: 'is numeric in the current data, categorical in the reference' },
    ]);
    expect(report.columns).toHaveLength(5);
    const some = computeDrift(reference, table, { ...OPTIONS, columns: ['species', 'body_mass_g'] });
    expect(some.columns.map((column) => column.column)).toEqual(['species', 'body_mass_g']);
    const empty = computeDrift(reference, { rowCount: 0, columns: table.columns }, OPTIONS);
    expect(empty).toMatchObject({ columns: [], drifted_columns: 0, share: 0, dataset_drift: false });
    expect(empty.skipped[0]).toEqual({ column: 'species', reason: 'the current data has no rows' });
  });
});

describe('computeDrift on a larger synthetic set (50,000 reference rows)', () => {
  const reference = computeProfile(syntheticTable({ rows: 50_000, seed: 1 }));

  it('finds no drift in fresh samples from the same distribution', () => {
    for (const seed of [101, 102, 103]) {
      const report = computeDrift(reference, syntheticTable({ rows: 20_000, seed }), OPTIONS);
      expect(report.drifted_columns, JSON.stringify(scores(report))).toBe(0);
      for (const column of report.columns) expect(column.score).toBeLessThan(column.threshold / 2);
    }
  });

  it('finds drift in a shifted mean (+1 std) and a changed city mix, and nowhere else', () => {
    const report = computeDrift(
      reference,
      syntheticTable({ rows: 20_000, seed: 9, shift: 1, cityExponent: 0.6 }),
      OPTIONS,
    );
    expect(report.columns.map((column) => [column.column, column.method, column.drifted])).toEqual([
      ['x', 'psi', true],
      ['amount', 'psi', false],
      ['visits', 'psi', false],
      ['city', 'jensen_shannon', true],
      ['segment', 'jensen_shannon', false],
    ]);
    expect(report).toMatchObject({ drifted_columns: 2, share: 0.4, dataset_drift: false });
    expect(
      computeDrift(reference, syntheticTable({ rows: 20_000, seed: 9, shift: 1, cityExponent: 0.6 }), {
        ...OPTIONS,
        dataset_share: 0.4,
      }).dataset_drift,
    ).toBe(true);
  });
});

describe('computeDriftFromProfiles', () => {
  it('equals computeDrift when the current profile is binned on the reference edges', () => {
    const reference = computeProfile(syntheticTable({ rows: 30_000, seed: 1 }));
    for (const current of [
      syntheticTable({ rows: 10_000, seed: 2 }),
      syntheticTable({ rows: 10_000, seed: 3, shift: 0.7, cityExponent: 0.9 }),
    ]) {
      const fromTable = computeDrift(reference, current, OPTIONS);
      const fromProfiles = computeDriftFromProfiles(reference, computeProfile(current, { reference }), OPTIONS);
      expect(fromProfiles).toEqual(fromTable);
      expect(fromProfiles.skipped).toEqual([]);
    }
  });

  it('skips numeric columns whose histogram edges differ from the reference', () => {
    const data = penguins();
    const reference = computeProfile(data.table);
    const ownBins = computeProfile(bootstrap(data.table, 3));
    const report = computeDriftFromProfiles(reference, ownBins, OPTIONS);
    expect(report.columns.map((column) => column.column)).toEqual(['species', 'island', 'sex']);
    expect(report.skipped.map((entry) => entry.column)).toEqual([
      'bill_length_mm',
      'bill_depth_mm',
      'flipper_length_mm',
      'body_mass_g',
    ]);
    expect(report.skipped[0].reason).toMatch(/^histogram edges differ from the reference/);
    // Rebinned on the reference's edges, the same columns compare.
    const aligned = computeDriftFromProfiles(
      reference,
      computeProfile(bootstrap(data.table, 3), { reference }),
      OPTIONS,
    );
    expect(aligned.skipped).toEqual([]);
    expect((reference.columns[2] as NumericColumnProfile).histogram.edges).toHaveLength(11);
  });

  it('compares categories exactly only when the current top list settles every reference category', () => {
    // Reference top 3: a (3), b (2), c (1, ties with d and wins by name); d is "other".
    const reference = computeProfile(tableFrom({ c: ['a', 'a', 'a', 'b', 'b', 'c', 'd'] }), { maxCategories: 3 });
    const current = tableFrom({ c: ['b', 'b', 'b', 'c', 'c', 'd', 'e', 'e', 'e', 'e'] });
    const exact = computeDrift(reference, current, OPTIONS);
    expect(exact.columns).toHaveLength(1);
    // Not truncated: every count is known.
    const full = computeDriftFromProfiles(reference, computeProfile(current, { maxCategories: 10 }), OPTIONS);
    expect(full.columns).toEqual(exact.columns);
    // Truncated to e, b: "a" and "c" may hide in "other".
    const truncated = computeDriftFromProfiles(reference, computeProfile(current, { maxCategories: 2 }), OPTIONS);
    expect(truncated.columns).toEqual([]);
    expect(truncated.skipped[0].reason).toBe(
      "the current profile's top 2 categories do not include every reference category, so their counts are unknown",
    );
    // Profiled against the reference: its categories are listed too, "a" with count 0.
    const aligned = computeProfile(current, { maxCategories: 2, reference });
    expect(aligned.columns[0]).toMatchObject({
      distinct: 4,
      top: [
        { value: 'e', count: 4 },
        { value: 'b', count: 3 },
        { value: 'c', count: 2 },
        { value: 'a', count: 0 },
      ],
      other_count: 1,
    });
    expect(computeDriftFromProfiles(reference, aligned, OPTIONS).columns).toEqual(exact.columns);
  });

  it('reads back profiles from JSON and gives the same answer', () => {
    const data = penguins();
    const reference = computeProfile(data.table);
    const current = computeProfile(bootstrap(data.table, 11), { reference });
    const roundTrip = (profile: DataProfile): DataProfile => JSON.parse(JSON.stringify(profile));
    expect(computeDriftFromProfiles(roundTrip(reference), roundTrip(current), OPTIONS)).toEqual(
      computeDriftFromProfiles(reference, current, OPTIONS),
    );
  });
});
