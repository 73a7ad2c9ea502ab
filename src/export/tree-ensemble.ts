/**
 * GBDT trees → raw scores [N, K] float64.
 *
 * ai.onnx.ml TreeEnsembleRegressor (ml opset ≤ 3) sums leaf weights in float32 and outputs float32, which
 * cannot hold a 4000 g body mass to 1e-5. So each leaf value goes in as integer digits that the op sums
 * exactly, one target per digit and group of trees (src/export/leaf-digits.ts). The rest is float64: Cast →
 * MatMul by a [targets, K] matrix of the digits' scales → Add baseScore. The sums then match the TypeScript
 * float64 sums to rounding (~1e-12).
 *
 * An earlier graph wrote each leaf's global index and looked its float64 value up with Gather: exact as
 * well, but onnxruntime's Gather costs ~8 ns an element, and a run took 35–55 % longer (bench/README.md, issue 15).
 */

import { InputError } from '../errors.ts';
import { ownValue } from '../lib/column-keys.ts';
import { codeRangesProblem } from '../model/code-ranges.ts';
import type { GbdtModel, Tree } from '../model/types.ts';
import { attr, ELEMENT, type GraphBuilder, ML_DOMAIN } from './graph.ts';
import { DIGITS, digitScales, MAX_LEAF_MAGNITUDE, splitLeaf, TREES_PER_GROUP } from './leaf-digits.ts';

/** A model without trees still needs a leaf per row: one leaf of value 0. */
const ZERO_TREE: Tree = {
  output: 0,
  feature: [-1],
  threshold: [0],
  left: [-1],
  right: [-1],
  missingLeft: [false],
  value: [0],
  gain: [0],
  cover: [0],
};

/** TreeEnsembleRegressor node attributes, and each leaf's tree, id and float64 value. */
export interface FlatEnsemble {
  readonly nodes: {
    readonly treeIds: number[];
    readonly nodeIds: number[];
    readonly featureIds: number[];
    readonly thresholds: number[];
    readonly modes: string[];
    readonly trueIds: number[];
    readonly falseIds: number[];
    readonly missingTracksTrue: number[];
  };
  readonly leaves: { readonly treeIds: number[]; readonly nodeIds: number[]; readonly values: number[] };
  /** Raw-score index of each tree. */
  readonly treeOutputs: number[];
}

/**
 * Flattens the trees (nodes reachable from each root, renumbered in depth-first order) and checks them:
 * child and feature indices in range, no node reached twice, thresholds not NaN.
 */
export function flattenTrees(model: GbdtModel, outputs: number): FlatEnsemble {
  const featureCount = model.signature.features.length;
  const trees = model.trees.length > 0 ? model.trees : [ZERO_TREE];
  const ensemble: FlatEnsemble = {
    nodes: {
      treeIds: [],
      nodeIds: [],
      featureIds: [],
      thresholds: [],
      modes: [],
      trueIds: [],
      falseIds: [],
      missingTracksTrue: [],
    },
    leaves: { treeIds: [], nodeIds: [], values: [] },
    treeOutputs: [],
  };
  const { nodes, leaves } = ensemble;
  trees.forEach((tree, t) => {
    const fail = (detail: string): never => {
      throw new InputError(`model tree ${t}: ${detail}`);
    };
    const size = tree.feature.length;
    for (const key of ['threshold', 'left', 'right', 'missingLeft', 'value'] as const) {
      if (tree[key].length !== size) fail(`${key} has ${tree[key].length} entries for ${size} nodes`);
    }
    if (size === 0) fail('has no nodes');
    if (!Number.isInteger(tree.output) || tree.output < 0 || tree.output >= outputs) {
      fail(`output ${tree.output} is not in [0, ${outputs})`);
    }
    ensemble.treeOutputs.push(tree.output);
    // Depth-first from the root; ids in the ONNX tree are positions in this order, a set split taking
    // one id per node of its decision list over code runs.
    const newId = new Map<number, number>();
    const codeLists = new Map<number, CodeRuns>();
    const order: number[] = [];
    let ids = 0;
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (newId.has(node)) fail(`node ${node} is reached twice`);
      newId.set(node, ids);
      order.push(node);
      const feature = tree.feature[node]!;
      if (feature !== -1) {
        if (!Number.isInteger(feature) || feature < 0 || feature >= featureCount) {
          fail(`node ${node} splits on feature ${feature}, the model has ${featureCount}`);
        }
        const ranges = tree.leftCodeRanges?.[node] ?? [];
        if (ranges.length > 0) {
          const spec = model.signature.features[feature]!;
          const known = spec.type === 'categorical' ? (ownValue(model.categoryCodes, spec.name)?.length ?? 0) : 0;
          const problem = codeRangesProblem(ranges, known);
          if (problem) fail(`node ${node}: category set on "${spec.name}": ${problem}`);
          const list = codeRuns(ranges, known);
          codeLists.set(node, list);
          ids += list.nodes;
        } else ids += 1;
        for (const child of [tree.right[node]!, tree.left[node]!]) {
          if (!Number.isInteger(child) || child < 0 || child >= size) fail(`node ${node} has child ${child}`);
          stack.push(child);
        }
      } else ids += 1;
    }
    const push = (id: number, feature: number, threshold: number, mode: string, yes: number, no: number, m: number) => {
      nodes.treeIds.push(t);
      nodes.nodeIds.push(id);
      nodes.featureIds.push(feature);
      nodes.thresholds.push(threshold);
      nodes.modes.push(mode);
      nodes.trueIds.push(yes);
      nodes.falseIds.push(no);
      nodes.missingTracksTrue.push(m);
    };
    for (const node of order) {
      const feature = tree.feature[node]!;
      const id = newId.get(node)!;
      if (feature === -1) {
        // A non-finite leaf would give non-finite digits, and the scales' MatMul would turn other outputs into NaN.
        if (!(Math.abs(tree.value[node]!) <= MAX_LEAF_MAGNITUDE)) {
          fail(
            `leaf ${node} has value ${tree.value[node]}; leaf values must be finite and within ±${MAX_LEAF_MAGNITUDE}`,
          );
        }
        push(id, 0, 0, 'LEAF', 0, 0, 0);
        leaves.treeIds.push(t);
        leaves.nodeIds.push(id);
        leaves.values.push(tree.value[node]!);
        continue;
      }
      const left = newId.get(tree.left[node]!)!;
      const right = newId.get(tree.right[node]!)!;
      const missingLeft = tree.missingLeft[node] ? 1 : 0;
      const list = codeLists.get(node);
      if (!list) {
        const threshold = tree.threshold[node]!;
        if (Number.isNaN(threshold)) fail(`node ${node} has a NaN threshold`);
        push(id, feature, float32AtOrBelow(threshold), 'BRANCH_LEQ', left, right, missingLeft);
        continue;
      }
      // A decision list over the runs: node i sends run i's codes to its side (a true child, which
      // onnxruntime lets nodes share) and the codes above to node i + 1 (a false child, which it lays out
      // right after the node, so never shared); the last node's false child is the last run's side.
      const target = (goesLeft: boolean) => (goesLeft ? left : right);
      const { runLeft, runEnd, known } = list;
      const runs = runLeft.length;
      if (runs === 1) {
        // Every known code goes one way; only a missing value can fail "code <= known - 1".
        push(
          id,
          feature,
          float32AtOrBelow(known - 0.5),
          'BRANCH_LEQ',
          target(runLeft[0]!),
          target(missingLeft === 1),
          0,
        );
        continue;
      }
      // A missing value fails every comparison (so ends in the last run), unless the first node whose
      // run goes its way tracks it there.
      const missingRun = runLeft.indexOf(missingLeft === 1);
      for (let i = 0; i < runs - 1; i++) {
        const no = i === runs - 2 ? target(runLeft[runs - 1]!) : id + i + 1;
        push(
          id + i,
          feature,
          float32AtOrBelow(runEnd[i]! + 0.5),
          'BRANCH_LEQ',
          target(runLeft[i]!),
          no,
          i === missingRun ? 1 : 0,
        );
      }
    }
  });
  return ensemble;
}

/**
 * A set split as a decision list over the runs of consecutive codes that go the same way, in BRANCH_LEQ
 * nodes only. Measured in onnxruntime on a flights model (bench/train.ts): BRANCH_EQ chains (one node
 * per code; mixed node modes leave onnxruntime's fast path) 1.4x slower than this list; a balanced search
 * over the runs the same as the list, which is simpler; one 0/1 input column per set (a Gather per
 * feature) 2.5x slower, as the input matrix grows by a column per set.
 */
interface CodeRuns {
  /** Per run of codes, in code order: whether it goes left, and its last code. */
  readonly runLeft: boolean[];
  readonly runEnd: number[];
  readonly known: number;
  /** ONNX nodes the list takes: runs - 1, at least 1. */
  readonly nodes: number;
}

/** The runs of codes 0..known-1 for a valid set of left ranges (alternating: the gaps go right). */
function codeRuns(ranges: readonly number[], known: number): CodeRuns {
  const runLeft: boolean[] = [];
  const runEnd: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i]! > next) {
      runLeft.push(false);
      runEnd.push(ranges[i]! - 1);
    }
    runLeft.push(true);
    runEnd.push(ranges[i + 1]!);
    next = ranges[i + 1]! + 1;
  }
  if (next < known) {
    runLeft.push(false);
    runEnd.push(known - 1);
  }
  return { runLeft, runEnd, known, nodes: Math.max(1, runLeft.length - 1) };
}

/**
 * The largest float32 ≤ t. For a float32 input x, `x <= t` ⇔ `x <= float32AtOrBelow(t)`, so the float32
 * threshold attribute keeps the model's float64 comparison exactly (a no-op for float32-representable t).
 */
export function float32AtOrBelow(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f);
  const bits = view.getUint32(0);
  // One float32 step towards -Infinity.
  if (f === 0) view.setUint32(0, 0x80000001);
  else view.setUint32(0, f > 0 ? bits - 1 : bits + 1);
  return view.getFloat32(0);
}

/** Adds the ensemble to the graph; `features` is the [N, F] float matrix. Returns raw scores [N, K] double. */
export function treeEnsembleScores(g: GraphBuilder, model: GbdtModel, features: string, outputs: number): string {
  const ensemble = flattenTrees(model, outputs);
  const { nodes, leaves, treeOutputs } = ensemble;
  // Tree t of output k is in group ⌊(its rank among k's trees) / TREES_PER_GROUP⌋ of k; digit s of group j
  // of output k is target (k · groups + j) · DIGITS + s.
  const ranks = new Array<number>(outputs).fill(0);
  const treeGroup = treeOutputs.map((k) => Math.floor(ranks[k]!++ / TREES_PER_GROUP));
  const groups = treeGroup.reduce((most, j) => Math.max(most, j + 1), 1);
  const targetOf = (t: number, s: number) => (treeOutputs[t]! * groups + treeGroup[t]!) * DIGITS + s;
  const scales = digitScales(leaves.values.reduce((most, v) => Math.max(most, Math.abs(v)), 0));
  const targetIds: number[] = [];
  const targetTrees: number[] = [];
  const targetNodes: number[] = [];
  const targetWeights: number[] = [];
  leaves.treeIds.forEach((t, i) => {
    const digits = splitLeaf(scales, leaves.values[i]!);
    for (let s = 0; s < DIGITS; s++) {
      targetTrees.push(t);
      targetNodes.push(leaves.nodeIds[i]!);
      targetIds.push(targetOf(t, s));
      targetWeights.push(digits[s]!);
    }
  });
  const targets = outputs * groups * DIGITS;
  const digitSums = g.node('TreeEnsembleRegressor', [features], {
    name: 'trees/leaf_digits',
    domain: ML_DOMAIN,
    attributes: [
      attr.int('n_targets', targets),
      attr.ints('nodes_treeids', nodes.treeIds),
      attr.ints('nodes_nodeids', nodes.nodeIds),
      attr.ints('nodes_featureids', nodes.featureIds),
      attr.floats('nodes_values', nodes.thresholds),
      attr.strings('nodes_modes', nodes.modes),
      attr.ints('nodes_truenodeids', nodes.trueIds),
      attr.ints('nodes_falsenodeids', nodes.falseIds),
      attr.ints('nodes_missing_value_tracks_true', nodes.missingTracksTrue),
      attr.ints('target_treeids', targetTrees),
      attr.ints('target_nodeids', targetNodes),
      attr.ints('target_ids', targetIds),
      attr.floats('target_weights', targetWeights),
      attr.string('aggregate_function', 'SUM'),
      attr.string('post_transform', 'NONE'),
    ],
  });
  const sumsAsDouble = g.node('Cast', [digitSums], {
    name: 'trees/leaf_digits/double',
    attributes: [attr.int('to', ELEMENT.DOUBLE)],
  });
  // Target → output matrix of the digits' scales.
  const scaleMatrix = new Float64Array(targets * outputs);
  for (let k = 0; k < outputs; k++) {
    for (let j = 0; j < groups; j++) {
      for (let s = 0; s < DIGITS; s++) scaleMatrix[((k * groups + j) * DIGITS + s) * outputs + k] = scales[s]!;
    }
  }
  const toOutputs = g.doubles('trees/digit_scales', [targets, outputs], scaleMatrix);
  const sums = g.node('MatMul', [sumsAsDouble, toOutputs], { name: 'trees/sum' });
  if (model.baseScore.length !== outputs) {
    throw new InputError(`model baseScore has ${model.baseScore.length} values, the model has ${outputs} outputs`);
  }
  const base = g.doubles('trees/base_score', [outputs], model.baseScore);
  return g.node('Add', [sums, base], { name: 'raw_score' });
}
