import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/export.ts';
import { float32AtOrBelow } from '../../src/export/tree-ensemble.ts';
import { loadOnnxSession, readOnnxInfo, runOnnx, tableToFeeds } from '../../src/model/onnx.ts';
import type { GbdtModel, LinearModel, Model } from '../../src/model/types.ts';
import { jsonCopy, type Kind, METADATA, randomGbdt, randomLinear } from './models.ts';

const { onnx } = onnxProto;

/** x numeric, color categorical; written out by hand so the expected outputs can be worked out on paper. */
const HAND_GBDT: GbdtModel = {
  kind: 'gbdt',
  signature: {
    task: 'regression',
    target: 'mass',
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'color', type: 'categorical' },
    ],
  },
  link: 'identity',
  baseScore: [4000.5],
  trees: [
    {
      output: 0,
      // 0: x <= 1.5 (missing → left) ? 1 : 2;  2: color code <= 0 (red; missing → right) ? 3 : 4
      feature: [0, -1, 1, -1, -1],
      threshold: [1.5, 0, 0, 0, 0],
      left: [1, -1, 3, -1, -1],
      right: [2, -1, 4, -1, -1],
      missingLeft: [true, false, false, false, false],
      value: [0, 10.25, 0, -3.5, 7.125],
      gain: [1, 0, 1, 0, 0],
      cover: [6, 3, 3, 1, 2],
    },
    {
      output: 0,
      feature: [-1],
      threshold: [0],
      left: [-1],
      right: [-1],
      missingLeft: [false],
      value: [0.0625],
      gain: [0],
      cover: [6],
    },
  ],
  categoryCodes: { color: ['red', 'green'] },
  params: {},
};

const HAND_LINEAR: LinearModel = {
  kind: 'linear',
  signature: {
    task: 'classification',
    target: 'bought',
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'color', type: 'categorical' },
    ],
    classes: ['no', 'yes'],
  },
  link: 'sigmoid',
  numeric: { x: { impute: 2, center: 1, scale: 2 } },
  categories: { color: ['red', 'green'] },
  // design columns: x standardised, color=red, color=green
  weights: [[1.5], [0.5], [-1]],
  bias: [0.25],
  params: {},
};

const handTable = (x: number[], color: (string | null)[]) => {
  const categories = ['red', 'green', 'blue'];
  return {
    rowCount: x.length,
    columns: [
      { type: 'numeric' as const, name: 'x', values: Float64Array.from(x) },
      {
        type: 'categorical' as const,
        name: 'color',
        codes: Int32Array.from(color, (c) => (c === null ? -1 : categories.indexOf(c))),
        categories,
      },
    ],
  };
};

describe('exportOnnx', () => {
  it('computes a hand-written GBDT exactly: float32 inputs, missing and unseen categories', async () => {
    const bytes = exportOnnx(HAND_GBDT, METADATA);
    const { session, info } = await loadOnnxSession(bytes);
    const rows = handTable(
      [1, 2, 2, Number.NaN, 2, 2, 1.5, 1.50000005, 1.5000001],
      ['red', 'red', 'green', 'green', null, 'blue', 'green', 'red', 'red'],
    );
    const predictions = await runOnnx(session, info.signature, rows);
    // 1.50000005 rounds to 1.5 in float32 (left); 1.5000001 rounds above it (right).
    const leaf = [10.25, -3.5, 7.125, 10.25, 7.125, 7.125, 10.25, 10.25, -3.5];
    expect(Array.from(predictions.values!)).toEqual(leaf.map((v) => 4000.5 + v + 0.0625));
  });

  it('computes a hand-written linear classifier: impute, standardise, one-hot, sigmoid, labels', async () => {
    const bytes = exportOnnx(HAND_LINEAR, METADATA);
    const { session, info } = await loadOnnxSession(bytes);
    const rows = handTable([3, Number.NaN, -5], ['red', 'blue', null]);
    const out = await session.run(tableToFeeds(info.signature, rows));
    const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));
    // scores: (3-1)/2*1.5 + 0.5 + 0.25; (2-1)/2*1.5 + 0.25 (unseen → zeros); (-5-1)/2*1.5 + 0.25
    const p = [sigmoid(2.25), sigmoid(1), sigmoid(-4.25)];
    expect(out.label!.data).toEqual(['yes', 'yes', 'no']);
    expect(out.probabilities!.dims).toEqual([3, 2]);
    const probabilities = Array.from(out.probabilities!.data as Float32Array);
    expect(probabilities).toEqual(p.flatMap((v) => [Math.fround(1 - v), Math.fround(v)]));
  });

  it('writes byte-identical files for the same model and metadata', () => {
    for (const model of [randomGbdt('multiclass', { seed: 4, trees: 30 }), randomLinear('binary', 4)]) {
      const first = exportOnnx(model, METADATA);
      const again = exportOnnx(jsonCopy(model) as Model, { ...METADATA });
      expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
      const otherVersion = exportOnnx(model, { ...METADATA, modelVersion: 'v4' });
      expect(Buffer.from(otherVersion).equals(Buffer.from(first))).toBe(false);
    }
  });

  it('declares IR 8, opsets ai.onnx 17 and ai.onnx.ml 3, producer conveyor', () => {
    const proto = onnx.ModelProto.decode(exportOnnx(randomGbdt('binary', { seed: 1, trees: 3 }), METADATA));
    expect(Number(proto.irVersion)).toBe(8);
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);
    expect(proto.producerName).toBe('conveyor');
    expect(proto.docString).toMatch(/^conveyor gbdt classification model penguins v3/);
    // Every attribute carries its type (ORT rejects untyped attributes).
    for (const node of proto.graph!.node!) for (const a of node.attribute!) expect(a.type).toBeGreaterThan(0);
  });

  it('round-trips metadata, signature, inputs and outputs through readOnnxInfo', () => {
    const model = randomGbdt('multiclass', { seed: 2, trees: 9 });
    const info = readOnnxInfo(exportOnnx(model, METADATA));
    expect(info.metadata).toEqual(METADATA);
    expect(info.modelKind).toBe('gbdt');
    expect(info.signature).toEqual(model.signature);
    expect(info.inputs).toEqual([
      { name: 'bill_length_mm', type: 'float', shape: ['N', 1] },
      { name: 'island', type: 'string', shape: ['N', 1] },
      { name: 'flipper_length_mm', type: 'float', shape: ['N', 1] },
      { name: 'sex', type: 'string', shape: ['N', 1] },
    ]);
    expect(info.outputs).toEqual([
      { name: 'label', type: 'string', shape: ['N'] },
      { name: 'probabilities', type: 'float', shape: ['N', 3] },
    ]);
    const regression = readOnnxInfo(exportOnnx(randomLinear('regression', 1), METADATA));
    expect(regression.outputs).toEqual([{ name: 'value', type: 'double', shape: ['N'] }]);
    expect(regression.signature.classes).toBeUndefined();
  });

  it('refuses models the graph cannot represent, naming the problem', () => {
    const base = randomGbdt('binary', { seed: 1, trees: 2 });
    const features = [{ name: 'label', type: 'numeric' as const }, ...base.signature.features.slice(1)];
    const renamed = { ...base, signature: { ...base.signature, features } };
    expect(() => exportOnnx(renamed, METADATA)).toThrow(/feature "label" has the name of an ONNX output/);

    const emptyCategory = { ...base, categoryCodes: { ...base.categoryCodes, sex: ['FEMALE', ''] } };
    expect(() => exportOnnx(emptyCategory, METADATA)).toThrow(/feature "sex": the empty string cannot be a category/);

    const badChild = jsonCopy(base);
    (badChild.trees[1]!.left as number[])[0] = 999;
    expect(() => exportOnnx(badChild, METADATA)).toThrow(/model tree 1: node 0 has child 999/);

    // Leaf values go in as digits whose scaled sums must stay finite in float64.
    const hugeLeaf = jsonCopy(base);
    const leaf = hugeLeaf.trees[0]!.feature.indexOf(-1);
    (hugeLeaf.trees[0]!.value as number[])[leaf] = 1e301;
    expect(() => exportOnnx(hugeLeaf, METADATA)).toThrow(
      `model tree 0: leaf ${leaf} has value 1e+301; leaf values must be finite and within ±1e+300`,
    );

    const wrongLink = { ...base, link: 'identity' as const };
    expect(() => exportOnnx(wrongLink, METADATA)).toThrow(InputError);

    const linear = randomLinear('regression', 1);
    expect(() => exportOnnx({ ...linear, weights: linear.weights.slice(1) }, METADATA)).toThrow(
      /6 weight rows for 7 design columns/,
    );
  });
});

describe('float32AtOrBelow', () => {
  it('gives the largest float32 not above the value', () => {
    expect(float32AtOrBelow(1.5)).toBe(1.5);
    const t = 0.1; // not a float32; fround rounds it up
    expect(Math.fround(t)).toBeGreaterThan(t);
    expect(float32AtOrBelow(t)).toBeLessThan(t);
    expect(Math.fround(float32AtOrBelow(t))).toBe(float32AtOrBelow(t));
    // No float32 lies between the result and t.
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, float32AtOrBelow(t));
    view.setUint32(0, view.getUint32(0) + 1);
    expect(view.getFloat32(0)).toBeGreaterThan(t);
    // fround rounds 45.8 down and -0.1 away from zero: already the answer.
    expect(float32AtOrBelow(45.8)).toBe(Math.fround(45.8));
    expect(float32AtOrBelow(-0.1)).toBe(Math.fround(-0.1));
    expect(float32AtOrBelow(1e-50)).toBe(0);
    expect(float32AtOrBelow(-1e-50)).toBeLessThan(0);
    expect(float32AtOrBelow(1e300)).toBe(3.4028234663852886e38);
    expect(float32AtOrBelow(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

/** A python3 that can `import onnx` (Debian's python3-onnx may sit beside a pyenv python3). */
function pythonWithOnnx(): string | undefined {
  for (const candidate of [process.env.CONVEYOR_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!candidate) continue;
    if (spawnSync(candidate, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

describe('official ONNX checker (scripts/onnx-check.py)', () => {
  const python = pythonWithOnnx();
  const script = join(import.meta.dirname, '../../scripts/onnx-check.py');
  const skipReason = 'no python3 can import onnx (apt-get install python3-onnx, or set CONVEYOR_PYTHON)';

  it('accepts every exported model kind with full_check', (ctx) => {
    if (!python) return ctx.skip(skipReason);
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-onnx-check-'));
    try {
      const kinds: Kind[] = ['binary', 'multiclass', 'regression'];
      const paths = kinds.flatMap((kind) => {
        const gbdt = join(dir, `gbdt-${kind}.onnx`);
        const linear = join(dir, `linear-${kind}.onnx`);
        writeFileSync(gbdt, exportOnnx(randomGbdt(kind, { seed: 6, trees: 12 }), METADATA));
        writeFileSync(linear, exportOnnx(randomLinear(kind, 6), METADATA));
        return [gbdt, linear];
      });
      const result = spawnSync(python, [script, ...paths], { encoding: 'utf8' });
      expect(result.stdout.trim().split('\n')).toEqual(paths.map((p) => expect.stringMatching(`^OK ${p} `)));
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an invalid graph', (ctx) => {
    if (!python) return ctx.skip(skipReason);
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-onnx-check-'));
    try {
      // Concat without its required axis attribute.
      const proto = onnx.ModelProto.decode(exportOnnx(randomLinear('binary', 2), METADATA));
      const concat = proto.graph!.node!.find((n) => n.opType === 'Concat')!;
      concat.attribute = [];
      const path = join(dir, 'broken.onnx');
      writeFileSync(path, onnx.ModelProto.encode(proto).finish());
      const result = spawnSync(python, [script, path], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^ERROR ${path}: .*axis`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
