import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/export.ts';
import { checkParity } from '../../src/export/parity.ts';
import { Random } from '../../src/lib/random.ts';
import { predictGbdt, predictGbdtRaw } from '../../src/model/predict-gbdt.ts';
import { modelFromJson, modelToJson } from '../../src/model/serialize.ts';
import type { GbdtModel } from '../../src/model/types.ts';
import { MIN_ROWS_FOR_WORKERS } from '../../src/train/gbdt/executor.ts';
import { fitGbdt, trainGbdt } from '../../src/train/gbdt/index.ts';
import type { Dataset } from '../../src/train/types.ts';
import { METADATA } from '../export/models.ts';
import {
  binaryData,
  categoricalColumn,
  featuresOf,
  multiclassData,
  numericColumn,
  penguins,
  regressionData,
  selectData,
  splitHalves,
  tableOf,
  trainInput,
} from './gbdt-data.ts';

async function train(data: Dataset, overrides: Parameters<typeof trainInput>[1] = {}, seed = 42): Promise<GbdtModel> {
  const result = await trainGbdt(trainInput(data, overrides, seed));
  return result.model as GbdtModel;
}

function accuracy(model: GbdtModel, data: Dataset): number {
  const labels = predictGbdt(model, data.table).labelIndex!;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === data.target[i]) correct++;
  return correct / labels.length;
}

function majorityShare(target: Float64Array): number {
  const counts = new Map<number, number>();
  for (const y of target) counts.set(y, (counts.get(y) ?? 0) + 1);
  return Math.max(...counts.values()) / target.length;
}

describe('objectives learn', () => {
  test('binary: beats the majority class by a clear margin', async () => {
    const { train: trainSet, test: testSet } = splitHalves(binaryData(4000));
    const model = await train(trainSet);
    expect(model.link).toBe('sigmoid');
    expect(model.baseScore).toHaveLength(1);
    const baseline = majorityShare(testSet.target);
    expect(accuracy(model, testSet)).toBeGreaterThan(baseline + 0.2);
  });

  test('multiclass: one tree per class per round, beats the majority class', async () => {
    const { train: trainSet, test: testSet } = splitHalves(multiclassData(3000));
    const result = await trainGbdt(trainInput(trainSet));
    const model = result.model as GbdtModel;
    expect(model.link).toBe('softmax');
    expect(model.trees.length).toBe(3 * Number(result.summary.rounds));
    expect(model.trees.slice(0, 6).map((t) => t.output)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(accuracy(model, testSet)).toBeGreaterThan(majorityShare(testSet.target) + 0.3);
  });

  test('regression: mean squared error far below the variance', async () => {
    const { train: trainSet, test: testSet } = splitHalves(regressionData(4000));
    const model = await train(trainSet);
    const values = predictGbdt(model, testSet.table).values!;
    let mean = 0;
    for (const y of testSet.target) mean += y / testSet.target.length;
    let variance = 0;
    let mse = 0;
    testSet.target.forEach((y, i) => {
      variance += (y - mean) ** 2 / testSet.target.length;
      mse += (y - values[i]!) ** 2 / testSet.target.length;
    });
    expect(mse).toBeLessThan(0.1 * variance);
  });

  test('penguins: at least 0.95 holdout accuracy with default parameters', async () => {
    const data = penguins();
    expect(data.table.rowCount).toBe(344);
    const holdout: number[] = [];
    const rest: number[] = [];
    for (let i = 0; i < data.table.rowCount; i++) (i % 5 === 0 ? holdout : rest).push(i);
    const model = await train(selectData(data, rest));
    expect(accuracy(model, selectData(data, holdout))).toBeGreaterThanOrEqual(0.95);
    expect(Object.keys(model.categoryCodes).sort()).toEqual(['island', 'sex']);
  });
});

describe('model format', () => {
  test('thresholds are float32-representable and predictGbdt reproduces the training scores exactly', async () => {
    // Categorical + missing values + row and column sampling: every path the scores take in training.
    const data = binaryData(3000);
    const x1 = (data.table.columns[1] as { values: Float64Array }).values;
    for (let i = 0; i < x1.length; i += 7) x1[i] = Number.NaN;
    const fit = await fitGbdt(
      trainInput(data, { n_trees: 30, early_stopping_rounds: 0, subsample: 0.7, colsample: 0.8 }),
    );
    const model = fit.result.model;
    for (const tree of model.trees) {
      tree.threshold.forEach((t, node) => {
        if (tree.feature[node]! >= 0) expect(Math.fround(t)).toBe(t);
      });
    }
    const raw = predictGbdtRaw(model, data.table);
    const trainScores = fit.trainScores!;
    expect(trainScores).toBeDefined();
    let mismatches = 0;
    fit.trainRows.forEach((row, i) => {
      if (!Object.is(raw[row], trainScores[i])) mismatches++;
    });
    expect(mismatches).toBe(0);
  });

  test('multiclass training scores are reproduced exactly too', async () => {
    const data = multiclassData(1500);
    const fit = await fitGbdt(trainInput(data, { n_trees: 20, early_stopping_rounds: 0, growth: 'depthwise' }));
    const raw = predictGbdtRaw(fit.result.model, data.table);
    const k = 3;
    let mismatches = 0;
    fit.trainRows.forEach((row, i) => {
      for (let c = 0; c < k; c++) if (!Object.is(raw[row * k + c], fit.trainScores![i * k + c])) mismatches++;
    });
    expect(mismatches).toBe(0);
  });

  test('same seed gives byte-identical model JSON; another seed changes sampled models', async () => {
    const data = binaryData(2000);
    const sampled = { n_trees: 15, subsample: 0.6, colsample: 0.5 };
    const a = modelToJson(await train(data, sampled, 7));
    const b = modelToJson(await train(data, sampled, 7));
    const c = modelToJson(await train(data, sampled, 8));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // The model passes the model-file checks and round-trips exactly.
    expect(modelToJson(modelFromJson(a, 'model.json'))).toBe(a);
  });

  test('growth limits: leaf-wise keeps max_leaves, depth-wise keeps max_depth', async () => {
    const data = binaryData(2000);
    const leafwise = await train(data, { n_trees: 5, max_leaves: 7, max_depth: 32, early_stopping_rounds: 0 });
    for (const tree of leafwise.trees) expect(tree.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(7);
    expect(Math.max(...leafwise.trees.map((t) => t.feature.filter((f) => f < 0).length))).toBe(7);
    const depthwise = await train(data, {
      n_trees: 5,
      growth: 'depthwise',
      max_depth: 3,
      max_leaves: 4096,
      early_stopping_rounds: 0,
    });
    for (const tree of depthwise.trees) expect(depth(tree, 0)).toBeLessThanOrEqual(3);
    expect(Math.max(...depthwise.trees.map((t) => depth(t, 0)))).toBe(3);
  });
});

function depth(tree: GbdtModel['trees'][number], node: number): number {
  if (tree.feature[node]! < 0) return 0;
  return 1 + Math.max(depth(tree, tree.left[node]!), depth(tree, tree.right[node]!));
}

describe('missing values and categories', () => {
  test('missingness that carries signal is learned, in the direction the data says', async () => {
    // "lowish": NaN rows behave like low values (y = 0); "highish": NaN rows behave like high values (y = 1).
    const rows = 2000;
    const low: number[] = [];
    const high: number[] = [];
    const target = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = ((i * 37) % 1000) / 1000;
      const y = v > 0.5 ? 1 : 0;
      target[i] = y;
      const hideLow = i % 4 === 0 && y === 0;
      const hideHigh = i % 4 === 1 && y === 1;
      low.push(hideLow ? Number.NaN : v);
      high.push(hideHigh ? Number.NaN : v);
    }
    const lowTable = tableOf([numericColumn('lowish', low)]);
    const highTable = tableOf([numericColumn('highish', high)]);
    const signature = (table: typeof lowTable) => ({
      task: 'classification' as const,
      target: 'y',
      features: featuresOf(table),
      classes: ['0', '1'],
    });
    const options = { n_trees: 30, early_stopping_rounds: 0 };
    const lowModel = await train({ signature: signature(lowTable), table: lowTable, target }, options);
    const highModel = await train({ signature: signature(highTable), table: highTable, target }, options);
    // The root splits near 0.5 and sends NaN to the side of the rows it stands for.
    expect(lowModel.trees[0]!.threshold[0]).toBeCloseTo(0.5, 1);
    expect(lowModel.trees[0]!.missingLeft[0]).toBe(true);
    expect(highModel.trees[0]!.missingLeft[0]).toBe(false);
    const nanRow = tableOf([numericColumn('lowish', [Number.NaN])]);
    expect(predictGbdt(lowModel, nanRow).probabilities![1]).toBeLessThan(0.3);
    const nanHigh = tableOf([numericColumn('highish', [Number.NaN])]);
    expect(predictGbdt(highModel, nanHigh).probabilities![1]).toBeGreaterThan(0.7);
  });

  test('a category unseen in training predicts like a missing value, without error', async () => {
    const data = binaryData(2000);
    const model = await train(data, { n_trees: 20 });
    const rows = [0, 1, 2, 3];
    const base = selectData(data, rows).table;
    const withCategory = (value: string | null) =>
      tableOf(
        base.columns.map((c) =>
          c.name === 'group'
            ? categoricalColumn(
                'group',
                rows.map(() => value),
              )
            : c,
        ),
      );
    const unseen = predictGbdtRaw(model, withCategory('never-seen'));
    const missing = predictGbdtRaw(model, withCategory(null));
    expect(Array.from(unseen)).toEqual(Array.from(missing));
    expect(unseen.every(Number.isFinite)).toBe(true);
  });

  test('categories are coded by smoothed mean target (binary) and by frequency (multiclass)', async () => {
    const data = binaryData(3000);
    const model = await train(data, { n_trees: 2 });
    // group shifts the score by a: +1.5, c: +0.5, e: 0, d: -0.5, b: -1.5 → ascending mean target.
    expect(model.categoryCodes.group).toEqual(['b', 'd', 'e', 'c', 'a']);

    const multi = multiclassData(600);
    const colours = Array.from({ length: 600 }, (_, i) => (i % 10 < 5 ? 'red' : i % 10 < 8 ? 'blue' : 'green'));
    const table = tableOf([...multi.table.columns, categoricalColumn('colour', colours)]);
    const multiModel = await train({ ...multi, table, signature: { ...multi.signature, features: featuresOf(table) } });
    expect(multiModel.categoryCodes.colour).toEqual(['red', 'blue', 'green']);
  });
});

describe('categorical partition splits', () => {
  /**
   * 20 categories whose effect flips with the sign of x: y = (category in A) XOR (x > 0), 2% label noise.
   * Every category's mean target is about 0.5, so one fixed order of the categories carries no signal;
   * below the x split, each child needs A against the rest: one set split, or many thresholds.
   */
  function interactionData(rows: number): Dataset {
    const random = new Random(3);
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const inA = new Set(['c0', 'c3', 'c4', 'c8', 'c9', 'c11', 'c14', 'c15', 'c17', 'c19']);
    const x = new Float64Array(rows);
    const cats: string[] = [];
    const target = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      x[i] = random.next() * 2 - 1;
      cats.push(names[random.int(names.length)]!);
      const y = inA.has(cats[i]!) !== x[i]! > 0 ? 1 : 0;
      target[i] = random.next() < 0.02 ? 1 - y : y;
    }
    const table = tableOf([numericColumn('x', x), categoricalColumn('airport', cats)]);
    return {
      signature: { task: 'classification', target: 'y', features: featuresOf(table), classes: ['no', 'yes'] },
      table,
      target,
    };
  }

  test('separate any set of categories per node, where ordinal codes need many splits', async () => {
    const { train: trainSet, test: testSet } = splitHalves(interactionData(8000));
    // Three trees of four leaves: enough for x, then A against the rest on each side.
    const small = { n_trees: 3, max_leaves: 4, learning_rate: 1, early_stopping_rounds: 0 };
    const partition = await train(trainSet, small);
    const ordinal = await train(trainSet, { ...small, categorical_splits: 'ordinal' });
    expect(accuracy(partition, testSet)).toBeGreaterThan(0.95);
    expect(accuracy(ordinal, testSet)).toBeLessThan(accuracy(partition, testSet) - 0.1);
    const sets = partition.trees.flatMap((t) => (t.leftCodeRanges ?? []).filter((ranges) => ranges.length > 0));
    expect(sets.length).toBeGreaterThan(0);
    expect(ordinal.trees.every((t) => t.leftCodeRanges === undefined)).toBe(true);
  });

  test('set splits survive model.json, and the exported ONNX agrees with TypeScript, unseen and missing included', async () => {
    const data = interactionData(3000);
    const model = await train(data, { n_trees: 20 });
    expect(modelToJson(modelFromJson(modelToJson(model), 'model.json'))).toBe(modelToJson(model));
    const odd = tableOf(
      data.table.columns.map((c) =>
        c.name === 'airport'
          ? categoricalColumn(
              'airport',
              Array.from({ length: 3000 }, (_, i) => (i % 10 === 0 ? null : i % 10 === 1 ? 'new' : `c${i % 20}`)),
            )
          : c,
      ),
    );
    const report = await checkParity({
      model,
      onnx: exportOnnx(model, METADATA),
      table: odd,
      tolerance: 1e-5,
      reference: predictGbdt(model, odd),
    });
    expect(report).toMatchObject({ ok: true, label_mismatches: 0 });
  });

  test('multiclass trees partition categories with their own class gradients', async () => {
    const data = multiclassData(1500);
    const colours = Array.from({ length: 1500 }, (_, i) => ['red', 'blue', 'green', 'grey'][i % 4]!);
    const table = tableOf([...data.table.columns, categoricalColumn('colour', colours)]);
    // The class is shifted by colour: red/green → class 0, blue/grey → class 2 on a third of the rows.
    const target = Float64Array.from(data.target, (y, i) => (i % 3 === 0 ? (i % 4 === 0 || i % 4 === 2 ? 0 : 2) : y));
    const multi = { ...data, table, target, signature: { ...data.signature, features: featuresOf(table) } };
    const model = await train(multi, { n_trees: 10 });
    const colour = multi.signature.features.findIndex((f) => f.name === 'colour');
    const colourSets = model.trees.flatMap((t) =>
      t.feature.map((f, node) => (f === colour ? (t.leftCodeRanges?.[node] ?? []) : [])).filter((c) => c.length > 0),
    );
    expect(colourSets.length).toBeGreaterThan(0);
    expect(accuracy(model, multi)).toBeGreaterThan(majorityShare(multi.target) + 0.2);
  });
});

describe('boosting loop', () => {
  test('early stopping stops on noise and keeps the best round', async () => {
    const data = binaryData(1500);
    const noise = Float64Array.from(data.target, (_, i) => ((i * 7919) % 13) % 2);
    const result = await trainGbdt(
      trainInput({ ...data, target: noise }, { n_trees: 500, early_stopping_rounds: 10, validation_fraction: 0.2 }),
    );
    expect(result.summary.stop_reason).toBe('early_stopping');
    const rounds = Number(result.summary.rounds);
    expect(Number(result.summary.rounds_run)).toBe(rounds + 10);
    expect(result.model.kind === 'gbdt' && result.model.trees.length).toBe(rounds);
    expect((result.model.params as Record<string, unknown>).best_iteration).toBe(rounds);
    const losses = result.history.map((h) => h.validLoss!);
    expect(Math.min(...losses)).toBe(losses[rounds - 1]);
    expect(result.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
  });

  test('stops when no split helps', async () => {
    const rows = 200;
    const table = tableOf([numericColumn('constant', new Float64Array(rows).fill(1))]);
    const target = Float64Array.from({ length: rows }, (_, i) => i % 2);
    const result = await trainGbdt(
      trainInput(
        {
          signature: { task: 'classification', target: 'y', features: featuresOf(table), classes: ['0', '1'] },
          table,
          target,
        },
        { n_trees: 50, early_stopping_rounds: 0 },
      ),
    );
    expect(result.summary.stop_reason).toBe('no_split');
    expect(result.model.kind === 'gbdt' && result.model.trees.length).toBe(0);
    expect(predictGbdt(result.model as GbdtModel, table).probabilities![1]).toBeCloseTo(0.5, 12);
  });

  test('progress is reported once per round', async () => {
    const events: number[] = [];
    await trainGbdt({
      ...trainInput(regressionData(500), { n_trees: 12, early_stopping_rounds: 0 }),
      onProgress: (e) => events.push(e.iteration),
    });
    expect(events).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  test('1 thread and 2 threads give identical models (workers engaged)', async () => {
    // Enough rows that histograms are summed in several blocks and worker threads start.
    const data = binaryData(MIN_ROWS_FOR_WORKERS + 10_000, 5);
    const options = { n_trees: 4, early_stopping_rounds: 0, subsample: 0.9 };
    const one = await trainGbdt(trainInput(data, { ...options, threads: 1 }));
    const two = await trainGbdt(trainInput(data, { ...options, threads: 2 }));
    expect(one.summary.threads).toBe(1);
    expect(two.summary.threads).toBe(2);
    const strip = (m: GbdtModel) => modelToJson({ ...m, params: {} });
    expect(strip(two.model as GbdtModel)).toBe(strip(one.model as GbdtModel));
  });

  test('bad targets are rejected with a DataError', async () => {
    const data = binaryData(50);
    await expect(trainGbdt(trainInput({ ...data, target: data.target.map(() => 2) }))).rejects.toThrow(DataError);
    const one = { ...data, signature: { ...data.signature, classes: ['only'] } };
    await expect(trainGbdt(trainInput(one))).rejects.toThrow(/at least 2/);
    const reg = regressionData(50);
    reg.target[3] = Number.NaN;
    await expect(trainGbdt(trainInput(reg))).rejects.toThrow(/row 4/);
  });
});
