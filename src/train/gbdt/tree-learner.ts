/**
 * Gradients → one regression tree on the binned training rows. Grows best-first (leaf-wise, as
 * LightGBM) or level by level (depth-wise, as XGBoost), within max_depth and max_leaves. It sees only
 * gradient/hessian pairs, never the objective.
 *
 * Each open leaf owns a contiguous range of `memory.rows` and, while it may still be split, a
 * histogram slot. Splitting a leaf partitions its range (stable: left rows first, both halves keep row
 * order), builds the histogram of the smaller child and gets the larger one's by subtraction from the
 * parent's (LightGBM's subtraction trick).
 */
import type { Executor } from './executor.ts';
import { BIN_STRIDE, buildHistogram, countBins } from './histogram.ts';
import type { TrainingMemory } from './memory.ts';
import { partitionRows } from './partition.ts';
import {
  type CategoricalSplitParams,
  findBestSplit,
  leafOutput,
  leafScore,
  MASK_WORDS,
  SPLIT_RESULT_STRIDE,
  SplitInfo,
  type SplitParams,
  splitGainBound,
  splitSearchKernel,
} from './split.ts';

/** Split search tasks per thread (features are shared out between them). */
const SEARCH_TASKS_PER_THREAD = 4;

export interface TreeParams extends SplitParams {
  readonly growth: 'depthwise' | 'leafwise';
  readonly maxDepth: number;
  readonly maxLeaves: number;
  /** Features split by sets of categories (1 per feature), and how. */
  readonly categorical?: { readonly features: Uint8Array; readonly params: CategoricalSplitParams };
}

/** A tree over bins: node arrays as in the model's Tree, thresholds as bin indices. */
export interface BinnedTree {
  readonly feature: number[];
  /** Threshold splits: rows with a value bin ≤ this go left (missing bin: see missingLeft). */
  readonly bin: number[];
  /** Set splits: the value bins going left, ascending (empty on threshold splits and leaves). */
  readonly leftBins: number[][];
  /** Per node, the bins going left as a mask (MASK_WORDS words, missing bin included); zeros on leaves. */
  readonly leftMask: Int32Array[];
  readonly missingLeft: boolean[];
  readonly left: number[];
  readonly right: number[];
  /** Leaf output before shrinkage (0 on internal nodes). */
  readonly value: number[];
  readonly gain: number[];
  readonly cover: number[];
  /** Per leaf node, its rows: memory.rows[rowBegin, rowEnd) (-1 on internal nodes). */
  readonly rowBegin: number[];
  readonly rowEnd: number[];
}

interface OpenLeaf {
  readonly node: number;
  readonly begin: number;
  readonly end: number;
  readonly depth: number;
  readonly gradient: number;
  readonly hessian: number;
  /** Histogram slot, or -1 when it has none (not splittable, or evicted for memory). */
  slot: number;
  readonly split: SplitInfo;
}

export class TreeLearner {
  private readonly memory: TrainingMemory;
  private readonly freeSlots: number[] = [];
  private featureCount = 0;
  /** Whether memory.binCounts is filled (on the first tree grown on every row). */
  private binsCounted = false;

  private readonly executor: Executor;
  private readonly params: TreeParams;

  constructor(executor: Executor, params: TreeParams) {
    this.executor = executor;
    this.params = params;
    this.memory = executor.memory;
    const totals = this.memory.splitTotals;
    totals[0] = params.l1;
    totals[1] = params.l2;
    totals[2] = params.minSamplesLeaf;
    totals[3] = params.minHessianLeaf;
    totals[4] = splitGainBound(params);
    if (params.categorical) this.memory.setSplit.set(params.categorical.features);
  }

  /** Features the next trees may split on (ascending indices). */
  setFeatures(features: readonly number[]): void {
    this.memory.features.set(features);
    this.featureCount = features.length;
  }

  /**
   * Grows a tree on rows memory.rows[0, rowCount) with the gradients of raw-score output `output`,
   * over the features last set. `identityRows`: memory.rows[i] = i (no row sampling).
   * The root is a leaf when no split helps.
   */
  learn(rowCount: number, output: number, identityRows: boolean): BinnedTree {
    const { memory, params } = this;
    const tree: BinnedTree = {
      feature: [],
      bin: [],
      leftBins: [],
      leftMask: [],
      missingLeft: [],
      left: [],
      right: [],
      value: [],
      gain: [],
      cover: [],
      rowBegin: [],
      rowEnd: [],
    };
    this.freeSlots.length = 0;
    for (let s = memory.slots - 1; s >= 0; s--) this.freeSlots.push(s);

    const open: OpenLeaf[] = [];
    let root: OpenLeaf;
    const rootSplittable = rowCount >= 2 * params.minSamplesLeaf && params.maxDepth > 0 && this.featureCount > 0;
    if (rootSplittable) {
      // Root totals from its histogram (any one feature's bins hold every row once).
      const slot = this.takeSlot(open);
      if (identityRows && !this.binsCounted) {
        countBins(this.executor);
        this.binsCounted = true;
      }
      buildHistogram(this.executor, slot, 0, rowCount, output, this.featureCount, identityRows, identityRows);
      const [gradient, hessian] = this.histogramTotals(slot);
      root = this.addLeaf(tree, 0, rowCount, 0, gradient, hessian);
      root.slot = slot;
      if (this.splittable(root, 2)) this.searchSplits([root]);
      else this.releaseSlot(root);
    } else {
      const [gradient, hessian] = this.rowTotals(rowCount, output);
      root = this.addLeaf(tree, 0, rowCount, 0, gradient, hessian);
    }
    open.push(root);

    let leaves = 1;
    while (leaves < params.maxLeaves) {
      const index = this.pick(open);
      if (index < 0) break;
      const leaf = open[index]!;
      open.splice(index, 1);
      const [left, right] = this.split(tree, leaf, leaves + 1, open, output);
      leaves += 1;
      open.push(left, right);
    }
    for (const leaf of open) if (leaf.slot >= 0) this.releaseSlot(leaf);
    return tree;
  }

  private addLeaf(
    tree: BinnedTree,
    begin: number,
    end: number,
    depth: number,
    gradient: number,
    hessian: number,
  ): OpenLeaf {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.bin.push(0);
    tree.leftBins.push([]);
    tree.leftMask.push(new Int32Array(MASK_WORDS));
    tree.missingLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(leafOutput(gradient, hessian, this.params));
    tree.gain.push(0);
    tree.cover.push(hessian);
    tree.rowBegin.push(begin);
    tree.rowEnd.push(end);
    return { node, begin, end, depth, gradient, hessian, slot: -1, split: new SplitInfo() };
  }

  /** Whether a leaf may be split, given the number of leaves the tree would then have. */
  private splittable(leaf: OpenLeaf, leavesIfSplit: number): boolean {
    const { params } = this;
    return (
      leaf.depth < params.maxDepth &&
      leavesIfSplit <= params.maxLeaves &&
      leaf.end - leaf.begin >= 2 * params.minSamplesLeaf &&
      leaf.hessian >= 2 * params.minHessianLeaf
    );
  }

  /** Gradient and hessian sums of a node from its histogram (the first feature's bins). */
  private histogramTotals(slot: number): [number, number] {
    const m = this.memory;
    const f = m.features[0]!;
    const start = slot * m.histDoubles + m.featureOffsets[f]! * BIN_STRIDE;
    let gradient = 0;
    let hessian = 0;
    for (let b = 0; b < m.featureBinCounts[f]!; b++) {
      gradient += m.hist[start + b * BIN_STRIDE]!;
      hessian += m.hist[start + b * BIN_STRIDE + 1]!;
    }
    return [gradient, hessian];
  }

  /** Gradient and hessian sums of rows[0, rowCount), in row order. */
  private rowTotals(rowCount: number, output: number): [number, number] {
    const { gradHess, rows } = this.memory;
    const offset = output * 2 * this.memory.rowCount;
    let gradient = 0;
    let hessian = 0;
    for (let i = 0; i < rowCount; i++) {
      const at = offset + rows[i]! * 2;
      gradient += gradHess[at]!;
      hessian += gradHess[at + 1]!;
    }
    return [gradient, hessian];
  }

  /**
   * Finds the best split of each of `nodes` (one or two, each with a histogram), on every thread:
   * splitSearchKernel scans the threshold features, then findBestSplit takes the best in feature order
   * (and searches the set splits). `subtract` = [into, from] slots: first hist[into] -= hist[from] (the
   * larger child's histogram from its parent's), feature by feature in the same tasks.
   */
  private searchSplits(nodes: readonly OpenLeaf[], subtract?: readonly [number, number]): void {
    const m = this.memory;
    const { l1, l2 } = this.params;
    const featureCount = this.featureCount;
    nodes.forEach((leaf, c) => {
      const at = 5 + 4 * c;
      m.splitTotals[at] = leaf.gradient;
      m.splitTotals[at + 1] = leaf.hessian;
      m.splitTotals[at + 2] = leaf.end - leaf.begin;
      m.splitTotals[at + 3] = leafScore(leaf.gradient, leaf.hessian, l1, l2);
    });
    const base = (c: number) => (c < nodes.length ? nodes[c]!.slot * m.histDoubles : -1);
    // Which thread scans which feature changes nothing (each feature's result is its own).
    const perTask = Math.max(1, Math.ceil(featureCount / (SEARCH_TASKS_PER_THREAD * this.executor.threads)));
    this.executor.run(splitSearchKernel, Math.ceil(featureCount / perTask), [
      featureCount,
      perTask,
      subtract ? subtract[0] * m.histDoubles : -1,
      subtract ? subtract[1] * m.histDoubles : -1,
      base(0),
      base(1),
    ]);
    nodes.forEach((leaf, c) => {
      findBestSplit(
        m.hist,
        leaf.slot * m.histDoubles,
        m.features,
        featureCount,
        m.featureOffsets,
        m.missingBins,
        leaf.gradient,
        leaf.hessian,
        leaf.end - leaf.begin,
        this.params,
        leaf.split,
        this.params.categorical,
        { results: m.splitResults, at: c * featureCount * SPLIT_RESULT_STRIDE },
      );
    });
  }

  /**
   * Next leaf to split: leaf-wise, the largest gain; depth-wise, the shallowest level first, the
   * largest gain within it. Ties go to the older node. -1 when no leaf has a split.
   */
  private pick(open: OpenLeaf[]): number {
    const depthwise = this.params.growth === 'depthwise';
    let best = -1;
    for (let i = 0; i < open.length; i++) {
      const leaf = open[i]!;
      if (leaf.split.feature < 0) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const current = open[best]!;
      if (depthwise && leaf.depth !== current.depth) {
        if (leaf.depth < current.depth) best = i;
        continue;
      }
      if (
        leaf.split.gain > current.split.gain ||
        (leaf.split.gain === current.split.gain && leaf.node < current.node)
      ) {
        best = i;
      }
    }
    return best;
  }

  private split(
    tree: BinnedTree,
    leaf: OpenLeaf,
    leavesAfter: number,
    open: OpenLeaf[],
    output: number,
  ): [OpenLeaf, OpenLeaf] {
    const m = this.memory;
    const s = leaf.split;
    const node = leaf.node;
    const mask = s.leftMask(m.missingBins[s.feature]!, tree.leftMask[node]!);
    const leftCount = partitionRows(this.executor, leaf.begin, leaf.end, s.feature, mask);
    if (leftCount !== s.leftCount) {
      throw new Error(`tree learner: partition put ${leftCount} rows left, the histogram said ${s.leftCount}`);
    }
    tree.feature[node] = s.feature;
    tree.bin[node] = s.bin;
    if (s.categorical) tree.leftBins[node] = s.leftBinList();
    tree.missingLeft[node] = s.missingLeft;
    tree.gain[node] = s.gain;
    tree.value[node] = 0;
    tree.rowBegin[node] = -1;
    tree.rowEnd[node] = -1;
    const mid = leaf.begin + leftCount;
    tree.left[node] = tree.feature.length;
    const left = this.addLeaf(tree, leaf.begin, mid, leaf.depth + 1, s.leftGradient, s.leftHessian);
    tree.right[node] = tree.feature.length;
    const right = this.addLeaf(tree, mid, leaf.end, leaf.depth + 1, s.rightGradient, s.rightHessian);

    // The tree now has leavesAfter leaves; splitting a child would make one more.
    const splitLeft = this.splittable(left, leavesAfter + 1);
    const splitRight = this.splittable(right, leavesAfter + 1);
    if (!splitLeft && !splitRight) {
      if (leaf.slot >= 0) this.releaseSlot(leaf);
      return [left, right];
    }
    const leftSmaller = left.end - left.begin <= right.end - right.begin;
    const small = leftSmaller ? left : right;
    const large = leftSmaller ? right : left;
    const needLarge = leftSmaller ? splitRight : splitLeft;
    let subtract: [number, number] | undefined;
    if (leaf.slot >= 0 && needLarge) {
      // Smaller child built, larger child = parent - smaller (in searchSplits), in the parent's slot.
      small.slot = this.takeSlot(open, leaf);
      buildHistogram(this.executor, small.slot, small.begin, small.end, output, this.featureCount);
      subtract = [leaf.slot, small.slot];
      large.slot = leaf.slot;
      leaf.slot = -1;
    } else {
      if (leaf.slot >= 0) this.releaseSlot(leaf);
      if (needLarge) {
        large.slot = this.takeSlot(open);
        buildHistogram(this.executor, large.slot, large.begin, large.end, output, this.featureCount);
      }
      if (small === left ? splitLeft : splitRight) {
        small.slot = this.takeSlot(open, large);
        buildHistogram(this.executor, small.slot, small.begin, small.end, output, this.featureCount);
      }
    }
    const wanted = [left, right].filter((child) => child.slot >= 0 && (child === left ? splitLeft : splitRight));
    if (wanted.length > 0) this.searchSplits(wanted, subtract);
    for (const child of [left, right]) if (child.slot >= 0 && !wanted.includes(child)) this.releaseSlot(child);
    return [left, right];
  }

  /**
   * A free histogram slot. When none is left (memory budget), the open leaf with the smallest gain gives
   * up its slot (it will be rebuilt from its rows if it is split later). `keep` is never evicted.
   */
  private takeSlot(open: OpenLeaf[], keep?: OpenLeaf): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    let victim: OpenLeaf | undefined;
    for (const leaf of open) {
      if (leaf.slot < 0 || leaf === keep) continue;
      if (!victim || leaf.split.gain < victim.split.gain) victim = leaf;
    }
    if (!victim) throw new Error('tree learner: no histogram slot left to reuse');
    const slot = victim.slot;
    victim.slot = -1;
    return slot;
  }

  private releaseSlot(leaf: OpenLeaf): void {
    this.freeSlots.push(leaf.slot);
    leaf.slot = -1;
  }
}
