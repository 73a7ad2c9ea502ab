import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { evaluateModel, MIN_SLICE_ROWS } from '../../src/evaluate/evaluate.ts';
import { formatEvaluation } from '../../src/evaluate/format.ts';
import { classificationMetrics } from '../../src/evaluate/metrics.ts';
import { evaluationReportSchema } from '../../src/evaluate/types.ts';
import { predictLinear } from '../../src/model/predict-linear.ts';
import type { GbdtModel, LinearModel, Predictions } from '../../src/model/types.ts';
import { trainLinear } from '../../src/train/linear/index.ts';
import type { Dataset } from '../../src/train/types.ts';
import {
  categoricalColumn,
  dataset,
  linearTrainer,
  loadPenguins,
  numericColumn,
  splitRows,
  table,
} from '../train/linear-data.ts';

/** Binary model on x (identity transform) and colour {blue, red}; one output. */
const binaryModel: LinearModel = {
  kind: 'linear',
  signature: {
    task: 'classification',
    target: 'y',
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'colour', type: 'categorical' },
    ],
    classes: ['neg', 'pos'],
  },
  link: 'sigmoid',
  numeric: { x: { impute: 0, center: 0, scale: 1 } },
  categories: { colour: ['blue', 'red'] },
  weights: [[2], [1], [-3]],
  bias: [0],
  params: {},
};

function binaryData(): Dataset {
  const source = table([
    numericColumn('x', [1, -1, 2, 0, 0.5, -2]),
    categoricalColumn('colour', ['blue', 'red', null, 'red', 'blue', 'blue']),
    categoricalColumn('region', ['north', 'north', 'south', 'south', null, 'north']),
  ]);
  return { signature: binaryModel.signature, table: source, target: Float64Array.of(1, 0, 1, 0, 0, 1) };
}

describe('evaluateModel (classification)', () => {
  const data = binaryData();
  const predictions = predictLinear(binaryModel, data.table);
  const report = evaluateModel({ data, predictions, model: binaryModel, slices: ['region'] });

  it('reports overall metrics equal to the metric functions, with directions and eps', () => {
    const expected = classificationMetrics({
      classes: 2,
      actual: data.target,
      predicted: predictions.labelIndex!,
      probabilities: predictions.probabilities!,
    });
    expect(report.metrics).toEqual(expected);
    // scores: x=1 blue → 3; -1 red → -5; 2 missing → 4; 0 red → -3; 0.5 blue → 2; -2 blue → -3
    // predicted [1,0,1,0,1,0], actual [1,0,1,0,0,1]
    expect(report.metrics.accuracy).toBeCloseTo(4 / 6, 15);
    expect(report.classification!.confusion_matrix).toEqual({
      labels: ['neg', 'pos'],
      matrix: [
        [2, 1],
        [1, 2],
      ],
    });
    expect(report.higher_is_better).toEqual({
      accuracy: true,
      balanced_accuracy: true,
      log_loss: false,
      roc_auc: true,
      macro_f1: true,
    });
    expect(report.log_loss_eps).toBe(1e-15);
    expect(report.rows).toBe(6);
    expect(report.classes).toEqual(['neg', 'pos']);
    expect(report.regression).toBeNull();
    expect(() => evaluationReportSchema.parse(JSON.parse(JSON.stringify(report)))).not.toThrow();
  });

  it('scores each slice value on its own rows, missing last, small slices flagged', () => {
    expect(report.slices).toHaveLength(1);
    const slice = report.slices[0]!;
    expect(slice.column).toBe('region');
    expect(slice.min_rows).toBe(MIN_SLICE_ROWS);
    expect(slice.values.map((v) => [v.value, v.rows, v.small])).toEqual([
      ['north', 3, true],
      ['south', 2, true],
      [null, 1, true],
    ]);
    // north: rows 0, 1, 5 → predicted [1, 0, 0], actual [1, 0, 1]
    expect(slice.values[0]!.metrics.accuracy).toBeCloseTo(2 / 3, 15);
    expect(slice.values[0]!.metrics.roc_auc).toBe(1); // scores 3, -5, -3: positives 3, -3 beat -5
    // south: rows 2, 3 → both right; the null-region row (a false positive) is its own slice
    expect(slice.values[1]!.metrics.accuracy).toBe(1);
    expect(slice.values[2]!.metrics.accuracy).toBe(0);
    expect(slice.values[2]!.metrics.roc_auc).toBeNull(); // one class only
  });

  it('linear importance is mean |weight × design value| per feature, summing to 1', () => {
    // x: mean |2x| = 2·(1+1+2+0+0.5+2)/6 = 6.5/3; colour: (1 + 3 + 0 + 3 + 1 + 1)/6 = 9/6
    const x = 6.5 / 3;
    const colour = 9 / 6;
    expect(report.importance.method).toBe('mean_abs_contribution');
    expect(report.importance.features).toEqual([
      { feature: 'x', importance: expect.closeTo(x / (x + colour), 14) },
      { feature: 'colour', importance: expect.closeTo(colour / (x + colour), 14) },
    ]);
  });

  it('formats a readable text report', () => {
    const text = formatEvaluation(report);
    expect(text).toContain('Evaluation of the linear model on 6 rows (classification, target "y", 2 classes)');
    expect(text).toMatch(/accuracy\s+0\.6667\s+higher/);
    expect(text).toMatch(/log_loss\s+\d+\.\d{4}\s+lower/);
    expect(text).toContain('Confusion matrix (rows = actual, columns = predicted)');
    expect(text).toMatch(/neg\s+2\s+1\n\s+pos\s+1\s+2/);
    expect(text).toContain('(missing) (small)');
    expect(text).toMatch(/x\s+0\.\d{3}\s+#+/);
  });

  it('rejects a slice column that is missing or not categorical, and mismatched predictions', () => {
    expect(() => evaluateModel({ data, predictions, model: binaryModel, slices: ['nope'] })).toThrow(InputError);
    expect(() => evaluateModel({ data, predictions, model: binaryModel, slices: ['x'] })).toThrow(
      /slice column "x" is numeric/,
    );
    const short: Predictions = { ...predictions, rowCount: 5 };
    expect(() => evaluateModel({ data, predictions: short, model: binaryModel, slices: [] })).toThrow(/must match/);
  });
});

describe('evaluateModel with other classes in the data than in the model', () => {
  it('scores in the data classes plus the model-only ones; a class the model lacks gets probability 0', () => {
    const data: Dataset = {
      signature: { ...binaryModel.signature, classes: ['neg', 'new', 'pos'] },
      table: table([numericColumn('x', [3, -3, 0]), categoricalColumn('colour', [null, null, null])]),
      target: Float64Array.of(2, 0, 1), // pos, neg, new
    };
    const predictions = predictLinear(binaryModel, data.table);
    const report = evaluateModel({ data, predictions, model: binaryModel, slices: [] });
    expect(report.classes).toEqual(['neg', 'new', 'pos']);
    // x = 3 → pos, x = -3 → neg, x = 0 → p = 0.5: first index of the max is neg
    expect(report.classification!.confusion_matrix.matrix).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const p = 1 / (1 + Math.exp(-6));
    expect(report.metrics.log_loss).toBeCloseTo(-(Math.log(p) + Math.log(p) + Math.log(1e-15)) / 3, 12);
  });
});

describe('evaluateModel (regression, gbdt importance)', () => {
  const model: GbdtModel = {
    kind: 'gbdt',
    signature: {
      task: 'regression',
      target: 'y',
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'c', type: 'categorical' },
        { name: 'unused', type: 'numeric' },
      ],
    },
    link: 'identity',
    baseScore: [0],
    trees: [
      {
        output: 0,
        feature: [0, -1, 1, -1, -1],
        threshold: [0.5, 0, 1, 0, 0],
        left: [1, -1, 3, -1, -1],
        right: [2, -1, 4, -1, -1],
        missingLeft: [true, false, false, false, false],
        value: [0, -0.1, 0, 0.2, 0.3],
        gain: [5, 0, 2, 0, 0],
        cover: [10, 4, 6, 3, 3],
      },
      {
        output: 0,
        feature: [1, -1, -1],
        threshold: [0, 0, 0],
        left: [1, -1, -1],
        right: [2, -1, -1],
        missingLeft: [false, false, false],
        value: [0, 0.1, -0.1],
        gain: [1, 0, 0],
        cover: [10, 5, 5],
      },
    ],
    categoryCodes: { c: ['p', 'q'] },
    params: {},
  };
  const data: Dataset = {
    signature: model.signature,
    table: table([categoricalColumn('c', ['p', 'q', 'p', 'q'])]),
    target: Float64Array.of(1, 2, 3, 4),
  };
  const predictions: Predictions = { rowCount: 4, values: Float64Array.of(1.5, 2, 2, 5) };
  const report = evaluateModel({ data, predictions, model, slices: ['c'] });

  it('reports rmse, mae, r2 and residuals', () => {
    expect(report.metrics).toEqual({ rmse: 0.75, mae: 0.625, r2: expect.closeTo(0.55, 15) });
    expect(report.higher_is_better).toEqual({ rmse: false, mae: false, r2: true });
    expect(report.regression!.residuals!.median).toBeCloseTo(-0.25, 15);
    expect(report.classification).toBeNull();
    expect(report.log_loss_eps).toBeNull();
    // slice p: rows 0, 2 → residuals -0.5, 1
    expect(report.slices[0]!.values[0]).toMatchObject({ value: 'p', rows: 2 });
    expect(report.slices[0]!.values[0]!.metrics.mae).toBeCloseTo(0.75, 15);
  });

  it('gbdt importance is the total split gain per feature, normalised', () => {
    expect(report.importance).toEqual({
      method: 'total_gain',
      features: [
        { feature: 'x', importance: 5 / 8 },
        { feature: 'c', importance: 3 / 8 },
        { feature: 'unused', importance: 0 },
      ],
    });
    expect(formatEvaluation(report)).toContain('Residuals (actual − predicted)');
  });
});

describe('evaluateModel on a trained penguins model', () => {
  it('importances sum to 1 and slices cover every holdout row', async () => {
    const penguins = loadPenguins();
    const { train, test } = splitRows(penguins.rowCount, 0.3, 11);
    const model = (
      await trainLinear({
        data: dataset(penguins, 'species', 'classification', train),
        trainer: linearTrainer(),
        seed: 1,
      })
    ).model;
    const holdout = dataset(penguins, 'species', 'classification', test);
    const report = evaluateModel({
      data: holdout,
      predictions: predictLinear(model as LinearModel, holdout.table),
      model,
      slices: ['island', 'sex'],
    });
    expect(report.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.metrics.roc_auc).toBeGreaterThan(0.98);
    const total = report.importance.features.reduce((a, f) => a + f.importance, 0);
    expect(total).toBeCloseTo(1, 12);
    for (const slice of report.slices)
      expect(slice.values.reduce((a, v) => a + v.rows, 0)).toBe(holdout.table.rowCount);
    expect(report.classification!.per_class.reduce((a, c) => a + c.support, 0)).toBe(holdout.table.rowCount);
  });
});

describe('naive baseline', () => {
  it('scores the majority class with the training class shares, as sklearn DummyClassifier(prior)', () => {
    const data = binaryData(); // holdout targets 1, 0, 1, 0, 0, 1
    const predictions = predictLinear(binaryModel, data.table);
    // Training rows: 3 × pos, 1 × neg → always "pos" with probabilities [0.25, 0.75].
    const trainTarget = Float64Array.of(1, 1, 0, 1);
    const report = evaluateModel({ data, predictions, model: binaryModel, slices: [], trainTarget });
    const naive = report.naive_baseline!;
    expect(naive.strategy).toBe('prior');
    expect(naive.description).toMatch(/^always "pos" \(75% of training rows\)/);
    expect(naive.metrics.accuracy).toBeCloseTo(0.5, 12);
    expect(naive.metrics.roc_auc).toBe(0.5); // one score for every row ranks nothing
    expect(naive.metrics.log_loss).toBeCloseTo(-(3 * Math.log(0.75) + 3 * Math.log(0.25)) / 6, 12);
    // pos: precision 0.5, recall 1 → f1 2/3; neg never predicted → f1 0.
    expect(naive.metrics.macro_f1).toBeCloseTo(1 / 3, 12);
    expect(() => evaluationReportSchema.parse(JSON.parse(JSON.stringify(report)))).not.toThrow();
    expect(formatEvaluation(report)).toContain('naive: a model that ignores the features — always "pos"');
    expect(evaluateModel({ data, predictions, model: binaryModel, slices: [] }).naive_baseline).toBeNull();
  });

  it('scores the training mean for regression: R² ≤ 0 on the holdout', () => {
    const model: LinearModel = {
      ...binaryModel,
      signature: { task: 'regression', target: 'y', features: binaryModel.signature.features },
      link: 'identity',
    };
    const data: Dataset = { ...binaryData(), signature: model.signature, target: Float64Array.of(1, 2, 3, 4, 5, 6) };
    const predictions = predictLinear(model, data.table);
    const report = evaluateModel({ data, predictions, model, slices: [], trainTarget: Float64Array.of(2, 4) });
    const naive = report.naive_baseline!;
    expect(naive).toMatchObject({ strategy: 'mean', description: 'always the training mean 3' });
    // Residuals -2..3 around 3: mean square (4 + 1 + 0 + 1 + 4 + 9) / 6.
    expect(naive.metrics.rmse).toBeCloseTo(Math.sqrt(19 / 6), 12);
    expect(naive.metrics.mae).toBeCloseTo(1.5, 12);
    expect(naive.metrics.r2!).toBeLessThanOrEqual(0);
  });
});
