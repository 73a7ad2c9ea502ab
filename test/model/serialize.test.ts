import { describe, expect, it } from 'vitest';
import { gbdtParamsSchema } from '../../src/config/schema.ts';
import { InputError } from '../../src/errors.ts';
import { modelFromJson, modelToJson } from '../../src/model/serialize.ts';
import type { GbdtModel, LinearModel } from '../../src/model/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { dataset, linearTrainer, loadPenguins } from '../train/linear-data.ts';

const linear: LinearModel = {
  kind: 'linear',
  signature: {
    task: 'classification',
    target: 'species',
    features: [
      { name: 'bill', type: 'numeric' },
      { name: 'island', type: 'categorical' },
    ],
    classes: ['Adelie', 'Chinstrap', 'Gentoo'],
  },
  link: 'softmax',
  numeric: { bill: { impute: 43.9219, center: 43.9219, scale: 5.4436 } },
  categories: { island: ['Biscoe', 'Dream'] },
  weights: [
    [-1.5, 0.1, 1.4],
    [0.1, -0.7, 0.6],
    [0.3, 0.2, -0.5],
  ],
  bias: [0.1, -0.2, 0.1],
  params: { l2: 0.0001, max_iter: 500 },
};

const gbdt: GbdtModel = {
  kind: 'gbdt',
  signature: {
    task: 'regression',
    target: 'y',
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'c', type: 'categorical' },
    ],
  },
  link: 'identity',
  baseScore: [1.25],
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
  ],
  categoryCodes: { c: ['p', 'q', 'r'] },
  params: { n_trees: 1 },
};

describe('modelToJson / modelFromJson', () => {
  it('round-trips linear and gbdt models exactly', () => {
    for (const model of [linear, gbdt]) {
      const text = modelToJson(model);
      expect(modelFromJson(text, 'model.json')).toEqual(model);
      expect(modelToJson(modelFromJson(text, 'model.json'))).toBe(text);
    }
  });

  it('round-trips models from both trainers byte for byte', async () => {
    const data = dataset(loadPenguins(), 'species', 'classification');
    const gbdtTrainer = { algorithm: 'gbdt' as const, params: gbdtParamsSchema.parse({ n_trees: 5, threads: 1 }) };
    for (const trainer of [linearTrainer(), gbdtTrainer]) {
      const { model } = await trainModel({ data, trainer, seed: 3 });
      const text = modelToJson(model);
      expect(modelToJson(modelFromJson(text, 'model.json'))).toBe(text);
      expect(modelFromJson(text, 'model.json')).toEqual(JSON.parse(JSON.stringify(model)));
    }
  });

  it('keeps numbers exact (shortest round-trip form)', () => {
    const awkward = { ...linear, bias: [0.1 + 0.2, Math.fround(1 / 3), -1e-300] };
    expect((modelFromJson(modelToJson(awkward), 'm.json') as LinearModel).bias).toEqual(awkward.bias);
  });

  it('writes sorted keys whatever the construction order, arrays of numbers on one line', () => {
    const reordered = Object.fromEntries(Object.entries(linear).reverse()) as unknown as LinearModel;
    expect(modelToJson(reordered)).toBe(modelToJson(linear));
    const text = modelToJson(linear);
    expect(text.indexOf('"bias"')).toBeLessThan(text.indexOf('"categories"'));
    expect(text).toContain('"bias": [0.1, -0.2, 0.1]');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('refuses to write a non-finite number, naming where it is', () => {
    expect(() => modelToJson({ ...linear, bias: [0, Number.NaN, 0] })).toThrow(/\$\.bias\[1\] is NaN/);
  });

  it('reports a truncated file with the file name', () => {
    const text = modelToJson(linear);
    const read = () => modelFromJson(text.slice(0, text.length / 2), 'runs/7/model.json');
    expect(read).toThrow(InputError);
    expect(read).toThrow(/^runs\/7\/model\.json: not valid JSON .*truncated or corrupted/);
  });

  it('names the bad key of a corrupted model', () => {
    const broken = JSON.parse(modelToJson(gbdt));
    broken.trees[0].left = 'oops';
    expect(() => modelFromJson(JSON.stringify(broken), 'm.json')).toThrow(
      /^m\.json: not a valid Conveyor model: key "trees\[0\]\.left": .*expected array/,
    );
    const unknownKind = { ...JSON.parse(modelToJson(linear)), kind: 'forest' };
    expect(() => modelFromJson(JSON.stringify(unknownKind), 'm.json')).toThrow(/key "kind"/);
    const extra = { ...JSON.parse(modelToJson(linear)), surprise: 1 };
    expect(() => modelFromJson(JSON.stringify(extra), 'm.json')).toThrow(/surprise/);
  });

  it('checks the cross-field rules', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...linear, weights: linear.weights.slice(1) }, /key "weights": expected 3 rows \(design columns\), got 2/],
      [{ ...linear, bias: [0] }, /key "bias": expected 3 value\(s\), got 1/],
      [{ ...linear, link: 'sigmoid' }, /key "link": expected "softmax"/],
      [{ ...linear, categories: {} }, /key "categories\.island": missing category list/],
      [
        { ...linear, numeric: { bill: { impute: 0, center: 0, scale: 0 } } },
        /key "numeric\.bill\.scale": must not be 0/,
      ],
      [{ ...gbdt, categoryCodes: {} }, /key "categoryCodes\.c"/],
      [{ ...gbdt, trees: [{ ...gbdt.trees[0]!, value: [0] }] }, /key "trees\[0\]\.value": expected 5 entries/],
      [{ ...gbdt, trees: [{ ...gbdt.trees[0]!, right: [2, -1, 0, -1, -1] }] }, /reached twice/],
      [
        { ...gbdt, trees: [{ ...gbdt.trees[0]!, left: [1, -1, 9, -1, -1] }] },
        /key "trees\[0\]\.left\[2\]": child index 9/,
      ],
      [{ ...gbdt, trees: [{ ...gbdt.trees[0]!, feature: [0, -1, 7, -1, -1] }] }, /feature index 7 is out of range/],
      [{ ...gbdt, trees: [{ ...gbdt.trees[0]!, output: 1 }] }, /key "trees\[0\]\.output"/],
    ];
    for (const [model, message] of cases) {
      expect(() => modelFromJson(JSON.stringify(model), 'm.json'), String(message)).toThrow(message);
    }
  });
});
