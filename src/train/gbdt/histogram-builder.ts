/**
 * Builds node histograms, on the main thread alone or together with worker threads.
 *
 * Determinism: a node's rows are cut into fixed blocks whose size depends only on the number of
 * training rows. Block 0 is summed straight into the node's histogram, every other block into a
 * partial histogram of its own, and the partials are then added in block order, one feature per task.
 * Which thread sums a block changes nothing, so 1 thread and N threads give identical histograms (and
 * identical models). Nodes smaller than a block are summed by the main thread alone.
 *
 * Workers: plain-JavaScript workers (`eval: true`) built from the source text of the kernels in
 * histogram.ts. A worker file written in TypeScript does not load under Node 20 — not under `npx tsx`
 * (tsx's loader is not active in worker threads) nor under vitest — while a function's source text is
 * plain JavaScript under tsx, vitest and any bundler, so the same kernels run on every thread. Bins,
 * gradients, row indices and histograms sit in SharedArrayBuffers; a command is a few Int32 words
 * plus Atomics.notify, and workers pull block tasks from a shared counter.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { accumulateHistogram, BIN_STRIDE, mergeHistograms, subtractHistogram } from './histogram.ts';

/** Smallest row block; a node with fewer rows is summed in one piece. */
export const MIN_BLOCK_ROWS = 16_384;
/** At most this many blocks per node, which bounds the partial histograms' memory. */
const MAX_BLOCKS = 64;
/** Worker threads start only when the training rows fill at least this many minimum blocks. */
const MIN_BLOCKS_FOR_WORKERS = 4;

// Control words (Int32Array over a SharedArrayBuffer).
const GENERATION = 0;
const COMMAND = 1;
const NEXT_TASK = 2;
const DONE = 3;
const FAILED = 4;
const BEGIN = 5;
const END = 6;
const TASKS = 7;
const TARGET_BASE = 8;
const GRAD_OFFSET = 9;
const FEATURE_COUNT = 10;
const BLOCKS = 11;
const CONTROL_WORDS = 12;
/** Bytes of the shared buffer a failing worker writes its error message into. */
const ERROR_BYTES = 1024;

const ACCUMULATE = 1;
const MERGE = 2;
const EXIT = 3;

export interface HistogramBuilderOptions {
  readonly featureCount: number;
  /** Training rows (rows of the bin matrix). */
  readonly rowCount: number;
  /** Bins per feature, the missing bin included. */
  readonly featureBinCounts: Int32Array;
  /** Gradient/hessian pairs per row, per raw-score output (multiclass: one block per class). */
  readonly outputs: number;
  /** Histograms kept at once (open leaves + 1). */
  readonly slots: number;
  /** Threads summing histograms, the main thread included; 0 = one per core. */
  readonly threads: number;
}

/** Number of threads `threads` (0 = one per core) stands for. */
export function resolveThreads(threads: number): number {
  return threads > 0 ? threads : Math.max(1, availableParallelism());
}

/**
 * Owns the training buffers (in shared memory when workers run) and fills histogram slots.
 * Create with `HistogramBuilder.create`, fill `bins`, `gradHess` and `rows`, then call `build`.
 */
export class HistogramBuilder {
  /** Column-major bins of the training rows: feature f of row r at f * rowCount + r. */
  readonly bins: Uint8Array;
  /** [gradient, hessian] per row, output k starting at k * 2 * rowCount. */
  readonly gradHess: Float64Array;
  /** Row indices of the tree being grown; each node owns a contiguous range. */
  readonly rows: Uint32Array;
  /** Features active in the current tree (first `activeCount` entries). */
  readonly features: Int32Array;
  /** Histogram slots followed by the partial histograms of row blocks. */
  readonly hist: Float64Array;
  readonly featureOffsets: Int32Array;
  readonly featureBinCounts: Int32Array;
  /** Doubles per histogram. */
  readonly histDoubles: number;
  readonly rowCount: number;
  readonly slots: number;
  readonly blockRows: number;
  /** Threads actually used (1 when the data is too small to pay for workers). */
  readonly threads: number;
  private readonly scratch: Float64Array;
  private readonly control: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly workers: Worker[] = [];
  private activeCount = 0;
  private closed = false;

  private constructor(options: HistogramBuilderOptions, threads: number) {
    const { featureCount, rowCount, featureBinCounts, outputs, slots } = options;
    this.rowCount = rowCount;
    this.slots = slots;
    this.threads = threads;
    this.featureBinCounts = Int32Array.from(featureBinCounts);
    this.featureOffsets = new Int32Array(featureCount);
    let totalBins = 0;
    for (let f = 0; f < featureCount; f++) {
      this.featureOffsets[f] = totalBins;
      totalBins += featureBinCounts[f]!;
    }
    this.histDoubles = totalBins * BIN_STRIDE;
    this.blockRows = Math.max(MIN_BLOCK_ROWS, Math.ceil(rowCount / MAX_BLOCKS));
    const partials = Math.max(0, Math.ceil(rowCount / this.blockRows) - 1);
    const shared = threads > 1;
    const alloc = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.bins = new Uint8Array(alloc(featureCount * rowCount));
    this.gradHess = new Float64Array(alloc(outputs * 2 * rowCount * 8));
    this.rows = new Uint32Array(alloc(rowCount * 4));
    this.features = new Int32Array(alloc(featureCount * 4));
    this.hist = new Float64Array(alloc((slots + partials) * this.histDoubles * 8));
    this.control = new Int32Array(alloc(CONTROL_WORDS * 4));
    this.errorText = new Uint8Array(alloc(ERROR_BYTES));
    this.scratch = new Float64Array(2 * Math.min(rowCount, this.blockRows));
  }

  /** Allocates the buffers and, when the data is large enough, starts `threads - 1` workers. */
  static async create(options: HistogramBuilderOptions): Promise<HistogramBuilder> {
    const requested = resolveThreads(options.threads);
    const worthIt = options.rowCount >= MIN_BLOCKS_FOR_WORKERS * MIN_BLOCK_ROWS;
    const builder = new HistogramBuilder(options, requested > 1 && worthIt ? requested : 1);
    if (builder.threads > 1) await builder.startWorkers(builder.threads - 1);
    return builder;
  }

  /** Sets the features of the next tree (ascending feature indices). */
  setFeatures(features: readonly number[]): void {
    this.features.set(features);
    this.activeCount = features.length;
  }

  get activeFeatures(): Int32Array {
    return this.features.subarray(0, this.activeCount);
  }

  /** Double index of slot `slot` in `hist`. */
  slotBase(slot: number): number {
    return slot * this.histDoubles;
  }

  /** Fills slot `slot` with the histogram of rows[begin, end) for the gradients of output `output`. */
  build(slot: number, begin: number, end: number, output: number): void {
    const size = end - begin;
    const blocks = Math.max(1, Math.ceil(size / this.blockRows));
    const targetBase = this.slotBase(slot);
    const gradOffset = output * 2 * this.rowCount;
    if (blocks === 1) {
      this.accumulate(begin, end, gradOffset, targetBase);
      return;
    }
    if (this.workers.length === 0) {
      for (let t = 0; t < blocks; t++) this.runAccumulateTask(t, begin, end, gradOffset, targetBase);
      for (let j = 0; j < this.activeCount; j++) this.runMergeTask(j, blocks, targetBase);
      return;
    }
    this.dispatch(ACCUMULATE, { begin, end, tasks: blocks, blocks, targetBase, gradOffset });
    this.dispatch(MERGE, { begin, end, tasks: this.activeCount, blocks, targetBase, gradOffset });
  }

  /** Turns slot `parent` (holding the parent's histogram) into the sibling of slot `child`. */
  subtract(parent: number, child: number): void {
    subtractHistogram(
      this.hist,
      this.slotBase(parent),
      this.slotBase(child),
      this.features,
      this.activeCount,
      this.featureOffsets,
      this.featureBinCounts,
    );
  }

  /** Stops the workers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.workers.length === 0) return;
    Atomics.store(this.control, COMMAND, EXIT);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private accumulate(begin: number, end: number, gradOffset: number, histBase: number): void {
    accumulateHistogram(
      this.bins,
      this.rowCount,
      this.gradHess,
      gradOffset,
      this.rows,
      begin,
      end,
      this.features,
      this.activeCount,
      this.featureOffsets,
      this.featureBinCounts,
      this.hist,
      histBase,
      this.scratch,
    );
  }

  private runAccumulateTask(task: number, begin: number, end: number, gradOffset: number, targetBase: number): void {
    const from = begin + task * this.blockRows;
    const to = Math.min(end, from + this.blockRows);
    const base = task === 0 ? targetBase : this.partialBase(task - 1);
    this.accumulate(from, to, gradOffset, base);
  }

  private runMergeTask(task: number, blocks: number, targetBase: number): void {
    mergeHistograms(
      this.hist,
      targetBase,
      this.partialBase(0),
      blocks - 1,
      this.histDoubles,
      this.features[task]!,
      this.featureOffsets,
      this.featureBinCounts,
    );
  }

  private partialBase(partial: number): number {
    return (this.slots + partial) * this.histDoubles;
  }

  /** Runs one command on all threads (the main thread takes tasks too) and waits for every worker. */
  private dispatch(
    command: number,
    p: { begin: number; end: number; tasks: number; blocks: number; targetBase: number; gradOffset: number },
  ): void {
    const c = this.control;
    c[COMMAND] = command;
    c[BEGIN] = p.begin;
    c[END] = p.end;
    c[TASKS] = p.tasks;
    c[TARGET_BASE] = p.targetBase;
    c[GRAD_OFFSET] = p.gradOffset;
    c[FEATURE_COUNT] = this.activeCount;
    c[BLOCKS] = p.blocks;
    Atomics.store(c, NEXT_TASK, 0);
    Atomics.store(c, DONE, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    for (let task = Atomics.add(c, NEXT_TASK, 1); task < p.tasks; task = Atomics.add(c, NEXT_TASK, 1)) {
      if (command === ACCUMULATE) this.runAccumulateTask(task, p.begin, p.end, p.gradOffset, p.targetBase);
      else this.runMergeTask(task, p.blocks, p.targetBase);
    }
    const expected = this.workers.length;
    for (let done = Atomics.load(c, DONE); done < expected; done = Atomics.load(c, DONE)) {
      Atomics.wait(c, DONE, done);
    }
    if (Atomics.load(c, FAILED) !== 0) {
      const text = new TextDecoder().decode(this.errorText).replace(/\0+$/, '');
      throw new Error(`a histogram worker thread failed: ${text}`);
    }
  }

  private async startWorkers(count: number): Promise<void> {
    const source = [
      "const { workerData, parentPort } = require('node:worker_threads');",
      `(${workerLoop.toString()})(workerData, parentPort, ${accumulateHistogram.toString()}, ${mergeHistograms.toString()});`,
    ].join('\n');
    const workerData = {
      bins: this.bins,
      gradHess: this.gradHess,
      rows: this.rows,
      features: this.features,
      hist: this.hist,
      control: this.control,
      errorText: this.errorText,
      featureOffsets: this.featureOffsets,
      featureBinCounts: this.featureBinCounts,
      rowCount: this.rowCount,
      histDoubles: this.histDoubles,
      slots: this.slots,
      blockRows: this.blockRows,
    };
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(source, { eval: true, workerData });
      this.workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}

/** What workerLoop receives through workerData. */
interface WorkerShared {
  bins: Uint8Array;
  gradHess: Float64Array;
  rows: Uint32Array;
  features: Int32Array;
  hist: Float64Array;
  control: Int32Array;
  errorText: Uint8Array;
  featureOffsets: Int32Array;
  featureBinCounts: Int32Array;
  rowCount: number;
  histDoubles: number;
  slots: number;
  blockRows: number;
}

/**
 * A worker's life: wait for a new command generation, take tasks until none are left, report done.
 * Runs from its source text in the worker, so it only uses its arguments (constants are literals).
 */
function workerLoop(
  d: WorkerShared,
  port: { postMessage(message: unknown): void },
  accumulate: typeof accumulateHistogram,
  merge: typeof mergeHistograms,
): void {
  const c = d.control;
  const scratch = new Float64Array(2 * Math.min(d.rowCount, d.blockRows));
  let seen = 0;
  port.postMessage('ready');
  for (;;) {
    Atomics.wait(c, 0, seen);
    const generation = Atomics.load(c, 0);
    if (generation === seen) continue;
    seen = generation;
    const command = c[1]!;
    if (command === 3) return;
    try {
      const begin = c[5]!;
      const end = c[6]!;
      const tasks = c[7]!;
      const targetBase = c[8]!;
      const gradOffset = c[9]!;
      const featureCount = c[10]!;
      const blocks = c[11]!;
      for (let task = Atomics.add(c, 2, 1); task < tasks; task = Atomics.add(c, 2, 1)) {
        if (command === 1) {
          const from = begin + task * d.blockRows;
          const to = Math.min(end, from + d.blockRows);
          const base = task === 0 ? targetBase : (d.slots + task - 1) * d.histDoubles;
          accumulate(
            d.bins,
            d.rowCount,
            d.gradHess,
            gradOffset,
            d.rows,
            from,
            to,
            d.features,
            featureCount,
            d.featureOffsets,
            d.featureBinCounts,
            d.hist,
            base,
            scratch,
          );
        } else {
          merge(
            d.hist,
            targetBase,
            d.slots * d.histDoubles,
            blocks - 1,
            d.histDoubles,
            d.features[task]!,
            d.featureOffsets,
            d.featureBinCounts,
          );
        }
      }
    } catch (error) {
      new TextEncoder().encodeInto(String(error instanceof Error ? error.stack : error), d.errorText);
      Atomics.store(c, 4, 1);
    }
    Atomics.add(c, 3, 1);
    Atomics.notify(c, 3);
  }
}
