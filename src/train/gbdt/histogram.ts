/**
 * Gradient/hessian histograms: per feature and bin, the sums of the gradients, of the hessians, and the
 * row count of one tree node's rows. Split finding reads only these sums.
 *
 * Layout: one histogram is every feature's bins (value bins + the missing bin) one feature after another
 * (`featureOffsets[f]`), BIN_STRIDE doubles per bin: [gradient, hessian, count]. Histograms sit side by
 * side in `memory.hist`: the slots of the open leaves, then one partial histogram per row block.
 *
 * Determinism: a node's rows are cut into blocks of `blockRows` (fixed by the number of training rows).
 * Block 0 is summed straight into the node's slot, block t > 0 into partial t - 1, and the partials are
 * then added in block order, one feature per task. Whichever thread sums a block, the floating-point
 * operations and their order are the same, so any thread count gives identical histograms. With
 * worker threads, a node of a few blocks is also shared out by groups of four features (a task per
 * block and group): each feature of each block is still summed over the block's rows in order by one
 * thread, and the threads finish together instead of one waiting for the other's last block.
 *
 * Counts: a row adds its gradient pair and 1 to a bin of every feature, two read-modify-writes. The
 * root grown on every training row has the same counts in every tree (memory.binCounts, counted once
 * by countBins), so its passes add the gradient pairs only and its count lanes are copied in after.
 * Counts are whole numbers, so the histograms are the same either way.
 */
import type { Executor } from './executor.ts';
import type { ThreadScratch, TrainingMemory } from './memory.ts';
import type { WasmKernels } from './wasm.ts';

/** Doubles per histogram bin: sum of gradients, sum of hessians, row count. */
export const BIN_STRIDE = 3;

/**
 * Kernel: sums row block `task` of rows[begin, end) for the listed features.
 * a = [begin, end, identity (rows[i] = i over the range), gradOffset, targetBase, featureCount, blocks,
 * gatherRows, counts (0: leave the count lanes at zero)].
 * The block's gradients are first gathered in row order (LightGBM's "ordered gradients") so the
 * feature loops read them sequentially; identity rows read them in place.
 */
export function histogramBlockKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]! + task * m.blockRows;
  const end = Math.min(a[1]!, begin + m.blockRows);
  const gradHess = m.gradHess.byteOffset + 8 * a[3]!;
  const histBase = task === 0 ? a[4]! : (m.slots + task - 1) * m.histDoubles;
  let grads = gradHess + 16 * begin;
  if (a[2] !== 1) {
    grads = s.gradients.byteOffset;
    s.wasm.gather(m.rows.byteOffset + 4 * begin, end - begin, gradHess, grads);
  }
  accumulateRows(m, s.wasm, begin, end, grads, 0, a[5]!, histBase, a[8] !== 0);
}

/**
 * Kernel: sums features 4 g .. 4 g + 3 of the list over row block b of rows[begin, end), where
 * b = floor(task / groups) and g = task mod groups (groups = ceil(featureCount / 4)); gradients from
 * memory.ordered (the node's, gathered by gatherGradientsKernel) or, for identity rows, in place. Same
 * parameters as histogramBlockKernel, and the same sums: each feature of a block in row order.
 */
export function histogramGroupKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const groups = Math.ceil(a[5]! / 4);
  const block = Math.floor(task / groups);
  const first = 4 * (task - block * groups);
  const last = Math.min(a[5]!, first + 4);
  const begin = a[0]! + block * m.blockRows;
  const end = Math.min(a[1]!, begin + m.blockRows);
  const grads =
    a[2] === 1 ? m.gradHess.byteOffset + 8 * (a[3]! + 2 * begin) : m.ordered.byteOffset + 16 * (begin - a[0]!);
  const histBase = block === 0 ? a[4]! : (m.slots + block - 1) * m.histDoubles;
  accumulateRows(m, s.wasm, begin, end, grads, first, last, histBase, a[8] !== 0);
}

/**
 * Sums rows[begin, end) into the histogram at `histBase` (a slot is zeroed first; a partial histogram
 * is zero already) for features[firstFeature .. lastFeature), row i's gradient pair at byte address grads + 16 i (i from 0). Four features share
 * each pass over the rows (the WebAssembly loops of kernels.wat), the last 1-3 share one pass too.
 * `counts` false: the count lanes stay zero (see the module comment).
 * A helper of the kernels: workers get it by name next to them (see executor.ts).
 */
export function accumulateRows(
  m: TrainingMemory,
  wasm: WasmKernels,
  begin: number,
  end: number,
  grads: number,
  firstFeature: number,
  lastFeature: number,
  histBase: number,
  counts: boolean,
): void {
  const { rowCount, features, featureOffsets, featureBinCounts, hist } = m;
  // A slot is zeroed first; partial histograms are zero already (histogramMergeKernel clears them).
  const zero = histBase < m.slots * m.histDoubles;
  const histogram4 = counts ? wasm.histogram4 : wasm.histogramSums4;
  const histogram3 = counts ? wasm.histogram3 : wasm.histogramSums3;
  const histogram2 = counts ? wasm.histogram2 : wasm.histogramSums2;
  const histogram1 = counts ? wasm.histogram1 : wasm.histogramSums1;
  for (let j = firstFeature; zero && j < lastFeature; j++) {
    const f = features[j]!;
    const start = histBase + featureOffsets[f]! * 3;
    hist.fill(0, start, start + featureBinCounts[f]! * 3);
  }
  const rows = m.rows.byteOffset + 4 * begin;
  const size = end - begin;
  // Byte addresses of a feature's bin column and histogram: binsAt + f x rowCount, histAt + 24 x offset.
  const binsAt = m.bins.byteOffset;
  const histAt = hist.byteOffset + 8 * histBase;
  let j = firstFeature;
  for (; j + 4 <= lastFeature; j += 4) {
    const f0 = features[j]!;
    const f1 = features[j + 1]!;
    const f2 = features[j + 2]!;
    const f3 = features[j + 3]!;
    histogram4(
      rows,
      grads,
      size,
      binsAt + f0 * rowCount,
      binsAt + f1 * rowCount,
      binsAt + f2 * rowCount,
      binsAt + f3 * rowCount,
      histAt + 24 * featureOffsets[f0]!,
      histAt + 24 * featureOffsets[f1]!,
      histAt + 24 * featureOffsets[f2]!,
      histAt + 24 * featureOffsets[f3]!,
    );
  }
  const rest = lastFeature - j;
  if (rest === 3) {
    const f0 = features[j]!;
    const f1 = features[j + 1]!;
    const f2 = features[j + 2]!;
    histogram3(
      rows,
      grads,
      size,
      binsAt + f0 * rowCount,
      binsAt + f1 * rowCount,
      binsAt + f2 * rowCount,
      histAt + 24 * featureOffsets[f0]!,
      histAt + 24 * featureOffsets[f1]!,
      histAt + 24 * featureOffsets[f2]!,
    );
  } else if (rest === 2) {
    const f0 = features[j]!;
    const f1 = features[j + 1]!;
    histogram2(
      rows,
      grads,
      size,
      binsAt + f0 * rowCount,
      binsAt + f1 * rowCount,
      histAt + 24 * featureOffsets[f0]!,
      histAt + 24 * featureOffsets[f1]!,
    );
  } else if (rest === 1) {
    const f0 = features[j]!;
    histogram1(rows, grads, size, binsAt + f0 * rowCount, histAt + 24 * featureOffsets[f0]!);
  }
}

/**
 * Kernel: adds the partial histograms of blocks 1.. (in block order) into the node's slot, for feature
 * features[task], and clears them for the next node. a = [_, _, _, _, targetBase, _, blocks].
 */
export function histogramMergeKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const partials = a[6]! - 1;
  const f = m.features[task]!;
  const start = m.featureOffsets[f]! * 3;
  const to = m.hist.byteOffset + 8 * (a[4]! + start);
  for (let p = 0; p < partials; p++) {
    const from = m.hist.byteOffset + 8 * ((m.slots + p) * m.histDoubles + start);
    s.wasm.mergeInto(to, from, m.featureBinCounts[f]! * 3);
  }
}

/**
 * Fills histogram slot `slot` with rows[begin, end) (gradients of output `output`) over the first
 * `featureCount` entries of memory.features: row blocks, then their partials merged in block order.
 * `identity`: rows[i] = i over the range. `allRows`: the range is every training row (identity), and
 * memory.binCounts holds their counts (countBins): the passes skip the counts and copy them in.
 */
export function buildHistogram(
  executor: Executor,
  slot: number,
  begin: number,
  end: number,
  output: number,
  featureCount: number,
  identity = false,
  allRows = false,
): void {
  const m = executor.memory;
  const blocks = executor.blocks(end - begin);
  const gradOffset = output * 2 * m.rowCount;
  const base = slot * m.histDoubles;
  const args = [begin, end, identity ? 1 : 0, gradOffset, base, featureCount, blocks, GATHER_ROWS, allRows ? 0 : 1];
  if (groupedHistogram(executor, end - begin, blocks, featureCount, identity)) {
    if (!identity) executor.run(gatherGradientsKernel, Math.ceil((end - begin) / GATHER_ROWS), args);
    executor.run(histogramGroupKernel, blocks * Math.ceil(featureCount / 4), args);
  } else executor.run(histogramBlockKernel, blocks, args);
  if (blocks > 1) executor.run(histogramMergeKernel, featureCount, args);
  if (!allRows) return;
  const { features, featureOffsets, featureBinCounts, hist, binCounts } = m;
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const offset = featureOffsets[f]!;
    for (let b = 0; b < featureBinCounts[f]!; b++) hist[base + (offset + b) * BIN_STRIDE + 2] = binCounts[offset + b]!;
  }
}

/** Fills memory.binCounts with every training row's bins (after memory.bins is set), a feature per task. */
export function countBins(executor: Executor): void {
  executor.run(binCountsKernel, executor.memory.featureCount, []);
}

/** Kernel: memory.binCounts of feature `task`: the training rows in each of its bins. */
export function binCountsKernel(task: number, m: TrainingMemory): void {
  const { bins, rowCount, binCounts } = m;
  const offset = m.featureOffsets[task]!;
  binCounts.fill(0, offset, offset + m.featureBinCounts[task]!);
  const column = task * rowCount;
  for (let r = 0; r < rowCount; r++) binCounts[offset + bins[column + r]!]! += 1;
}

/**
 * Whether a node is shared out by blocks and feature groups (histogramGroupKernel) rather than by
 * blocks alone: with worker threads, for a node of a few blocks whose gradients fit memory.ordered
 * (identity rows need no gather), when it has rows enough to pay for the extra run.
 */
function groupedHistogram(
  executor: Executor,
  size: number,
  blocks: number,
  featureCount: number,
  identity: boolean,
): boolean {
  if (executor.threads === 1 || featureCount <= 4 || blocks > GROUPED_MAX_BLOCKS) return false;
  if (blocks === 1 && size < FEATURE_PARALLEL_ROWS) return false;
  return identity || 2 * size <= executor.memory.ordered.length;
}

/** Nodes of up to this many blocks are shared out by feature groups too (memory.ordered holds their gradients). */
export const GROUPED_MAX_BLOCKS = 8;
/** Smallest node whose single block is shared out by feature groups between threads. */
const FEATURE_PARALLEL_ROWS = 2048;
/** Rows per task of gatherGradientsKernel. */
const GATHER_ROWS = 8192;

/**
 * Kernel: copies the gradient pairs of positions [begin + task·a[7], …) of rows[begin, end) into
 * memory.ordered, in row order, for histogramGroupKernel. Same parameters as buildHistogram's kernels.
 */
export function gatherGradientsKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]!;
  const from = task * a[7]!;
  const to = Math.min(a[1]! - begin, from + a[7]!);
  const gradHess = m.gradHess.byteOffset + 8 * a[3]!;
  s.wasm.gather(m.rows.byteOffset + 4 * (begin + from), to - from, gradHess, m.ordered.byteOffset + 16 * from);
}
