/**
 * Data for the GBDT tests: in-memory tables, the bundled penguins batches (read with csv-parse
 * directly, independent of the data loader) and seeded synthetic sets with known signal.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { type GbdtParams, gbdtParamsSchema } from '../../src/config/schema.ts';
import type { Column, Table } from '../../src/data/types.ts';
import { Random } from '../../src/lib/random.ts';
import type { FeatureSpec, ModelSignature } from '../../src/model/types.ts';
import type { Dataset, TrainInput } from '../../src/train/types.ts';
import { categoricalColumn, numericColumn, tableOf } from '../helpers/tables.ts';

export { categoricalColumn, numericColumn, tableOf } from '../helpers/tables.ts';

export function selectRows(source: Table, rows: ArrayLike<number>): Table {
  const columns = source.columns.map((c): Column => {
    if (c.type === 'categorical') return { ...c, codes: Int32Array.from(rows, (r) => c.codes[r]!) };
    return { ...c, values: Float64Array.from(rows, (r) => c.values[r]!) };
  });
  return { rowCount: rows.length, columns };
}

export function selectData(data: Dataset, rows: ArrayLike<number>): Dataset {
  return {
    signature: data.signature,
    table: selectRows(data.table, rows),
    target: Float64Array.from(rows, (r) => data.target[r]!),
  };
}

/** Every feature column of `table` (numeric or categorical) as a feature. */
export function featuresOf(table: Table): FeatureSpec[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type === 'categorical' ? 'categorical' : 'numeric' }));
}

export function params(overrides: Partial<GbdtParams> = {}): GbdtParams {
  return gbdtParamsSchema.parse(overrides);
}

export function trainInput(data: Dataset, overrides: Partial<GbdtParams> = {}, seed = 42): TrainInput {
  return { data, trainer: { algorithm: 'gbdt', params: params(overrides) }, seed };
}

/** Even rows train, odd rows test (a deterministic holdout). */
export function splitHalves(data: Dataset): { train: Dataset; test: Dataset } {
  const even: number[] = [];
  const odd: number[] = [];
  for (let i = 0; i < data.table.rowCount; i++) (i % 2 === 0 ? even : odd).push(i);
  return { train: selectData(data, even), test: selectData(data, odd) };
}

function uniform(random: Random): number {
  return random.next() * 2 - 1;
}

/**
 * Binary classification: 6 numeric features in [-1, 1] (x0..x2 carry signal through a non-linear
 * score, the rest are noise) and a categorical "group" whose categories shift the score.
 */
export function binaryData(rows: number, seed = 1): Dataset {
  const random = new Random(seed);
  const x = Array.from({ length: 6 }, () => new Float64Array(rows));
  const groups: string[] = [];
  const target = new Float64Array(rows);
  const shift: Record<string, number> = { a: 1.5, b: -1.5, c: 0.5, d: -0.5, e: 0 };
  const names = Object.keys(shift);
  for (let i = 0; i < rows; i++) {
    for (const column of x) column[i] = uniform(random);
    const group = names[random.int(names.length)]!;
    groups.push(group);
    const score = 3 * x[0]![i]! - 2 * x[1]![i]! * x[2]![i]! + (x[2]![i]! > 0.4 ? 1.5 : -0.5) + shift[group]!;
    target[i] = random.next() < 1 / (1 + Math.exp(-2 * score)) ? 1 : 0;
  }
  const columns: Column[] = [
    ...x.map((values, f) => numericColumn(`x${f}`, values)),
    categoricalColumn('group', groups),
  ];
  const table = tableOf(columns);
  const signature: ModelSignature = {
    task: 'classification',
    target: 'y',
    features: featuresOf(table),
    classes: ['no', 'yes'],
  };
  return { signature, table, target };
}

/** Three classes from two informative features (x0, x1) plus two noise features. */
export function multiclassData(rows: number, seed = 2): Dataset {
  const random = new Random(seed);
  const x = Array.from({ length: 4 }, () => new Float64Array(rows));
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (const column of x) column[i] = uniform(random);
    const a = x[0]![i]! + 0.3 * uniform(random);
    const b = x[1]![i]! + 0.3 * uniform(random);
    target[i] = a > 0.2 ? 0 : b > 0 ? 1 : 2;
  }
  const table = tableOf(x.map((values, f) => numericColumn(`x${f}`, values)));
  const signature: ModelSignature = {
    task: 'classification',
    target: 'y',
    features: featuresOf(table),
    classes: ['a', 'b', 'c'],
  };
  return { signature, table, target };
}

/** Regression: y = sin(3·x0) + x1² + 0.5·[x2 > 0] + noise (σ ≈ 0.1), with two noise features. */
export function regressionData(rows: number, seed = 3): Dataset {
  const random = new Random(seed);
  const x = Array.from({ length: 5 }, () => new Float64Array(rows));
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (const column of x) column[i] = uniform(random);
    target[i] = Math.sin(3 * x[0]![i]!) + x[1]![i]! ** 2 + (x[2]![i]! > 0 ? 0.5 : 0) + 0.17 * uniform(random);
  }
  const table = tableOf(x.map((values, f) => numericColumn(`x${f}`, values)));
  return { signature: { task: 'regression', target: 'y', features: featuresOf(table) }, table, target };
}

const MISSING = new Set(['', 'NA', '.']);
const PENGUIN_NUMERIC = new Set(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);

/** The bundled penguins batches as one Dataset (target species); '', 'NA' and '.' are missing. */
export function penguins(): Dataset {
  const records: Record<string, string>[] = [];
  for (const batch of ['batch-01.csv', 'batch-02.csv', 'batch-03.csv']) {
    const text = readFileSync(fileURLToPath(new URL(`../../data/penguins/${batch}`, import.meta.url)), 'utf8');
    records.push(...(parse(text, { columns: true }) as Record<string, string>[]));
  }
  const names = Object.keys(records[0]!).filter((name) => name !== 'species');
  const columns = names.map((name) =>
    PENGUIN_NUMERIC.has(name)
      ? numericColumn(
          name,
          records.map((r) => (MISSING.has(r[name]!) ? Number.NaN : Number(r[name]))),
        )
      : categoricalColumn(
          name,
          records.map((r) => (MISSING.has(r[name]!) ? null : r[name]!)),
        ),
  );
  const classes = [...new Set(records.map((r) => r.species!))].sort();
  const table = tableOf(columns);
  return {
    signature: { task: 'classification', target: 'species', features: featuresOf(table), classes },
    table,
    target: Float64Array.from(records, (r) => classes.indexOf(r.species!)),
  };
}
