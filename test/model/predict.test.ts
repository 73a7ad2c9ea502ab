import { describe, expect, it } from 'vitest';
import { labelsOf, predict } from '../../src/model/predict.ts';
import { predictLinear } from '../../src/model/predict-linear.ts';
import type { GbdtModel, LinearModel } from '../../src/model/types.ts';
import { categoricalColumn, numericColumn, table } from '../train/linear-data.ts';

const linear: LinearModel = {
  kind: 'linear',
  signature: {
    task: 'classification',
    target: 'y',
    features: [{ name: 'x', type: 'numeric' }],
    classes: ['low', 'high'],
  },
  link: 'sigmoid',
  numeric: { x: { impute: 0, center: 0, scale: 1 } },
  categories: {},
  weights: [[3]],
  bias: [-1.5],
  params: {},
};

/** One stump on x: x <= 0.5 (or missing) → -1, else → +2; base score 10. */
const gbdt: GbdtModel = {
  kind: 'gbdt',
  signature: { task: 'regression', target: 'y', features: [{ name: 'x', type: 'numeric' }] },
  link: 'identity',
  baseScore: [10],
  trees: [
    {
      output: 0,
      feature: [0, -1, -1],
      threshold: [0.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      missingLeft: [true, false, false],
      value: [0, -1, 2],
      gain: [4, 0, 0],
      cover: [3, 2, 1],
    },
  ],
  categoryCodes: {},
  params: {},
};

describe('predict', () => {
  const rows = table([numericColumn('x', [0, 1, Number.NaN]), categoricalColumn('other', ['a', 'b', 'c'])]);

  it('dispatches a linear model to predictLinear', () => {
    expect(predict(linear, rows)).toEqual(predictLinear(linear, rows));
  });

  it('dispatches a gbdt model to the tree ensemble', () => {
    expect(Array.from(predict(gbdt, rows).values!)).toEqual([9, 12, 9]);
  });

  it('labelsOf maps label indices to class labels, and refuses regression', () => {
    const predictions = predict(linear, rows);
    // scores -1.5, 1.5, missing → imputed 0 → -1.5
    expect(labelsOf(linear, predictions)).toEqual(['low', 'high', 'low']);
    expect(() => labelsOf(gbdt, predict(gbdt, rows))).toThrow(/needs classification predictions/);
  });
});
