/**
 * GBDT inference in TypeScript: the reference the exported ONNX graph is checked against, so it follows
 * the model format to the letter. Inputs: numeric values as float32 (Math.fround), categories as their
 * ordinal code in model.categoryCodes, NaN when missing or unseen. At a node, NaN goes where missingLeft
 * says; any other x goes left when x <= threshold, or, at a categorical set split, when its code is in
 * the node's leftCodeRanges. Raw score = baseScore + the leaf values of the trees,
 * added in float64 in tree order; then the link.
 */

import type { Table } from '../data/types.ts';
import { InputError } from '../errors.ts';
import { ownValue } from '../lib/column-keys.ts';
import { inCodeRanges } from './code-ranges.ts';
import { categoryInput, numericInput } from './inputs.ts';
import { applyLink, outputCount } from './link.ts';
import type { GbdtModel, Predictions } from './types.ts';

/** Set splits whose codes are all below this are tested as bitsets (at most 256 bytes a node). */
const BITSET_CODES = 2048;

/** Rows scored together by every tree before moving on: keeps their feature values in cache. */
const ROW_BLOCK = 2048;

/** Predictions of a GBDT model for every row of `table` (features found by name). */
export function predictGbdt(model: GbdtModel, table: Table): Predictions {
  return applyLink(model.link, predictGbdtRaw(model, table), table.rowCount);
}

/**
 * Raw scores, rowCount x outputs row-major: baseScore[k] plus the values of the leaves the row reaches
 * in the trees of output k, summed in float64 in tree order.
 */
export function predictGbdtRaw(model: GbdtModel, table: Table): Float64Array {
  const outputs = outputCount(model.link, model.signature.classes?.length ?? 0);
  if (model.baseScore.length !== outputs) {
    throw new InputError(`model has ${model.baseScore.length} base scores; its link "${model.link}" needs ${outputs}`);
  }
  const rowCount = table.rowCount;
  const x = featureMatrix(model, table);
  const nodes = flatten(model, outputs);
  const scores = new Float64Array(rowCount * outputs);
  for (let row = 0; row < rowCount; row++) {
    for (let k = 0; k < outputs; k++) scores[row * outputs + k] = model.baseScore[k]!;
  }
  const { feature, threshold, left, right, missingLeft, value, roots, treeOutput } = nodes;
  const { setStart, setEnd, setBits, setRanges } = nodes;
  for (let start = 0; start < rowCount; start += ROW_BLOCK) {
    const end = Math.min(rowCount, start + ROW_BLOCK);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t]!;
      const k = treeOutput[t]!;
      for (let row = start; row < end; row++) {
        let node = root;
        for (let f = feature[node]!; f >= 0; f = feature[node]!) {
          const v = x[f * rowCount + row]!;
          const set = setStart[node]!;
          let goLeft: boolean;
          if (Number.isNaN(v)) goLeft = missingLeft[node] === 1;
          else if (set < 0) goLeft = v <= threshold[node]!;
          else if (setEnd[node]! < 0) {
            // A bitset of -setEnd words from setBits[set].
            goLeft = v < -setEnd[node]! * 32 && ((setBits[set + (v >>> 5)]! >>> (v & 31)) & 1) === 1;
          } else goLeft = inCodeRanges(setRanges, v, set, setEnd[node]!);
          node = goLeft ? left[node]! : right[node]!;
        }
        scores[row * outputs + k] += value[node]!;
      }
    }
  }
  return scores;
}

/** Feature values, column-major (feature f of row r at f * rowCount + r), as the trees compare them. */
function featureMatrix(model: GbdtModel, table: Table): Float64Array {
  const rowCount = table.rowCount;
  const x = new Float64Array(model.signature.features.length * rowCount);
  model.signature.features.forEach((spec, f) => {
    const column = x.subarray(f * rowCount, (f + 1) * rowCount);
    if (spec.type === 'numeric') {
      column.set(numericInput(table, spec.name));
      return;
    }
    const categories = ownValue(model.categoryCodes, spec.name);
    if (!categories) throw new InputError(`model has no category codes for categorical feature "${spec.name}"`);
    const codes = categoryInput(table, spec.name, categories);
    for (let i = 0; i < rowCount; i++) column[i] = codes[i]! < 0 ? Number.NaN : codes[i]!;
  });
  return x;
}

interface FlatTrees {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly value: Float64Array;
  /**
   * Set splits (setStart -1 on threshold splits): sets of codes below BITSET_CODES as bitsets of -setEnd
   * words from setBits[setStart] (one bit test per row); larger ones as ranges setRanges[setStart, setEnd)
   * (a binary search, ~2.5x slower on flights).
   */
  readonly setStart: Int32Array;
  readonly setEnd: Int32Array;
  readonly setBits: Uint32Array;
  readonly setRanges: Float64Array;
  /** Global index of each tree's root. */
  readonly roots: Int32Array;
  readonly treeOutput: Int32Array;
}

/** All trees' nodes in typed arrays, child indices made global (unreachable nodes stay leaves of value 0). */
function flatten(model: GbdtModel, outputs: number): FlatTrees {
  let total = 0;
  for (const tree of model.trees) total += tree.feature.length;
  const ranges: number[] = [];
  const words: number[] = [];
  const flat: FlatTrees = {
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    missingLeft: new Uint8Array(total),
    value: new Float64Array(total),
    setStart: new Int32Array(total).fill(-1),
    setEnd: new Int32Array(total),
    setBits: new Uint32Array(0),
    setRanges: new Float64Array(0),
    roots: new Int32Array(model.trees.length),
    treeOutput: new Int32Array(model.trees.length),
  };
  const featureCount = model.signature.features.length;
  let offset = 0;
  model.trees.forEach((tree, t) => {
    const size = tree.feature.length;
    if (size === 0) throw new InputError(`model tree ${t} has no nodes`);
    if (!(tree.output >= 0 && tree.output < outputs)) {
      throw new InputError(`model tree ${t}: output ${tree.output} is not in [0, ${outputs})`);
    }
    flat.roots[t] = offset;
    flat.treeOutput[t] = tree.output;
    // Walk from the root: every child in range and no node reached twice, so traversal always ends.
    const seen = new Uint8Array(size);
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen[node] === 1) throw new InputError(`model tree ${t}: node ${node} is reached twice`);
      seen[node] = 1;
      const at = offset + node;
      const f = tree.feature[node]!;
      flat.feature[at] = f;
      flat.value[at] = tree.value[node]!;
      if (f < 0) continue;
      const l = tree.left[node]!;
      const r = tree.right[node]!;
      if (!(f < featureCount) || !(l >= 0 && l < size) || !(r >= 0 && r < size)) {
        throw new InputError(`model tree ${t}, node ${node}: feature ${f} or children ${l}/${r} out of range`);
      }
      flat.threshold[at] = tree.threshold[node]!;
      flat.left[at] = offset + l;
      flat.right[at] = offset + r;
      flat.missingLeft[at] = tree.missingLeft[node] ? 1 : 0;
      const set = tree.leftCodeRanges?.[node];
      if (set && set.length > 0) {
        const last = set[set.length - 1]!;
        if (last < BITSET_CODES) {
          const count = (last >>> 5) + 1;
          flat.setStart[at] = words.length;
          flat.setEnd[at] = -count;
          const first = words.length;
          for (let w = 0; w < count; w++) words.push(0);
          for (let i = 0; i < set.length; i += 2) {
            for (let code = set[i]!; code <= set[i + 1]!; code++) words[first + (code >>> 5)]! |= 1 << (code & 31);
          }
        } else {
          flat.setStart[at] = ranges.length;
          ranges.push(...set);
          flat.setEnd[at] = ranges.length;
        }
      }
      stack.push(r, l);
    }
    offset += size;
  });
  return { ...flat, setBits: Uint32Array.from(words, (w) => w >>> 0), setRanges: Float64Array.from(ranges) };
}
