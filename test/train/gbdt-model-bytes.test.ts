/**
 * Training's speed work (issue 15: split search and binning spread over the worker threads; then the
 * root's counts counted once, feature-group histogram tasks, WebAssembly gradients, merges and leaf
 * updates) must not change a single model byte: models trained on a seeded table with worker threads
 * engaged must equal, for 1, 2 and 3 threads, the digests of the models the code before that work produced.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { modelToJson } from '../../src/model/serialize.ts';
import type { GbdtModel } from '../../src/model/types.ts';
import { MIN_ROWS_FOR_WORKERS } from '../../src/train/gbdt/executor.ts';
import { trainGbdt } from '../../src/train/gbdt/index.ts';
import type { Dataset } from '../../src/train/types.ts';
import { binaryData, regressionData, trainInput } from './gbdt-data.ts';

/** binaryData with missing values in two numeric columns (every 7th and every 11th row). */
function binaryWithMissing(rows: number): Dataset {
  const data = binaryData(rows, 9);
  for (const column of data.table.columns) {
    if (column.type !== 'numeric') continue;
    const every = column.name === 'x0' ? 7 : column.name === 'x4' ? 11 : 0;
    if (every > 0) for (let i = 0; i < rows; i += every) column.values[i] = Number.NaN;
  }
  return data;
}

async function digest(data: Dataset, overrides: Parameters<typeof trainInput>[1]): Promise<string> {
  const result = await trainGbdt(trainInput(data, overrides));
  expect(result.summary.threads).toBe(overrides?.threads ?? 1);
  // `threads` is recorded in the model's params; everything else must be identical.
  const json = modelToJson({ ...(result.model as GbdtModel), params: { ...result.model.params, threads: 0 } });
  return createHash('sha256').update(json).digest('hex');
}

describe('GBDT model bytes', () => {
  const rows = MIN_ROWS_FOR_WORKERS + 20_000;

  test('binary (numeric, categorical, missing values, early stopping): same bytes for 1, 2 and 3 threads', async () => {
    const data = binaryWithMissing(rows);
    const options = { n_trees: 5, subsample: 0.9, early_stopping_rounds: 3, validation_fraction: 0.1 };
    for (const threads of [1, 2, 3]) {
      expect(await digest(data, { ...options, threads })).toBe(
        '4c4bf7d05dc842d6d712b7ee2410979087a99a9cb648d062d7c57a6533fbc83c',
      );
    }
  }, 60_000);

  test('binary without row sampling (every root on all rows, e^-scores updated by leaf): same bytes for 1 and 2 threads', async () => {
    const data = binaryWithMissing(rows);
    for (const threads of [1, 2]) {
      expect(await digest(data, { n_trees: 4, early_stopping_rounds: 0, threads })).toBe(
        '18cbc2f5a0f4ae2ab7d1ebe35d37fb64212ce023d0ab9ce31a156b396bd716ef',
      );
    }
  }, 60_000);

  test('regression (numeric only, no validation): same bytes for 1 and 2 threads', async () => {
    const data = regressionData(rows, 4);
    for (const threads of [1, 2]) {
      expect(await digest(data, { n_trees: 4, early_stopping_rounds: 0, threads })).toBe(
        '63ac0ba1a4752edd03f705b6df3dfaf1dc0b832249f59d2d9edea372215e132e',
      );
    }
  }, 60_000);
});
