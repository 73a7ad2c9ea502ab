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
 * operations and their order are the same, so any thread count gives identical histograms. A node of
 * a single block is shared out between threads by features instead: each feature is still summed over
 * the rows in order by one thread.
 */
import type { Executor } from './executor.ts';
import type { ThreadScratch, TrainingMemory } from './memory.ts';
import type { WasmKernels } from './wasm.ts';

/** Doubles per histogram bin: sum of gradients, sum of hessians, row count. */
export const BIN_STRIDE = 3;

/**
 * Kernel: sums row block `task` of rows[begin, end) for the listed features.
 * a = [begin, end, identity (rows[i] = i over the range), gradOffset, targetBase, featureCount].
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
  accumulateRows(m, s.wasm, begin, end, grads, 0, a[5]!, histBase);
}

/**
 * Kernel: sums all rows[begin, end) (a node of one block) for features 4 task .. 4 task + 3 of the
 * list, with gradients from memory.ordered (gathered by gatherGradientsKernel) or, for identity rows,
 * in place. Same parameters as histogramBlockKernel. Each feature is summed by one thread in row
 * order: the same sums as histogramBlockKernel's single block, so the split of work changes nothing.
 */
export function histogramFeatureKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]!;
  const first = 4 * task;
  const last = Math.min(a[5]!, first + 4);
  const grads = a[2] === 1 ? m.gradHess.byteOffset + 8 * (a[3]! + 2 * begin) : m.ordered.byteOffset;
  accumulateRows(m, s.wasm, begin, a[1]!, grads, first, last, a[4]!);
}

/**
 * Zeroes, then sums rows[begin, end) into the histogram at `histBase` for features[firstFeature ..
 * lastFeature), row i's gradient pair at byte address grads + 16 i (i from 0). Four features share
 * each pass over the rows (the WebAssembly loops of kernels.wat), the last 1-3 share one pass too.
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
): void {
  const { rowCount, features, featureOffsets, featureBinCounts, hist } = m;
  for (let j = firstFeature; j < lastFeature; j++) {
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
    wasm.histogram4(
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
    wasm.histogram3(
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
    wasm.histogram2(
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
    wasm.histogram1(rows, grads, size, binsAt + f0 * rowCount, histAt + 24 * featureOffsets[f0]!);
  }
}

/**
 * Kernel: adds the partial histograms of blocks 1.. (in block order) into the node's slot, for feature
 * features[task]. a = [_, _, _, _, targetBase, _, blocks].
 */
export function histogramMergeKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const targetBase = a[4]!;
  const partials = a[6]! - 1;
  const f = m.features[task]!;
  const start = m.featureOffsets[f]! * 3;
  const length = m.featureBinCounts[f]! * 3;
  const hist = m.hist;
  const to = targetBase + start;
  for (let p = 0; p < partials; p++) {
    const from = (m.slots + p) * m.histDoubles + start;
    for (let k = 0; k < length; k++) hist[to + k] += hist[from + k]!;
  }
}

/**
 * Fills histogram slot `slot` with rows[begin, end) (gradients of output `output`) over the first
 * `featureCount` entries of memory.features: row blocks, then their partials merged in block order.
 * `identity`: rows[i] = i over the range.
 */
export function buildHistogram(
  executor: Executor,
  slot: number,
  begin: number,
  end: number,
  output: number,
  featureCount: number,
  identity = false,
): void {
  const m = executor.memory;
  const blocks = executor.blocks(end - begin);
  const gradOffset = output * 2 * m.rowCount;
  const args = [begin, end, identity ? 1 : 0, gradOffset, slot * m.histDoubles, featureCount, blocks, GATHER_ROWS];
  if (blocks === 1 && executor.threads > 1 && featureCount > 4 && end - begin >= FEATURE_PARALLEL_ROWS) {
    // One block: share it out by features instead (rows are not cut, so the sums are the same).
    if (!identity) executor.run(gatherGradientsKernel, Math.ceil((end - begin) / GATHER_ROWS), args);
    executor.run(histogramFeatureKernel, Math.ceil(featureCount / 4), args);
    return;
  }
  executor.run(histogramBlockKernel, blocks, args);
  if (blocks > 1) executor.run(histogramMergeKernel, featureCount, args);
}

/** Smallest node whose single block is shared out by features between threads. */
const FEATURE_PARALLEL_ROWS = 2048;
/** Rows per task of gatherGradientsKernel. */
const GATHER_ROWS = 8192;

/**
 * Kernel: copies the gradient pairs of positions [begin + task·a[7], …) of rows[begin, end) into
 * memory.ordered, in row order, for histogramFeatureKernel. Same parameters as buildHistogram's kernels.
 */
export function gatherGradientsKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]!;
  const from = task * a[7]!;
  const to = Math.min(a[1]! - begin, from + a[7]!);
  const gradHess = m.gradHess.byteOffset + 8 * a[3]!;
  s.wasm.gather(m.rows.byteOffset + 4 * (begin + from), to - from, gradHess, m.ordered.byteOffset + 16 * from);
}
