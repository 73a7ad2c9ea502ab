import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { predictGbdt, predictGbdtRaw } from '../../src/model/predict-gbdt.ts';
import type { GbdtModel, Tree } from '../../src/model/types.ts';
import { categoricalColumn, numericColumn, tableOf } from '../train/gbdt-data.ts';

/** A stump: feature `feature` <= threshold → leftValue, else rightValue; missing values per missingLeft. */
function stump(feature: number, threshold: number, missingLeft: boolean, values: [number, number], output = 0): Tree {
  return {
    output,
    feature: [feature, -1, -1],
    threshold: [threshold, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    missingLeft: [missingLeft, false, false],
    value: [0, values[0], values[1]],
    gain: [1, 0, 0],
    cover: [10, 5, 5],
  };
}

function model(overrides: Partial<GbdtModel>): GbdtModel {
  return {
    kind: 'gbdt',
    signature: {
      task: 'regression',
      target: 'y',
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'colour', type: 'categorical' },
      ],
    },
    link: 'identity',
    baseScore: [10],
    trees: [],
    categoryCodes: { colour: ['red', 'green', 'blue'] },
    params: {},
    ...overrides,
  };
}

const table = tableOf([
  numericColumn('x', [0.1, 0.3, 0.30000003, Number.NaN, 5]),
  categoricalColumn('colour', ['red', 'blue', 'green', null, 'purple']),
]);

describe('predictGbdt', () => {
  test('numeric splits compare the float32 value with x <= threshold; NaN follows missingLeft', () => {
    const threshold = Math.fround(0.3);
    const m = model({ trees: [stump(0, threshold, true, [1, 2])] });
    // 0.3 rounds to the threshold itself (left); 0.30000003 rounds to the next float32 (right).
    expect(Math.fround(0.30000003)).toBeGreaterThan(threshold);
    expect(Array.from(predictGbdt(m, table).values!)).toEqual([11, 11, 12, 11, 12]);
    const right = model({ trees: [stump(0, threshold, false, [1, 2])] });
    expect(predictGbdt(right, table).values![3]).toBe(12);
  });

  test('categorical splits use the code in categoryCodes; missing and unseen categories are missing', () => {
    // codes: red 0, green 1, blue 2; "<= 0" separates red.
    const m = model({ trees: [stump(1, 0, false, [1, 2]), stump(1, 1, true, [10, 20])] });
    // red: 1 + 10; blue: 2 + 20; green: 2 + 10; missing: 2 + 10; purple (unseen): 2 + 10.
    expect(Array.from(predictGbdt(m, table).values!)).toEqual([21, 32, 22, 22, 22]);
  });

  test('raw scores add leaf values to the base score in tree order, per output; links apply', () => {
    const multiclass = model({
      signature: {
        task: 'classification',
        target: 'y',
        features: [{ name: 'x', type: 'numeric' }],
        classes: ['a', 'b', 'c'],
      },
      link: 'softmax',
      baseScore: [0, 1, 2],
      trees: [stump(0, 1, true, [1, -1], 0), stump(0, 1, true, [0.5, 0], 2), stump(0, 1, true, [2, 0], 0)],
      categoryCodes: {},
    });
    const raw = predictGbdtRaw(multiclass, table);
    expect(Array.from(raw.subarray(0, 3))).toEqual([3, 1, 2.5]);
    expect(Array.from(raw.subarray(12, 15))).toEqual([-1, 1, 2]);
    const p = predictGbdt(multiclass, table);
    expect(Array.from(p.labelIndex!)).toEqual([0, 0, 0, 0, 2]);
    const total = p.probabilities![0]! + p.probabilities![1]! + p.probabilities![2]!;
    expect(total).toBeCloseTo(1, 12);

    const binary = model({
      signature: {
        task: 'classification',
        target: 'y',
        features: [{ name: 'x', type: 'numeric' }],
        classes: ['no', 'yes'],
      },
      link: 'sigmoid',
      baseScore: [0],
      trees: [stump(0, 1, true, [Math.log(3), -Math.log(3)])],
      categoryCodes: {},
    });
    const probabilities = predictGbdt(binary, table).probabilities!;
    expect(probabilities[1]).toBeCloseTo(0.75, 12);
    expect(probabilities[9]).toBeCloseTo(0.25, 12);
  });

  test('a model without trees predicts its base score', () => {
    expect(Array.from(predictGbdt(model({}), table).values!)).toEqual([10, 10, 10, 10, 10]);
  });

  test('malformed models and inputs fail with InputError', () => {
    const cyclic = stump(0, 1, true, [1, 2]);
    const broken: Tree = { ...cyclic, left: [0, -1, -1] };
    expect(() => predictGbdt(model({ trees: [broken] }), table)).toThrow(InputError);
    const outOfRange: Tree = { ...cyclic, feature: [7, -1, -1] };
    expect(() => predictGbdt(model({ trees: [outOfRange] }), table)).toThrow(/out of range/);
    expect(() => predictGbdt(model({ categoryCodes: {} }), table)).toThrow(/category codes/);
    expect(() => predictGbdt(model({}), tableOf([numericColumn('x', [1])]))).toThrow(/"colour" not found/);
  });
});
