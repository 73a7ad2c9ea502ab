/**
 * Data for the linear trainer / evaluation tests: in-memory tables, the bundled penguins batches
 * (read with csv-parse directly, independent of the data loader) and seeded synthetic sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { TrainerConfig } from '../../src/config/schema.ts';
import { linearParamsSchema } from '../../src/config/schema.ts';
import type { Column, Table } from '../../src/data/types.ts';
import { Random } from '../../src/lib/random.ts';
import type { FeatureSpec, ModelSignature, Task } from '../../src/model/types.ts';
import type { Dataset } from '../../src/train/types.ts';
import { categoricalColumn, numericColumn, tableOf } from '../helpers/tables.ts';

export { categoricalColumn, numericColumn, tableOf as table } from '../helpers/tables.ts';

export function selectRows(source: Table, rows: readonly number[]): Table {
  const columns = source.columns.map((c): Column => {
    if (c.type === 'categorical') return { ...c, codes: Int32Array.from(rows, (r) => c.codes[r]!) };
    return { ...c, values: Float64Array.from(rows, (r) => c.values[r]!) };
  });
  return { rowCount: rows.length, columns };
}

export function linearTrainer(params: Partial<TrainerConfig['params']> = {}): TrainerConfig {
  return { algorithm: 'linear', params: linearParamsSchema.parse(params) };
}

/** A Dataset over `source` with `target` as the target and every other column as a feature. */
export function dataset(source: Table, target: string, task: Task, rows?: readonly number[]): Dataset {
  const features: FeatureSpec[] = source.columns
    .filter((c) => c.name !== target)
    .map((c) => ({ name: c.name, type: c.type === 'categorical' ? 'categorical' : 'numeric' }));
  const targetColumn = source.columns.find((c) => c.name === target)!;
  let signature: ModelSignature;
  let targetValues: Float64Array;
  if (task === 'classification') {
    if (targetColumn.type !== 'categorical') throw new Error('test helper: classification target must be categorical');
    const classes = [...targetColumn.categories].sort();
    const remap = targetColumn.categories.map((c) => classes.indexOf(c));
    signature = { task, target, features, classes };
    targetValues = Float64Array.from(targetColumn.codes, (code) => remap[code]!);
  } else {
    if (targetColumn.type !== 'numeric') throw new Error('test helper: regression target must be numeric');
    signature = { task, target, features };
    targetValues = Float64Array.from(targetColumn.values);
  }
  const picked = rows ?? Array.from({ length: source.rowCount }, (_, i) => i);
  return {
    signature,
    table: selectRows(source, picked),
    target: Float64Array.from(picked, (r) => targetValues[r]!),
  };
}

/** The bundled penguins batches as one table; '' / 'NA' / '.' are missing; rows without species are dropped. */
export function loadPenguins(): Table {
  const dir = join(import.meta.dirname, '../../data/penguins');
  const rows: Record<string, string>[] = [];
  for (const file of ['batch-01.csv', 'batch-02.csv', 'batch-03.csv']) {
    rows.push(
      ...(parse(readFileSync(join(dir, file), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
        string,
        string
      >[]),
    );
  }
  const missing = (v: string | undefined) => v === undefined || v === '' || v === 'NA' || v === '.';
  const kept = rows.filter((r) => !missing(r.species));
  const text = (name: string) =>
    categoricalColumn(
      name,
      kept.map((r) => (missing(r[name]) ? null : r[name]!)),
    );
  const number = (name: string) =>
    numericColumn(
      name,
      kept.map((r) => (missing(r[name]) ? Number.NaN : Number(r[name]))),
    );
  return tableOf([
    text('species'),
    text('island'),
    number('bill_length_mm'),
    number('bill_depth_mm'),
    number('flipper_length_mm'),
    number('body_mass_g'),
    text('sex'),
  ]);
}

/** Deterministic train/holdout split of row indices (about `holdout` of them held out). */
export function splitRows(rowCount: number, holdout: number, seed: number): { train: number[]; test: number[] } {
  const random = new Random(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < rowCount; i++) (random.next() < holdout ? test : train).push(i);
  return { train, test };
}

/** Standard normal via Box-Muller from the seeded generator. */
export function gaussian(random: Random): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/**
 * Synthetic classification: 4 numeric features (different scales, 5% missing), one categorical feature
 * ('a'..'e'); class scores linear in them, label drawn from the softmax (so the Bayes rate is < 1).
 */
export function syntheticClassification(rowCount: number, classes: number, seed: number): Table {
  const random = new Random(seed);
  const x = [0, 1, 2, 3].map(() => new Float64Array(rowCount));
  const scales = [1, 10, 0.01, 1000];
  const colour: (string | null)[] = [];
  const label: string[] = [];
  const levels = ['a', 'b', 'c', 'd', 'e'];
  for (let i = 0; i < rowCount; i++) {
    const z = [gaussian(random), gaussian(random), gaussian(random), gaussian(random)];
    const level = random.int(levels.length);
    const scores: number[] = [];
    for (let k = 0; k < classes; k++) {
      scores.push(1.5 * z[k % 4]! - 1.0 * z[(k + 1) % 4]! + (level === k % levels.length ? 1.5 : 0));
    }
    const max = Math.max(...scores);
    const weights = scores.map((s) => Math.exp(3 * (s - max)));
    let u = random.next() * weights.reduce((a, b) => a + b, 0);
    let k = 0;
    while (k < classes - 1 && u >= weights[k]!) u -= weights[k++]!;
    label.push(`class_${k}`);
    for (let j = 0; j < 4; j++) x[j]![i] = random.next() < 0.05 ? Number.NaN : z[j]! * scales[j]! + 5 * j;
    colour.push(random.next() < 0.05 ? null : levels[level]!);
  }
  return tableOf([
    categoricalColumn('label', label),
    numericColumn('x0', x[0]!),
    numericColumn('x1', x[1]!),
    numericColumn('x2', x[2]!),
    numericColumn('x3', x[3]!),
    categoricalColumn('colour', colour),
  ]);
}

/** Synthetic regression: y = 3·x0 − 2·x1/10 + 0.5·[colour = b] + noise(σ = 0.5), x as above. */
export function syntheticRegression(rowCount: number, seed: number): Table {
  const random = new Random(seed);
  const x0 = new Float64Array(rowCount);
  const x1 = new Float64Array(rowCount);
  const y = new Float64Array(rowCount);
  const colour: string[] = [];
  for (let i = 0; i < rowCount; i++) {
    x0[i] = gaussian(random);
    x1[i] = 10 * gaussian(random) + 100;
    const level = ['a', 'b', 'c'][random.int(3)]!;
    colour.push(level);
    y[i] = 3 * x0[i]! - (2 * x1[i]!) / 10 + (level === 'b' ? 0.5 : 0) + 0.5 * gaussian(random);
  }
  return tableOf([
    numericColumn('y', y),
    numericColumn('x0', x0),
    numericColumn('x1', x1),
    categoricalColumn('colour', colour),
  ]);
}
