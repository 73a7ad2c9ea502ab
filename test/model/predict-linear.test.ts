import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { designColumnCount, linearDesign, predictLinear } from '../../src/model/predict-linear.ts';
import type { LinearModel } from '../../src/model/types.ts';
import { categoricalColumn, numericColumn, table } from '../train/linear-data.ts';

/** Hand-made model: x (numeric) and colour ∈ {blue, red}; 3 classes. */
const model: LinearModel = {
  kind: 'linear',
  signature: {
    task: 'classification',
    target: 'y',
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'colour', type: 'categorical' },
    ],
    classes: ['a', 'b', 'c'],
  },
  link: 'softmax',
  numeric: { x: { impute: 2, center: 1, scale: 4 } },
  categories: { colour: ['blue', 'red'] },
  weights: [
    [1, 0, -1],
    [0.5, 0, 0],
    [0, 2, 0],
  ],
  bias: [0, 0.25, 0],
  params: {},
};

function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('predictLinear', () => {
  it('computes design·weights + bias with float32 inputs, imputation and one-hot', () => {
    const rows = table([
      categoricalColumn('colour', ['red', 'blue', null, 'green']),
      numericColumn('x', [5, Number.NaN, 0.1, 1]),
      numericColumn('unused', [0, 0, 0, 0]),
    ]);
    const predictions = predictLinear(model, rows);
    const z = (x: number) => (Math.fround(x) - 1) / 4;
    const expected = [
      [z(5), 0.25 + 2, -z(5)], // red
      [z(2) + 0.5, 0.25, -z(2)], // missing x → impute 2; blue
      [z(0.1), 0.25, -z(0.1)], // missing colour → zeros; 0.1 read as float32
      [0, 0.25, 0], // unseen colour → zeros; x at the center
    ].map(softmax);
    expected.forEach((p, i) => {
      for (let k = 0; k < 3; k++) expect(predictions.probabilities![3 * i + k]).toBeCloseTo(p[k]!, 14);
    });
    expect(Array.from(predictions.labelIndex!)).toEqual([1, 0, 1, 1]);
  });

  it('builds the design matrix in signature order', () => {
    const rows = table([numericColumn('x', [3]), categoricalColumn('colour', ['red'])]);
    const design = linearDesign(model, rows);
    expect(design.columnCount).toBe(3);
    expect(designColumnCount(model)).toBe(3);
    expect(design.blocks[0]).toMatchObject({ kind: 'numeric', column: 0, values: Float64Array.of(0.5) });
    expect(design.blocks[1]).toMatchObject({ kind: 'categorical', offset: 1, width: 2, hot: Int32Array.of(2) });
  });

  it('gives [1-p, p] for a sigmoid model and values for identity', () => {
    const binary: LinearModel = {
      ...model,
      signature: { ...model.signature, classes: ['no', 'yes'] },
      link: 'sigmoid',
      weights: [[2], [0], [-1]],
      bias: [0.5],
    };
    const rows = table([numericColumn('x', [1]), categoricalColumn('colour', ['red'])]);
    const p = 1 / (1 + Math.exp(-(0 + -1 + 0.5)));
    const predictions = predictLinear(binary, rows);
    expect(predictions.probabilities![0]).toBeCloseTo(1 - p, 15);
    expect(predictions.probabilities![1]).toBeCloseTo(p, 15);
    expect(predictions.labelIndex![0]).toBe(0);

    const regression: LinearModel = {
      ...binary,
      signature: { task: 'regression', target: 'y', features: model.signature.features },
      link: 'identity',
    };
    const values = predictLinear(regression, table([numericColumn('x', [9]), categoricalColumn('colour', ['blue'])]));
    expect(Array.from(values.values!)).toEqual([2 * 2 + 0 + 0.5]);
  });

  it('names a missing or mistyped input column', () => {
    expect(() => predictLinear(model, table([numericColumn('x', [1])]))).toThrow(/input column "colour" not found/);
    expect(() => predictLinear(model, table([numericColumn('x', [1]), numericColumn('colour', [1])]))).toThrow(
      InputError,
    );
  });
});
