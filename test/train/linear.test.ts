import { describe, expect, it } from 'vitest';
import { gbdtParamsSchema } from '../../src/config/schema.ts';
import { DataError } from '../../src/errors.ts';
import { predictLinear } from '../../src/model/predict-linear.ts';
import { modelToJson } from '../../src/model/serialize.ts';
import type { LinearModel } from '../../src/model/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { MAX_CATEGORIES, trainLinear } from '../../src/train/linear/index.ts';
import {
  categoricalColumn,
  dataset,
  linearTrainer,
  loadPenguins,
  numericColumn,
  splitRows,
  syntheticClassification,
  syntheticRegression,
  table,
} from './linear-data.ts';

function accuracy(predicted: Int32Array, actual: Float64Array): number {
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  return correct / actual.length;
}

function majorityShare(target: Float64Array): number {
  const counts = new Map<number, number>();
  for (const y of target) counts.set(y, (counts.get(y) ?? 0) + 1);
  return Math.max(...counts.values()) / target.length;
}

describe('trainLinear on penguins', () => {
  const penguins = loadPenguins();
  const { train, test } = splitRows(penguins.rowCount, 0.3, 11);

  it('classifies species (softmax) with holdout accuracy >= 0.95', async () => {
    const result = await trainLinear({
      data: dataset(penguins, 'species', 'classification', train),
      trainer: linearTrainer(),
      seed: 1,
    });
    const model = result.model as LinearModel;
    expect(model.link).toBe('softmax');
    expect(model.signature.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(model.weights.length).toBe(Number(result.summary.design_columns));
    const holdout = dataset(penguins, 'species', 'classification', test);
    const predictions = predictLinear(model, holdout.table);
    expect(accuracy(predictions.labelIndex!, holdout.target)).toBeGreaterThanOrEqual(0.95);
    expect(result.summary.stop_reason).toBe('tolerance');
    // The loss history goes down.
    expect(result.history.at(-1)!.trainLoss).toBeLessThan(result.history[0]!.trainLoss);
  });

  it('classifies sex (binary, sigmoid) clearly above the majority rate', async () => {
    const sex = penguins.columns.find((c) => c.name === 'sex')!;
    if (sex.type !== 'categorical') throw new Error('sex is categorical');
    const known = (rows: number[]) => rows.filter((r) => sex.codes[r]! >= 0 && sex.categories[sex.codes[r]!] !== '.');
    const trainSet = dataset(penguins, 'sex', 'classification', known(train));
    const result = await trainLinear({ data: trainSet, trainer: linearTrainer(), seed: 1 });
    const model = result.model as LinearModel;
    const holdout = dataset(penguins, 'sex', 'classification', known(test));
    expect(model.link).toBe('sigmoid');
    expect(model.bias).toHaveLength(1);
    const predicted = predictLinear(model, holdout.table).labelIndex!;
    expect(accuracy(predicted, holdout.target)).toBeGreaterThan(0.85);
    expect(majorityShare(holdout.target)).toBeLessThan(0.6);
  });
});

describe('trainLinear on synthetic data', () => {
  it('beats the majority class clearly and approaches the generating model (3 classes, 20k rows)', async () => {
    const data = syntheticClassification(20_000, 3, 5);
    const { train, test } = splitRows(data.rowCount, 0.25, 2);
    const result = await trainLinear({
      data: dataset(data, 'label', 'classification', train),
      trainer: linearTrainer(),
      seed: 1,
    });
    const holdout = dataset(data, 'label', 'classification', test);
    const acc = accuracy(predictLinear(result.model as LinearModel, holdout.table).labelIndex!, holdout.target);
    expect(acc).toBeGreaterThan(majorityShare(holdout.target) + 0.3);
    expect(acc).toBeGreaterThan(0.8);
  });

  it('ridge regression recovers the coefficients and beats the mean predictor', async () => {
    const data = syntheticRegression(5000, 9);
    const { train, test } = splitRows(data.rowCount, 0.2, 3);
    const result = await trainLinear({
      data: dataset(data, 'y', 'regression', train),
      trainer: linearTrainer(),
      seed: 1,
    });
    const model = result.model as LinearModel;
    expect(model.link).toBe('identity');
    // Design: x0, x1 (standardised), colour a/b/c. Raw coefficient = weight / scale.
    expect(model.weights[0]![0]! / model.numeric.x0!.scale).toBeCloseTo(3, 1);
    expect(model.weights[1]![0]! / model.numeric.x1!.scale).toBeCloseTo(-0.2, 2);
    expect(model.categories.colour).toEqual(['a', 'b', 'c']);
    expect(model.weights[3]![0]! - model.weights[2]![0]!).toBeCloseTo(0.5, 1);
    const holdout = dataset(data, 'y', 'regression', test);
    const values = predictLinear(model, holdout.table).values!;
    let squares = 0;
    let meanSquares = 0;
    const mean = holdout.target.reduce((a, b) => a + b, 0) / holdout.target.length;
    holdout.target.forEach((y, i) => {
      squares += (y - values[i]!) ** 2;
      meanSquares += (y - mean) ** 2;
    });
    const rmse = Math.sqrt(squares / holdout.target.length);
    expect(rmse).toBeLessThan(0.55); // noise sigma is 0.5
    expect(rmse).toBeLessThan(0.2 * Math.sqrt(meanSquares / holdout.target.length));
    expect(result.summary.optimiser).toBe('cholesky');
  });

  it('ridge with l2 = 0 fits noise-free data exactly even with a full one-hot beside the bias', async () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    const group = ['u', 'v', 'u', 'v', 'u', 'v', 'u', 'v'];
    const y = x.map((v, i) => 2 * v + 1 + (group[i] === 'v' ? 3 : 0));
    const data = table([numericColumn('y', y), numericColumn('x', x), categoricalColumn('g', group)]);
    const result = await trainLinear({
      data: dataset(data, 'y', 'regression'),
      trainer: linearTrainer({ l2: 0 }),
      seed: 1,
    });
    const values = predictLinear(result.model as LinearModel, data).values!;
    y.forEach((v, i) => {
      expect(values[i]).toBeCloseTo(v, 4);
    });
  });

  it('the l2 penalty shrinks the weights', async () => {
    const data = dataset(syntheticClassification(2000, 2, 4), 'label', 'classification');
    const norm = async (l2: number) => {
      const model = (await trainLinear({ data, trainer: linearTrainer({ l2 }), seed: 1 })).model as LinearModel;
      return model.weights.reduce((a, row) => a + row[0]! ** 2, 0);
    };
    expect(await norm(1)).toBeLessThan(0.2 * (await norm(1e-4)));
  });
});

describe('trainLinear preprocessing', () => {
  it('standardises with training mean/std, imputes the mean, uses std 1 for constants, sorts categories', async () => {
    const data = table([
      categoricalColumn('label', ['no', 'yes', 'no', 'yes', 'no', 'yes']),
      numericColumn('a', [1, 2, Number.NaN, 4, 5, 6]),
      numericColumn('constant', [7, 7, 7, 7, 7, 7]),
      numericColumn('empty', [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN]),
      categoricalColumn('colour', ['red', 'blue', null, 'green', 'blue', 'red']),
    ]);
    const model = (
      await trainLinear({ data: dataset(data, 'label', 'classification'), trainer: linearTrainer(), seed: 1 })
    ).model as LinearModel;
    const mean = (1 + 2 + 4 + 5 + 6) / 5;
    const std = Math.sqrt([1, 2, 4, 5, 6].reduce((s, v) => s + (v - mean) ** 2, 0) / 5);
    expect(model.numeric.a).toEqual({ impute: Math.fround(mean), center: Math.fround(mean), scale: Math.fround(std) });
    expect(model.numeric.constant).toEqual({ impute: 7, center: 7, scale: 1 });
    expect(model.numeric.empty).toEqual({ impute: 0, center: 0, scale: 1 });
    expect(model.categories.colour).toEqual(['blue', 'green', 'red']);
    expect(model.weights).toHaveLength(6);
    // Weights and bias are float32-representable.
    for (const row of model.weights) for (const w of row) expect(Math.fround(w)).toBe(w);
    for (const b of model.bias) expect(Math.fround(b)).toBe(b);
  });

  it(`keeps only the ${MAX_CATEGORIES} most frequent categories of a high-cardinality feature`, async () => {
    const rows = 1000;
    const ids: string[] = [];
    const label: string[] = [];
    for (let i = 0; i < rows; i++) {
      // id_000 .. id_009 appear 10 times each; the other 900 rows have unique ids.
      ids.push(i < 100 ? `id_${String(i % 10).padStart(3, '0')}` : `id_${String(i).padStart(4, '0')}`);
      label.push(i % 3 === 0 ? 'a' : 'b');
    }
    const data = table([categoricalColumn('label', label), categoricalColumn('id', ids)]);
    const result = await trainLinear({
      data: dataset(data, 'label', 'classification'),
      trainer: linearTrainer(),
      seed: 1,
    });
    const model = result.model as LinearModel;
    const kept = model.categories.id!;
    expect(kept).toHaveLength(MAX_CATEGORIES);
    for (let k = 0; k < 10; k++) expect(kept).toContain(`id_00${k}`);
    expect([...kept].sort()).toEqual(kept);
    expect(String(result.summary.capped_categories)).toContain(`id: kept ${MAX_CATEGORIES} most frequent of 910`);
    expect(model.params.max_categories).toBe(MAX_CATEGORIES);
  });
});

describe('trainLinear at predict time and determinism', () => {
  it('handles missing numerics and unseen or missing categories like the graph (impute, zeros)', async () => {
    const penguins = loadPenguins();
    const model = (
      await trainLinear({
        data: dataset(penguins, 'species', 'classification'),
        trainer: linearTrainer(),
        seed: 1,
      })
    ).model as LinearModel;
    const rows = table([
      categoricalColumn('island', ['Atlantis', null, 'Biscoe']),
      numericColumn('bill_length_mm', [Number.NaN, 39, 47]),
      numericColumn('bill_depth_mm', [Number.NaN, 18, 15]),
      numericColumn('flipper_length_mm', [Number.NaN, 190, 217]),
      numericColumn('body_mass_g', [Number.NaN, 3700, 5000]),
      categoricalColumn('sex', ['UNKNOWN', null, 'MALE']),
    ]);
    const predictions = predictLinear(model, rows);
    const p = predictions.probabilities!;
    for (let i = 0; i < 3; i++) {
      expect(p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]!).toBeCloseTo(1, 12);
    }
    // Everything missing/unseen → design all zeros → the scores are the bias alone.
    const biasOnly = Math.max(...model.bias);
    expect(predictions.labelIndex![0]).toBe(model.bias.indexOf(biasOnly));
    expect(Array.from(predictions.labelIndex!.subarray(1))).toEqual([0, 2]); // Adelie-like, Gentoo-like
  });

  it('gives byte-identical model JSON for the same input', async () => {
    const data = dataset(syntheticClassification(3000, 4, 8), 'label', 'classification');
    const a = await trainLinear({ data, trainer: linearTrainer(), seed: 1 });
    const b = await trainLinear({ data, trainer: linearTrainer(), seed: 99 });
    expect(modelToJson(b.model)).toBe(modelToJson(a.model));
    expect(b.history).toEqual(a.history);
  });

  it('reports progress once per iteration', async () => {
    const events: number[] = [];
    const result = await trainLinear({
      data: dataset(syntheticClassification(500, 2, 1), 'label', 'classification'),
      trainer: linearTrainer({ max_iter: 3, tolerance: 1e-30 }),
      seed: 1,
      onProgress: (e) => events.push(e.iteration),
    });
    expect(events).toEqual([1, 2, 3]);
    expect(result.summary.stop_reason).toBe('max_iter');
  });

  it('gives a class absent from the training rows a small but finite probability', async () => {
    const base = dataset(syntheticClassification(1000, 2, 3), 'label', 'classification');
    const data = { ...base, signature: { ...base.signature, classes: ['class_0', 'class_1', 'class_9'] } };
    const model = (await trainLinear({ data, trainer: linearTrainer(), seed: 1 })).model as LinearModel;
    expect(model.link).toBe('softmax');
    const p = predictLinear(model, data.table).probabilities!;
    for (let i = 0; i < data.table.rowCount; i++) {
      expect(p[3 * i + 2]).toBeGreaterThan(0);
      expect(p[3 * i + 2]).toBeLessThan(1e-3);
    }
  });

  it('rejects targets that are not class indices', async () => {
    const data = dataset(
      table([categoricalColumn('y', ['a', 'b']), numericColumn('x', [1, 2])]),
      'y',
      'classification',
    );
    const bad = { ...data, target: Float64Array.of(0, 2) };
    await expect(trainLinear({ data: bad, trainer: linearTrainer(), seed: 1 })).rejects.toThrow(
      /training row 1: target "y" is 2; expected a class index in \[0, 2\)/,
    );
    await expect(trainLinear({ data: bad, trainer: linearTrainer(), seed: 1 })).rejects.toBeInstanceOf(DataError);
  });
});

describe('trainModel', () => {
  const data = dataset(syntheticClassification(400, 3, 6), 'label', 'classification');

  it('dispatches the linear algorithm to trainLinear', async () => {
    const viaIndex = await trainModel({ data, trainer: linearTrainer(), seed: 1 });
    const direct = await trainLinear({ data, trainer: linearTrainer(), seed: 1 });
    expect(modelToJson(viaIndex.model)).toBe(modelToJson(direct.model));
  });

  it('dispatches the gbdt algorithm to the GBDT trainer', async () => {
    const trainer = { algorithm: 'gbdt' as const, params: gbdtParamsSchema.parse({ n_trees: 3, threads: 1 }) };
    const result = await trainModel({ data, trainer, seed: 1 });
    expect(result.model.kind).toBe('gbdt');
  });
});
