/**
 * Categorical set splits ("code in S goes left") in TypeScript and in the exported graph, where they
 * become decision lists of BRANCH_LEQ nodes over runs of codes sharing the two children: every category, missing and unseen values, both
 * missing directions, sets of every size from one code to all of them.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/export/export.ts';
import { checkParity } from '../../src/export/parity.ts';
import { codeRanges } from '../../src/model/code-ranges.ts';
import { predictGbdtRaw } from '../../src/model/predict-gbdt.ts';
import { modelFromJson, modelToJson } from '../../src/model/serialize.ts';
import type { GbdtModel, Tree } from '../../src/model/types.ts';
import { categoricalColumn, numericColumn, tableOf } from '../helpers/tables.ts';
import { METADATA } from './models.ts';

const { onnx } = onnxProto;

const AIRPORTS = Array.from({ length: 40 }, (_, i) => `A${String(i).padStart(2, '0')}`);

/** One set split on `airport` (left leaf 1, right leaf -1), then nothing else; `ranges` as stored. */
function rangeTree(ranges: number[], missingLeft: boolean): Tree {
  return {
    output: 0,
    feature: [0, -1, -1],
    threshold: [0, 0, 0],
    leftCodeRanges: [ranges, [], []],
    left: [1, -1, -1],
    right: [2, -1, -1],
    missingLeft: [missingLeft, false, false],
    value: [0, 1, -1],
    gain: [1, 0, 0],
    cover: [10, 5, 5],
  };
}

/** rangeTree for a list of codes going left. */
const setTree = (codes: number[], missingLeft: boolean): Tree => rangeTree(codeRanges(codes), missingLeft);

function model(trees: Tree[]): GbdtModel {
  return {
    kind: 'gbdt',
    signature: { task: 'regression', target: 'y', features: [{ name: 'airport', type: 'categorical' }] },
    link: 'identity',
    baseScore: [0],
    trees,
    categoryCodes: { airport: AIRPORTS },
    params: {},
  };
}

// Every airport, then a missing value and an unseen airport.
const table = tableOf([
  categoricalColumn('airport', [...AIRPORTS, null, 'ZZZ']),
  numericColumn('y', new Array(42).fill(0)),
]);

const SETS: readonly number[][] = [
  [7],
  [0, 39],
  [1, 2, 3, 5, 8, 13, 21, 34],
  Array.from({ length: 20 }, (_, i) => 2 * i),
  Array.from({ length: 33 }, (_, i) => i + 3),
  Array.from({ length: 39 }, (_, i) => i),
  Array.from({ length: 40 }, (_, i) => i),
];

describe('categorical set splits', () => {
  for (const codes of SETS) {
    for (const missingLeft of [false, true]) {
      it(`${codes.length} of 40 codes go left, missing ${missingLeft ? 'left' : 'right'}`, async () => {
        const m = model([setTree(codes, missingLeft)]);
        const raw = predictGbdtRaw(m, table);
        const expected = [
          ...AIRPORTS.map((_, code) => (codes.includes(code) ? 1 : -1)),
          ...[0, 0].map(() => (missingLeft ? 1 : -1)),
        ];
        expect(Array.from(raw)).toEqual(expected);
        const report = await checkParity({
          model: m,
          onnx: exportOnnx(m, METADATA),
          table,
          tolerance: 1e-12,
          reference: { rowCount: 42, values: raw },
        });
        expect(report).toMatchObject({ ok: true, max_abs_diff: 0 });
      });
    }
  }

  it('exports a set as BRANCH_LEQ nodes over runs of codes: one node mode, one node per boundary', () => {
    /** The tree op's node modes, and its nodes that compare (not leaves). */
    const treeNodes = (codes: number[]) => {
      const proto = onnx.ModelProto.decode(exportOnnx(model([setTree(codes, false)]), METADATA));
      const op = proto.graph!.node!.find((n) => n.opType === 'TreeEnsembleRegressor')!;
      const modes = op
        .attribute!.find((a) => a.name === 'nodes_modes')!
        .strings!.map((b) => new TextDecoder().decode(b));
      return { modes: new Set(modes), branches: modes.filter((m) => m !== 'LEAF').length };
    };
    // [1, 2, 3] of 40: runs 0 | 1-3 | 4-39, two boundaries; its complement has the same runs.
    expect(treeNodes([1, 2, 3])).toEqual({ modes: new Set(['BRANCH_LEQ', 'LEAF']), branches: 2 });
    expect(treeNodes(AIRPORTS.map((_, i) => i).filter((i) => i > 3 || i === 0)).branches).toBe(2);
    // Even codes: 40 runs of one code each.
    expect(treeNodes(AIRPORTS.map((_, i) => i).filter((i) => i % 2 === 0)).branches).toBe(39);
    // All codes left: one node that only a missing value fails.
    expect(treeNodes(AIRPORTS.map((_, i) => i)).branches).toBe(1);
  });

  it('round-trips through model.json and rejects sets the format does not allow', () => {
    const m = model([setTree([4, 5, 6, 9], true)]);
    expect(m.trees[0]!.leftCodeRanges![0]).toEqual([4, 6, 9, 9]);
    expect(modelFromJson(modelToJson(m), 'model.json')).toEqual(m);
    const load = (ranges: number[]) => () => modelFromJson(modelToJson(model([rangeTree(ranges, true)])), 'model.json');
    expect(load([9, 4])).toThrow(/leftCodeRanges.*"airport": range \[9, 4\] is not within the codes 0..39/);
    expect(load([4, 40])).toThrow(/range \[4, 40\] is not within/);
    expect(load([1, 3, 4, 6])).toThrow(/range \[4, 6\] overlaps or touches the one before/);
    expect(load([1, 3, 5])).toThrow(/expected \[first, last\] pairs, got 3 numbers/);
    const numeric: GbdtModel = {
      ...m,
      signature: { ...m.signature, features: [{ name: 'airport', type: 'numeric' }] },
    };
    expect(() => modelFromJson(modelToJson(numeric), 'model.json')).toThrow(
      /only allowed on a split of a categorical feature/,
    );
    // The exporter refuses what the loader would, naming the tree and node.
    expect(() => exportOnnx(model([rangeTree([4, 40], true)]), METADATA)).toThrow(
      /tree 0: node 0: category set on "airport"/,
    );
  });

  it('keeps a set of a high-cardinality feature small: ranges of codes, not the codes', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `c${i}`);
    const wide: GbdtModel = {
      ...model([rangeTree([100, 20_099, 30_000, 49_999], false)]),
      categoryCodes: { airport: many },
    };
    const table = tableOf([categoricalColumn('airport', ['c99', 'c100', 'c20099', 'c20100', 'c49999', null])]);
    expect(Array.from(predictGbdtRaw(wide, table))).toEqual([-1, 1, 1, -1, 1, -1]);
    expect(modelToJson(wide).length).toBeLessThan(modelToJson({ ...wide, trees: [] }).length + 1000);
  });
});
