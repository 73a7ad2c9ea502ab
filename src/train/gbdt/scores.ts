/**
 * Score updates after a tree: add each row's leaf value to its raw score. Rows the tree was grown on
 * take their leaf from the partition (leaf ranges of `rows`); others (row sampling, validation rows)
 * are routed through the tree on their bins. Row-block kernels; each row is written by one task.
 */
import type { ThreadScratch, TrainingMemory } from './memory.ts';

/**
 * Int32 values per node in memory.treeNodes: feature, left, right, then the 8 words of the mask of bins
 * going left (the missing bin included; see SplitInfo.leftMask).
 */
export const TREE_NODE_STRIDE = 11;

/**
 * Kernel, first of two: for positions of block `task` in rows[0, size), writes the index of the leaf
 * whose range holds the position into memory.rowLeaf at the row. a = [size, leafCount, k];
 * memory.leafRanges holds [begin, end) per leaf, sorted, covering [0, size). The scattered writes are
 * two bytes a row; the scores are then updated in row order (applyLeafValuesKernel).
 */
export function markLeavesKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const from = task * m.blockRows;
  const to = Math.min(a[0]!, from + m.blockRows);
  const leafCount = a[1]!;
  const { rows, leafRanges, rowLeaf } = m;
  // First leaf ending after `from` (binary search over the sorted ranges).
  let lo = 0;
  let hi = leafCount - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (leafRanges[2 * mid + 1]! > from) hi = mid;
    else lo = mid + 1;
  }
  for (let leaf = lo, begin = from; begin < to; leaf++) {
    const end = Math.min(to, leafRanges[2 * leaf + 1]!);
    s.wasm.markLeaf(rows.byteOffset + 4 * begin, end - begin, rowLeaf.byteOffset, leaf);
    begin = end;
  }
}

/**
 * Kernel, second of two: for the rows of block `task` (every training row, a = [size, leafCount, k]
 * with size = rowCount), adds the value of the leaf markLeavesKernel gave the row to its score of
 * output k, and multiplies its expScores by the leaf's factor.
 */
export function applyLeafValuesKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const from = task * m.blockRows;
  const to = Math.min(a[0]!, from + m.blockRows);
  const { rowLeaf, scores, expScores, outputs, leafValues, leafFactors } = m;
  s.wasm.applyLeafValues(
    rowLeaf.byteOffset + 2 * from,
    to - from,
    scores.byteOffset + 8 * (from * outputs + a[2]!),
    8 * outputs,
    expScores.length > 0 ? expScores.byteOffset + 8 * from : 0,
    leafValues.byteOffset,
    leafFactors.byteOffset,
  );
}

/**
 * Kernel: routes the rows of block `task` through memory.treeNodes on their bins and adds the leaf
 * value to output k of their score (training rows: and multiplies expScores by the leaf's factor).
 * a = [set (0: training rows, 1: validation rows), k].
 */
export function traverseKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const valid = a[0] === 1;
  const k = a[1]!;
  const rowCount = valid ? m.validRowCount : m.rowCount;
  const bins = valid ? m.validBins : m.bins;
  const scores = valid ? m.validScores : m.scores;
  const from = task * m.blockRows;
  const to = Math.min(rowCount, from + m.blockRows);
  const { treeNodes, treeValues, treeFactors, outputs, expScores } = m;
  const exp = !valid && expScores.length > 0;
  for (let row = from; row < to; row++) {
    let node = 0;
    let f = treeNodes[0]!;
    while (f >= 0) {
      const at = node * 11;
      const b = bins[f * rowCount + row]!;
      const left = (treeNodes[at + 3 + (b >>> 5)]! >>> (b & 31)) & 1;
      node = left === 1 ? treeNodes[at + 1]! : treeNodes[at + 2]!;
      f = treeNodes[node * 11]!;
    }
    scores[row * outputs + k] += treeValues[node]!;
    if (exp) expScores[row]! *= treeFactors[node]!;
  }
}
