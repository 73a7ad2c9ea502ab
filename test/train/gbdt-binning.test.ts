/**
 * binFeatures with worker threads (each feature fitted and binned by whichever thread claims it) must
 * give exactly fitBins + binRows, and report an infinite value as binRows does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { Random } from '../../src/lib/random.ts';
import type { FeatureSpec } from '../../src/model/types.ts';
import { binRows, binSample, fitBins } from '../../src/train/gbdt/bin-mapper.ts';
import { binFeatures } from '../../src/train/gbdt/binning.ts';
import { TrainingWorkers } from '../../src/train/gbdt/executor.ts';
import { categoricalColumn, featuresOf, numericColumn, tableOf } from './gbdt-data.ts';

const ROWS = 30_000;
const started: TrainingWorkers[] = [];
afterAll(async () => {
  await Promise.all(started.map((w) => w.terminate()));
});

/** Seven numeric columns (NaN, huge, negative and tied values) and a categorical one, rows shuffled into train/valid. */
function data() {
  const random = new Random(21);
  const numeric = Array.from({ length: 7 }, (_, f) =>
    numericColumn(
      `x${f}`,
      Array.from({ length: ROWS }, () => {
        const u = random.next();
        if (u < 0.03 * f) return Number.NaN;
        return f % 3 === 0 ? Math.round(u * 40) : (u - 0.5) * 10 ** (f % 5);
      }),
    ),
  );
  const names = ['a', 'b', 'c', 'd'];
  const table = tableOf([
    ...numeric,
    categoricalColumn(
      'g',
      Array.from({ length: ROWS }, () => (random.next() < 0.1 ? null : names[random.int(4)]!)),
    ),
  ]);
  const target = Float64Array.from({ length: ROWS }, () => (random.next() < 0.4 ? 1 : 0));
  const rows: number[] = [];
  const validRows: number[] = [];
  for (let i = 0; i < ROWS; i++) (i % 5 === 0 ? validRows : rows).push(i);
  return { table, target, rows: Uint32Array.from(rows), validRows: Uint32Array.from(validRows) };
}

describe('binFeatures', () => {
  test('with 0, 1 and 2 worker threads equals fitBins + binRows', async () => {
    const { table, target, rows, validRows } = data();
    const features: FeatureSpec[] = featuresOf(table);
    const options = { table, features, rows, target, categoryOrder: 'mean_target' as const, maxBins: 63, seed: 8 };
    const expected = fitBins(options);
    const expectedBins = binRows(table, expected, rows);
    const expectedValid = binRows(table, expected, validRows);
    for (const workerCount of [0, 1, 2]) {
      const workers = workerCount > 0 ? TrainingWorkers.start(workerCount) : undefined;
      if (workers) started.push(workers);
      const binned = await binFeatures({ ...options, validRows }, workers);
      expect(binned.workerError).toBeUndefined();
      expect(binned.featureBins).toEqual(expected);
      expect(Buffer.from(binned.bins).equals(Buffer.from(expectedBins))).toBe(true);
      expect(Buffer.from(binned.validBins).equals(Buffer.from(expectedValid))).toBe(true);
    }
  });

  test('a worker thread runs a binning job itself (its source-text copy of the binning functions)', async () => {
    const { table, target, rows } = data();
    const features: FeatureSpec[] = featuresOf(table).filter((f) => f.type === 'numeric');
    const expected = fitBins({ table, features, rows, target, categoryOrder: 'mean_target', maxBins: 63, seed: 8 });
    const workers = TrainingWorkers.start(1);
    started.push(workers);
    const bins = new Uint8Array(new SharedArrayBuffer(features.length * rows.length));
    const results = await workers.bin(0, {
      features: features.map((_, index) => {
        const column = table.columns[index]!;
        if (column.type !== 'numeric') throw new Error('numeric column expected');
        return { index, values: column.values };
      }),
      sample: binSample(rows, 8),
      trainRows: rows,
      validRows: new Uint32Array(0),
      maxBins: 63,
      bins,
      validBins: new Uint8Array(0),
    });
    expect(results.map((r) => r.index)).toEqual(features.map((_, index) => index));
    expect(results.map((r) => Array.from(r.thresholds))).toEqual(expected.map((f) => Array.from(f.thresholds)));
    expect(Buffer.from(bins).equals(Buffer.from(binRows(table, expected, rows)))).toBe(true);
  });

  test('an infinite value is reported with its feature and table row, training rows first', async () => {
    const { table, target, rows, validRows } = data();
    const x5 = table.columns[5]!;
    const x1 = table.columns[1]!;
    if (x5.type !== 'numeric' || x1.type !== 'numeric') throw new Error('numeric columns expected');
    x5.values[rows[100]!] = Number.NEGATIVE_INFINITY; // a training row of x5
    x1.values[validRows[3]!] = Number.POSITIVE_INFINITY; // a validation row of x1 (an earlier feature)
    const workers = TrainingWorkers.start(1);
    started.push(workers);
    const options = {
      table,
      features: featuresOf(table),
      rows,
      validRows,
      target,
      categoryOrder: 'mean_target' as const,
      maxBins: 63,
      seed: 8,
    };
    const error = await binFeatures(options, workers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      `feature "x5", row ${rows[100]! + 1}: infinite value; expected a finite number`,
    );
  });

  test('training with worker threads rejects bad data and stops its workers (the process exits)', () => {
    const entry = `
      import { trainGbdt } from './src/train/gbdt/index.ts';
      import { MIN_ROWS_FOR_WORKERS } from './src/train/gbdt/executor.ts';
      import { binaryData, trainInput } from './test/train/gbdt-data.ts';
      const data = binaryData(MIN_ROWS_FOR_WORKERS + 1000, 3);
      data.table.columns[0].values[777] = Number.POSITIVE_INFINITY;
      try {
        await trainGbdt(trainInput(data, { n_trees: 2, early_stopping_rounds: 0, threads: 2 }));
        console.log('trained');
      } catch (error) {
        console.log(error.message);
      }
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('feature "x0", row 778: infinite value; expected a finite number');
  }, 60_000);
});
