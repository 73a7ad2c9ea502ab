/**
 * The training working memory every thread sees: typed arrays (views of one shared WebAssembly memory,
 * see wasm.ts) plus a few sizes. Kernels (self-contained functions, see executor.ts) read and write
 * only this object, their parameters and their thread's scratch.
 */
import type { WasmKernels } from './wasm.ts';

export interface TrainingMemory {
  /** Column-major bins of the training rows: feature f of row r at f * rowCount + r. */
  readonly bins: Uint8Array;
  readonly rowCount: number;
  readonly featureCount: number;
  /** First bin of each feature inside a histogram. */
  readonly featureOffsets: Int32Array;
  /** Bins per feature, the missing bin (the last) included. */
  readonly featureBinCounts: Int32Array;
  /** Doubles per histogram (total bins x BIN_STRIDE). */
  readonly histDoubles: number;
  /** Histogram slots before the partial (per row block) histograms in `hist`. */
  readonly slots: number;
  /** Rows per block of every row-parallel loop; depends on rowCount only (never on threads). */
  readonly blockRows: number;
  /** [gradient, hessian] per training row, output k starting at k * 2 * rowCount. */
  readonly gradHess: Float64Array;
  /** Row indices of the tree being grown; each node owns a contiguous range. */
  readonly rows: Uint32Array;
  /** Partition output before it is copied back into `rows`. */
  readonly spareRows: Uint32Array;
  /** Per thread (main = 0), 2 x blockRows doubles: ThreadScratch.gradients. */
  readonly threadGradients: Float64Array;
  /** Per thread, 256 bytes: ThreadScratch.sides. */
  readonly threadSides: Uint8Array;
  /** A node's gradient pairs in row order (for histogramGroupKernel; nodes of up to GROUPED_MAX_BLOCKS blocks). */
  readonly ordered: Float64Array;
  /** Features of the current tree (ascending); the count is a kernel parameter. */
  readonly features: Int32Array;
  /** Histogram slots, then partial histograms of row blocks (all zero between builds: merges clear them). */
  readonly hist: Float64Array;
  /** Training rows per bin (at featureOffsets[f] + bin): every root's count lanes (see histogram.ts). */
  readonly binCounts: Float64Array;
  /** Training target in bin-matrix row order. */
  readonly target: Float64Array;
  /** Training raw scores, rowCount x outputs row-major. */
  readonly scores: Float64Array;
  /** Binary log-loss only (else empty): e^-score per training row, kept up to date by the score updates. */
  readonly expScores: Float64Array;
  readonly outputs: number;
  /** Per partition chunk: rows going left, then left/right write offsets. */
  readonly blockCounts: Int32Array;
  readonly blockOffsets: Int32Array;
  /** Per row block: the loss sum of the block's rows (training or validation). */
  readonly blockLoss: Float64Array;
  /** Leaves of the last tree sorted by range: [begin, end) of rows per leaf, and the leaf values. */
  readonly leafRanges: Int32Array;
  readonly leafValues: Float64Array;
  /** e^-value per leaf / per node: the factor that updates expScores. */
  readonly leafFactors: Float64Array;
  /** Per training row, its leaf in the last tree (index into leafValues; max_leaves ≤ 4096). */
  readonly rowLeaf: Uint16Array;
  /** The last tree, [feature, bin, missingLeft, left, right] per node, and node values (traversal). */
  readonly treeNodes: Int32Array;
  readonly treeValues: Float64Array;
  readonly treeFactors: Float64Array;
  /** Validation rows' bins (column-major) and raw scores; empty without a validation set. */
  readonly validBins: Uint8Array;
  readonly validRowCount: number;
  readonly validScores: Float64Array;
  readonly validTarget: Float64Array;
  /** Value bins per feature (= the missing bin's index). */
  readonly missingBins: Int32Array;
  /** Per feature, 1 when its trees split it by sets of categories (the split search leaves it to the main thread). */
  readonly setSplit: Uint8Array;
  /** Split search parameters and the totals of the nodes searched (see splitSearchKernel). */
  readonly splitTotals: Float64Array;
  /** Split search results, per node and feature (see splitSearchKernel). */
  readonly splitResults: Float64Array;
}

/** Per-thread scratch of a kernel. */
export interface ThreadScratch {
  /** Ordered gradients of one row block: 2 x blockRows doubles (in the training memory). */
  readonly gradients: Float64Array;
  /** Side (1 = left) of each bin value, for partitions (256 bytes in the training memory). */
  readonly sides: Uint8Array;
  /** The WebAssembly kernels, bound to the training memory. */
  readonly wasm: WasmKernels;
}

/** Parameters of one kernel run (an Int32Array shared with the workers: int32 keeps V8's loop indices integers). */
export const ARG_COUNT = 16;

/**
 * A unit of row-parallel work: task `task` of a run, over `m`, with parameters `a`. Self-contained: no
 * imports, closures or nested functions (workers run it from its source text), loops only.
 */
export type Kernel = (task: number, m: TrainingMemory, a: Int32Array, scratch: ThreadScratch) => void;
