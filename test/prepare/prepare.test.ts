import { describe, expect, it } from 'vitest';
import type { Column, Table } from '../../src/data/types.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { Random } from '../../src/lib/random.ts';
import { inferTask, prepareData } from '../../src/prepare/index.ts';
import type { PrepareOptions } from '../../src/prepare/types.ts';

function numeric(name: string, values: number[]): Column {
  return { type: 'numeric', name, values: Float64Array.from(values) };
}
function categorical(name: string, values: (string | null)[]): Column {
  const categories = [...new Set(values.filter((v): v is string => v !== null))];
  const codes = Int32Array.from(values, (v) => (v === null ? -1 : categories.indexOf(v)));
  return { type: 'categorical', name, codes, categories };
}
function table(columns: Column[]): Table {
  const rowCount = columns[0]!.type === 'categorical' ? columns[0]!.codes.length : columns[0]!.values.length;
  return { rowCount, columns };
}

/** 200 rows: x numeric, color categorical, when datetime, label a/b/c. */
function sample(order?: number[]): Table {
  const rng = new Random(7);
  const rows = Array.from({ length: 200 }, (_, i) => ({
    x: Math.round(rng.next() * 1000) / 10,
    color: ['red', 'green', 'blue'][i % 3]!,
    when: Date.UTC(2024, 0, 1) + i * 86_400_000,
    label: ['a', 'b', 'c'][(i * 7) % 3]!,
  }));
  const ordered = order ? order.map((i) => rows[i]!) : rows;
  return table([
    numeric(
      'x',
      ordered.map((r) => r.x),
    ),
    categorical(
      'color',
      ordered.map((r) => r.color),
    ),
    { type: 'datetime', name: 'when', values: Float64Array.from(ordered, (r) => r.when) },
    categorical(
      'label',
      ordered.map((r) => r.label),
    ),
  ]);
}

const options: PrepareOptions = {
  configFile: 'conveyor.yml',
  target: 'label',
  drop: [],
  slices: [],
  holdout: 0.2,
  seed: 42,
};

function column(t: Table, name: string): Column {
  return t.columns.find((c) => c.name === name)!;
}
function rowsAsText(t: Table): string[] {
  const out: string[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    out.push(
      t.columns
        .map((c) =>
          c.type === 'categorical' ? (c.codes[r]! < 0 ? '' : c.categories[c.codes[r]!]) : String(c.values[r]),
        )
        .join('|'),
    );
  }
  return out;
}

describe('prepareData', () => {
  it('builds the signature: features in column order, datetime excluded, classes sorted', () => {
    const prepared = prepareData(sample(), options);
    expect(prepared.signature).toEqual({
      task: 'classification',
      target: 'label',
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'color', type: 'categorical' },
      ],
      classes: ['a', 'b', 'c'],
    });
    expect(prepared.train.table.rowCount + prepared.holdout.table.rowCount).toBe(200);
    expect(prepared.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('holds out the configured share to within a row per batch and class, chosen by a seeded content hash', () => {
    const prepared = prepareData(sample(), options);
    const { split } = prepared;
    expect(split).toMatchObject({ method: 'hash', holdout_fraction: 0.2 });
    expect(split.train_rows + split.holdout_rows).toBe(200);
    expect(split.holdout_share).toBe(split.holdout_rows / 200);
    // Stratified: each class (67, 67 and 66 rows) is held out at the share, to within one row.
    const count = (target: Float64Array, k: number) => Array.from(target).filter((t) => t === k).length;
    for (const k of [0, 1, 2]) {
      const rows = count(prepared.train.target, k) + count(prepared.holdout.target, k);
      expect(Math.abs(count(prepared.holdout.target, k) - 0.2 * rows)).toBeLessThan(1);
    }
    const other = prepareData(sample(), { ...options, seed: 43 });
    expect(rowsAsText(other.holdout.table)).not.toEqual(rowsAsText(prepared.holdout.table));
    expect(Math.abs(other.split.holdout_rows - 40)).toBeLessThan(3);
  });

  it('keeps the share close on small data where a per-row coin drifts (442 rows, 0.2 → 88 or 89)', () => {
    const rng = new Random(11);
    const n = 442;
    const t = table([
      numeric(
        'x',
        Array.from({ length: n }, () => rng.next()),
      ),
      numeric(
        'y',
        Array.from({ length: n }, () => rng.next() * 100),
      ),
    ]);
    for (const seed of [1, 2, 3, 42]) {
      const prepared = prepareData(t, { ...options, target: 'y', seed, batches: [n] });
      expect([88, 89]).toContain(prepared.split.holdout_rows);
    }
    // Three batches: within one row per batch.
    const batched = prepareData(t, { ...options, target: 'y', batches: [100, 142, 200] });
    expect(Math.abs(batched.split.holdout_rows - 0.2 * n)).toBeLessThanOrEqual(3);
  });

  it('never moves a row when batches arrive: a new file, or rows appended to the last file', () => {
    const rows = (count: number) => sample(Array.from({ length: count }, (_, i) => i));
    const sides = (prepared: ReturnType<typeof prepareData>) => {
      const side = new Map<string, string>();
      for (const row of rowsAsText(prepared.train.table)) side.set(row, 'train');
      for (const row of rowsAsText(prepared.holdout.table)) side.set(row, 'holdout');
      return side;
    };
    const before = sides(prepareData(rows(120), { ...options, batches: [60, 60] }));
    const withNewFile = sides(prepareData(rows(200), { ...options, batches: [60, 60, 80] }));
    const appended = sides(prepareData(rows(200), { ...options, batches: [60, 140] }));
    for (const [row, side] of before) {
      expect(withNewFile.get(row)).toBe(side);
      expect(appended.get(row)).toBe(side);
    }
  });

  it('gives the same digest and canonical row order whatever the input row order', () => {
    const shuffled = new Random(3).shuffle(Array.from({ length: 200 }, (_, i) => i));
    const a = prepareData(sample(), options);
    const b = prepareData(sample(shuffled), options);
    expect(b.digest).toBe(a.digest);
    // Within each side, rows come in canonical (content) order, not input order.
    const both = [...rowsAsText(b.train.table), ...rowsAsText(b.holdout.table)].sort();
    expect(both).toEqual([...rowsAsText(a.train.table), ...rowsAsText(a.holdout.table)].sort());
    expect(Math.abs(b.split.holdout_rows - 40)).toBeLessThan(3);
  });

  it('keeps identical rows on the same side of the split', () => {
    const t = table([
      numeric(
        'x',
        Array.from({ length: 100 }, (_, i) => i % 10),
      ),
      categorical(
        'label',
        Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 'a' : 'b')),
      ),
    ]);
    const prepared = prepareData(t, { ...options, holdout: 0.3 });
    const trainX = new Set(Array.from((column(prepared.train.table, 'x') as { values: Float64Array }).values));
    const holdX = new Set(Array.from((column(prepared.holdout.table, 'x') as { values: Float64Array }).values));
    for (const x of holdX) expect(trainX.has(x)).toBe(false);
  });

  it('names the config key and lists the columns when the target is absent', () => {
    expect(() => prepareData(sample(), { ...options, target: 'species' })).toThrow(
      new ConfigError(
        'conveyor.yml',
        'data.target',
        'column "species" not found; columns are: "x", "color", "when", "label"',
      ),
    );
  });

  it('checks slices and time_column names and types; a drop column the loader already left out is fine', () => {
    expect(prepareData(sample(), { ...options, drop: ['gone'] }).signature.features.length).toBeGreaterThan(0);
    expect(prepareData(sample(), { ...options, drop: ['x'] }).signature.features.map((f) => f.name)).not.toContain('x');
    expect(() => prepareData(sample(), { ...options, slices: ['x'] })).toThrow(
      /evaluation\.slices: column "x" is numeric/,
    );
    expect(() => prepareData(sample(), { ...options, timeColumn: 'color' })).toThrow(
      /split\.time_column: column "color" holds text/,
    );
  });

  it('reports every misnamed column of the config at once', () => {
    let error: unknown;
    try {
      prepareData(sample(), { ...options, target: 'species', slices: ['x', 'nope'], timeColumn: 'color' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).toEqual([
      'data.target',
      'evaluation.slices',
      'evaluation.slices',
      'split.time_column',
    ]);
  });

  it('drops rows without a target, with a warning', () => {
    const t = table([
      numeric(
        'x',
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30],
      ),
      categorical(
        'label',
        Array.from({ length: 30 }, (_, i) => (i === 4 ? null : i % 2 ? 'yes' : 'no')),
      ),
    ]);
    const prepared = prepareData(t, { ...options, holdout: 0.4 });
    expect(prepared.split.dropped_missing_target).toBe(1);
    expect(prepared.warnings[0]).toMatch(/1 row\(s\) have no value for the target "label"/);
    expect(prepared.train.table.rowCount + prepared.holdout.table.rowCount).toBe(29);
  });

  it('drops configured columns and keeps slice columns beside the features', () => {
    const prepared = prepareData(sample(), { ...options, drop: ['color'], slices: ['color'] });
    expect(prepared.signature.features.map((f) => f.name)).toEqual(['x']);
    expect(prepared.holdout.table.columns.map((c) => c.name)).toEqual(['x', 'label', 'color']);
  });

  it('time split holds out the latest rows and never splits an instant', () => {
    const prepared = prepareData(sample(), { ...options, timeColumn: 'when' });
    expect(prepared.split.method).toBe('time');
    const trainWhen = (column(prepared.train.table, 'when') as { values: Float64Array }).values;
    const holdWhen = (column(prepared.holdout.table, 'when') as { values: Float64Array }).values;
    expect(Math.max(...trainWhen)).toBeLessThan(Math.min(...holdWhen));
    expect(prepared.holdout.table.rowCount).toBe(40);
    expect(prepared.split.time_boundary).toBe(new Date(Math.min(...holdWhen)).toISOString());
  });

  it('infers the task from the target', () => {
    expect(inferTask(categorical('y', ['a', 'b']))).toBe('classification');
    expect(inferTask(numeric('y', [0, 1, 1, 0, Number.NaN]))).toBe('classification');
    expect(inferTask(numeric('y', [0.5, 1, 2]))).toBe('regression');
  });

  it('orders numeric class labels numerically and encodes targets as class indices', () => {
    const t = table([
      numeric(
        'x',
        Array.from({ length: 40 }, (_, i) => i),
      ),
      numeric(
        'y',
        Array.from({ length: 40 }, (_, i) => (i % 2 ? 10 : 2)),
      ),
    ]);
    const prepared = prepareData(t, { ...options, target: 'y', task: 'classification', holdout: 0.3 });
    expect(prepared.signature.classes).toEqual(['2', '10']);
    const ys = (column(prepared.train.table, 'y') as { values: Float64Array }).values;
    prepared.train.target.forEach((k, i) => {
      expect(k).toBe(ys[i] === 10 ? 1 : 0);
    });
  });

  it('refuses a split too small to evaluate and a single-class target', () => {
    const tiny = table([numeric('x', [1, 2, 3, 4]), categorical('label', ['a', 'b', 'a', 'b'])]);
    expect(() => prepareData(tiny, options)).toThrow(DataError);
    const one = table([numeric('x', [1, 2, 3]), categorical('label', ['a', 'a', 'a'])]);
    expect(() => prepareData(one, options)).toThrow(/1 class\(es\)/);
  });
});
