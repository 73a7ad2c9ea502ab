/**
 * Runs row-block kernels on the main thread alone or together with worker threads.
 *
 * Every parallel loop of training (histograms, partitions, gradients, score updates) is cut into tasks
 * whose boundaries depend only on the data size, and each task writes its own outputs; results that
 * combine tasks (partial histograms, loss sums) are combined in task order. So which thread runs which
 * task changes nothing: 1 thread and N threads give identical models.
 *
 * Workers: plain-JavaScript workers (`eval: true`) built from the kernels' source text. A worker file
 * in TypeScript does not load under Node 20 — neither under `npx tsx` (its loader hooks are not active
 * in worker threads) nor under vitest, nor under the package bin (tsx registered programmatically) —
 * while a function's source text is plain JavaScript under all of them (and any bundler). Memory sits
 * in one shared WebAssembly.Memory (wasm.ts): every thread has typed-array views of it and its own
 * instance of the WebAssembly kernels (kernels.wat) bound to it. A run is a kernel index and 16
 * parameters in shared memory plus Atomics.notify; all threads (the main one too) pull tasks from a
 * shared counter.
 *
 * A worker's life (TrainingWorkers): it starts before the data is binned, answers binning jobs by
 * message (its share of the features, see binning.ts), then is sent into the kernel loop (workerLoop)
 * with the executor's memory, where it stays until the executor closes.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  binEnds,
  binNumericColumn,
  binNumericFeatures,
  float32Between,
  keyBits,
  type NumericBinningJob,
  type NumericBinningResult,
  numericBinLookup,
  numericFitScratch,
  numericThresholds,
  sortableKey,
  sortFloat32,
  sortScratch,
} from './bin-mapper.ts';
import {
  accumulateRows,
  binCountsKernel,
  GROUPED_MAX_BLOCKS,
  gatherGradientsKernel,
  histogramBlockKernel,
  histogramGroupKernel,
  histogramMergeKernel,
} from './histogram.ts';
import { ARG_COUNT, type Kernel, type ThreadScratch, type TrainingMemory } from './memory.ts';
import {
  binaryGradientKernel,
  binaryLossKernel,
  multiclassGradientKernel,
  multiclassLossKernel,
  squaredErrorGradientKernel,
  squaredErrorLossKernel,
} from './objectives.ts';
import { partitionChunkKernel, partitionPlaceKernel } from './partition.ts';
import { applyLeafValuesKernel, markLeavesKernel, TREE_NODE_STRIDE, traverseKernel } from './scores.ts';
import {
  leafScore,
  SPLIT_RESULT_STRIDE,
  SPLIT_TOTALS,
  scanThresholds,
  scoreCandidate,
  splitSearchKernel,
  thresholdL1,
} from './split.ts';
import { allocateTrainingArrays, instantiateKernels, kernelModule, type WasmKernels } from './wasm.ts';

/** Every kernel a worker can run; a run names its kernel by index in this list. */
const KERNELS: readonly Kernel[] = [
  histogramBlockKernel,
  histogramGroupKernel,
  histogramMergeKernel,
  partitionChunkKernel,
  partitionPlaceKernel,
  gatherGradientsKernel,
  binaryGradientKernel,
  multiclassGradientKernel,
  squaredErrorGradientKernel,
  binaryLossKernel,
  multiclassLossKernel,
  squaredErrorLossKernel,
  markLeavesKernel,
  applyLeafValuesKernel,
  traverseKernel,
  splitSearchKernel,
  binCountsKernel,
];

/**
 * Functions the kernels (and workerLoop) call by name; workers declare them under the same names. (They
 * live in their callers' own modules, so every toolchain keeps the call and the declaration names equal.)
 */
const HELPERS: readonly ((...args: never[]) => unknown)[] = [
  accumulateRows,
  threadScratch,
  scanThresholds,
  scoreCandidate,
  leafScore,
  thresholdL1,
  binNumericFeatures,
  numericFitScratch,
  sortScratch,
  numericThresholds,
  sortFloat32,
  sortableKey,
  keyBits,
  binEnds,
  float32Between,
  binNumericColumn,
  numericBinLookup,
];

/** Smallest row block. */
export const MIN_BLOCK_ROWS = 16_384;
/** At most this many blocks over the training rows. */
const MAX_BLOCKS = 64;
/** Memory the partial histograms (one per row block) may take; wide data gets fewer, larger blocks. */
const PARTIAL_BYTES = 256 * 1024 * 1024;
/**
 * Workers start only from this many training rows: below it their start (~50 ms each, plus compiling
 * the kernels again in every thread) costs more than sharing the work saves.
 */
export const MIN_ROWS_FOR_WORKERS = 131_072;
/**
 * Polls of a shared word before sleeping in Atomics.wait: the next run usually follows within
 * microseconds, and a futex wake-up costs tens of them.
 */
const SPIN = 20_000;
/** Bytes of the shared buffer a failing worker writes its error message into. */
const ERROR_BYTES = 1024;

// Control words (an Int32Array in the shared memory).
const GENERATION = 0;
const KERNEL = 1;
const TASKS = 2;
const NEXT_TASK = 3;
const DONE = 4;
const FAILED = 5;
/**
 * Workers that joined the current run, or CLOSED once the main thread has finished every task: a
 * worker that wakes up after that stays out, so the main thread never waits for a sleeping or
 * descheduled worker that has no task left to do, only for those that joined (and may hold tasks).
 */
const JOINED = 6;
const CONTROL_WORDS = 7;
const CLOSED = -1;
const EXIT = -1;

export interface ExecutorOptions {
  readonly featureCount: number;
  /** Training rows (rows of the bin matrix). */
  readonly rowCount: number;
  /** Bins per feature, the missing bin included. */
  readonly featureBinCounts: Int32Array;
  /** Raw scores per row (multiclass: one per class). */
  readonly outputs: number;
  /** Keep e^-score per training row (binary log-loss). */
  readonly expScores: boolean;
  /** Histograms kept at once (open leaves + 1). */
  readonly slots: number;
  /** Most leaves (and nodes) a tree can have. */
  readonly maxLeaves: number;
  readonly validRowCount: number;
  /** Threads, the main thread included; 0 = one per core. */
  readonly threads: number;
}

/**
 * The worker threads of a run with `threads` threads (0 = one per core) on `rowCount` training rows:
 * none on one thread or when the data is too small to pay for them; `error` when they cannot start.
 */
export function startTrainingWorkers(threads: number, rowCount: number): { workers?: TrainingWorkers; error?: string } {
  const count = resolveThreads(threads) - 1;
  if (count < 1 || rowCount < MIN_ROWS_FOR_WORKERS) return {};
  try {
    return { workers: TrainingWorkers.start(count) };
  } catch (error) {
    return { error: errorText(error) };
  }
}

/** Number of threads `threads` (0 = one per core) stands for. */
export function resolveThreads(threads: number): number {
  return threads > 0 ? threads : Math.max(1, availableParallelism());
}

export class Executor {
  readonly memory: TrainingMemory;
  /** Threads used (1 when the data is too small to pay for workers, or workers could not start). */
  threads: number;
  /** Why worker threads could not start, if they could not (training then runs on one thread). */
  workerError?: string;
  private readonly wasmMemory: WebAssembly.Memory;
  private readonly args: Int32Array;
  private readonly control: Int32Array;
  private readonly errorText: Uint8Array;
  /** The main thread's scratch (thread 0). */
  readonly scratch: ThreadScratch;
  private readonly workers: Worker[] = [];
  private closed = false;

  private constructor(options: ExecutorOptions, threads: number) {
    this.threads = threads;
    const { featureCount, rowCount, outputs, validRowCount } = options;
    let totalBins = 0;
    for (let f = 0; f < featureCount; f++) totalBins += options.featureBinCounts[f]!;
    const histDoubles = totalBins * 3;
    // Depends on the data's shape only, never on the thread count (see the module comment).
    const maxBlocks = Math.max(1, Math.min(MAX_BLOCKS, Math.floor(PARTIAL_BYTES / (histDoubles * 8))));
    const blockRows = Math.max(MIN_BLOCK_ROWS, Math.ceil(rowCount / maxBlocks));
    const blocks = Math.max(1, Math.ceil(Math.max(rowCount, validRowCount) / blockRows));
    const partials = Math.max(0, Math.ceil(rowCount / blockRows) - 1);
    // The softmax kernel keeps a row's class scores in the thread's gradient scratch.
    if (outputs > 2 * blockRows) throw new Error(`at most ${2 * blockRows} classes are supported, got ${outputs}`);
    const maxNodes = 2 * options.maxLeaves;
    const chunks = Math.max(blocks, 4 * threads + 1);
    // One shared WebAssembly memory for everything the kernels touch (see wasm.ts).
    const { memory, arrays } = allocateTrainingArrays({
      bins: ['u8', featureCount * rowCount],
      featureOffsets: ['i32', featureCount],
      featureBinCounts: ['i32', featureCount],
      missingBins: ['i32', featureCount],
      setSplit: ['u8', featureCount],
      splitTotals: ['f64', SPLIT_TOTALS],
      splitResults: ['f64', 2 * featureCount * SPLIT_RESULT_STRIDE],
      gradHess: ['f64', outputs * 2 * rowCount],
      rows: ['u32', rowCount],
      ordered: ['f64', 2 * Math.min(rowCount, GROUPED_MAX_BLOCKS * blockRows)],
      threadGradients: ['f64', threads * 2 * blockRows],
      threadSides: ['u8', threads * 256],
      spareRows: ['u32', rowCount],
      features: ['i32', featureCount],
      hist: ['f64', (options.slots + partials) * histDoubles],
      binCounts: ['f64', totalBins],
      target: ['f64', rowCount],
      scores: ['f64', rowCount * outputs],
      expScores: ['f64', options.expScores ? rowCount : 0],
      // Row blocks, or partition chunks (about four per thread).
      blockCounts: ['i32', chunks],
      blockOffsets: ['i32', 2 * chunks],
      blockLoss: ['f64', blocks],
      leafRanges: ['i32', 2 * options.maxLeaves],
      leafValues: ['f64', options.maxLeaves],
      leafFactors: ['f64', options.maxLeaves],
      rowLeaf: ['u16', rowCount],
      treeNodes: ['i32', TREE_NODE_STRIDE * maxNodes],
      treeValues: ['f64', maxNodes],
      treeFactors: ['f64', maxNodes],
      validBins: ['u8', featureCount * validRowCount],
      validScores: ['f64', validRowCount * outputs],
      validTarget: ['f64', validRowCount],
      args: ['i32', ARG_COUNT],
      control: ['i32', CONTROL_WORDS],
      errorText: ['u8', ERROR_BYTES],
    });
    arrays.featureBinCounts.set(options.featureBinCounts);
    let offset = 0;
    for (let f = 0; f < featureCount; f++) {
      arrays.featureOffsets[f] = offset;
      arrays.missingBins[f] = options.featureBinCounts[f]! - 1;
      offset += options.featureBinCounts[f]!;
    }
    const { args, control, errorText, ...views } = arrays;
    this.memory = {
      ...views,
      rowCount,
      featureCount,
      histDoubles,
      slots: options.slots,
      blockRows,
      outputs,
      validRowCount,
    };
    this.wasmMemory = memory;
    this.args = args;
    this.control = control;
    this.errorText = errorText;
    this.scratch = threadScratch(this.memory, 0, instantiateKernels(kernelModule(), memory));
  }

  /**
   * Allocates the memory and, when the data is large enough, starts `threads - 1` workers. If they
   * cannot start, training runs on the main thread alone (same results, see the module comment).
   */
  static async create(options: ExecutorOptions, started?: TrainingWorkers): Promise<Executor> {
    const requested = resolveThreads(options.threads);
    const worthIt = options.rowCount >= MIN_ROWS_FOR_WORKERS;
    const executor = new Executor(options, requested > 1 && worthIt ? requested : 1);
    if (executor.threads > 1) {
      let workers = started;
      try {
        workers ??= TrainingWorkers.start(executor.threads - 1);
        if (workers.count !== executor.threads - 1) {
          throw new Error(`${workers.count} worker threads started for ${executor.threads} threads`);
        }
        await executor.attach(workers);
      } catch (error) {
        await workers?.terminate();
        executor.workerError = errorText(error);
        executor.threads = 1;
      }
    }
    return executor;
  }

  /** Row blocks covering `size` rows. */
  blocks(size: number): number {
    return Math.max(1, Math.ceil(size / this.memory.blockRows));
  }

  /** Runs tasks 0..tasks-1 of `kernel` with parameters `args`, on every thread; returns when all are done. */
  run(kernel: Kernel, tasks: number, args: readonly number[]): void {
    const a = this.args;
    for (let i = 0; i < args.length; i++) {
      if (!Number.isInteger(args[i]) || args[i]! < -(2 ** 31) || args[i]! >= 2 ** 31)
        throw new Error(`kernel argument ${args[i]} is not an int32`);
      a[i] = args[i]!;
    }
    if (this.workers.length === 0 || tasks === 1) {
      for (let task = 0; task < tasks; task++) kernel(task, this.memory, a, this.scratch);
      return;
    }
    const index = KERNELS.indexOf(kernel);
    if (index < 0) throw new Error(`kernel ${kernel.name} is not registered for the worker threads`);
    const c = this.control;
    c[KERNEL] = index;
    c[TASKS] = tasks;
    Atomics.store(c, NEXT_TASK, 0);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, JOINED, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    let failure: unknown;
    try {
      for (let task = Atomics.add(c, NEXT_TASK, 1); task < tasks; task = Atomics.add(c, NEXT_TASK, 1)) {
        kernel(task, this.memory, a, this.scratch);
      }
    } catch (error) {
      failure = error;
      // Let the workers finish this run before the error propagates.
      Atomics.store(c, NEXT_TASK, tasks);
    }
    // Every task is taken: close the run and wait for the workers in it to finish theirs.
    const expected = Atomics.exchange(c, JOINED, CLOSED);
    for (let spin = 0; spin < SPIN && Atomics.load(c, DONE) < expected; spin++);
    for (let done = Atomics.load(c, DONE); done < expected; done = Atomics.load(c, DONE)) {
      Atomics.wait(c, DONE, done);
    }
    if (failure) throw failure;
    if (Atomics.load(c, FAILED) !== 0) {
      const text = new TextDecoder().decode(this.errorText).replace(/\0+$/, '');
      throw new Error(`a training worker thread failed: ${text}`);
    }
  }

  /** Stops the workers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.workers.length === 0) return;
    Atomics.store(this.control, KERNEL, EXIT);
    Atomics.store(this.control, JOINED, 0);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Hands `workers` over to the kernel runs (workerLoop) on this executor's memory. */
  private async attach(workers: TrainingWorkers): Promise<void> {
    const module = kernelModule();
    const list = await workers.enterLoop((i) => ({
      memory: this.memory,
      wasmMemory: this.wasmMemory,
      module,
      thread: i + 1,
      args: this.args,
      control: this.control,
      errorText: this.errorText,
    }));
    this.workers.push(...list);
  }
}

/** A message's error, as text. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The worker threads of a training run (the main thread is the other one). They can start before the
 * data is binned, bin their share of the numeric features (binNumericFeatures, by message) while the
 * main thread bins the rest, then join an Executor's kernel runs: their start-up is hidden behind the
 * binning, and the binning is shared.
 */
export class TrainingWorkers {
  private readonly workers: Worker[];

  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  /** Starts `count` worker threads; throws when worker threads cannot be created. */
  static start(count: number): TrainingWorkers {
    const source = [
      "const { parentPort } = require('node:worker_threads');",
      ...HELPERS.map((helper) => helper.toString()),
      workerLoop.toString(),
      `const kernels = [${KERNELS.map((k) => k.toString()).join(',\n')}];`,
      // Helpers from other modules are passed in by their declared names (toolchains rewrite imported calls).
      `(${workerMain.toString()})(parentPort, kernels, ${SPIN}, ${binNumericFeatures.name});`,
    ].join('\n');
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < count; i++) workers.push(new Worker(source, { eval: true }));
    } catch (error) {
      for (const worker of workers) void worker.terminate();
      throw error;
    }
    return new TrainingWorkers(workers);
  }

  get count(): number {
    return this.workers.length;
  }

  /** Runs binNumericFeatures(job) on worker `i`. */
  async bin(i: number, job: NumericBinningJob): Promise<NumericBinningResult[]> {
    return (await this.request(this.workers[i]!, { type: 'bin', job })) as NumericBinningResult[];
  }

  /**
   * Sends every worker into workerLoop with `shared(i)`; resolves with the workers once all are ready.
   * They stay in the loop (and answer no more messages) until the executor closes.
   */
  async enterLoop(shared: (i: number) => WorkerShared): Promise<Worker[]> {
    await Promise.all(this.workers.map((worker, i) => this.request(worker, { type: 'train', shared: shared(i) })));
    return this.workers;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Posts `message` to `worker` and waits for its reply ({ result } or { error }). */
  private request(worker: Worker, message: WorkerRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const settle = (reply?: WorkerReply, failure?: Error) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (failure) reject(failure);
        else if (reply?.error !== undefined) reject(new Error(`a training worker thread failed: ${reply.error}`));
        else resolve(reply?.result);
      };
      const onMessage = (reply: WorkerReply) => settle(reply);
      const onError = (error: Error) => settle(undefined, error);
      const onExit = (code: number) => settle(undefined, new Error(`a training worker thread exited (code ${code})`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(message);
    });
  }
}

type WorkerRequest = { type: 'bin'; job: NumericBinningJob } | { type: 'train'; shared: WorkerShared };
interface WorkerReply {
  result?: unknown;
  error?: string;
}

/**
 * A worker's message handler (runs from its source text: arguments and helpers only): binning jobs
 * until it is sent into workerLoop, which it then runs until the executor closes.
 */
function workerMain(
  port: { on(event: 'message', listener: (message: WorkerRequest) => void): void; postMessage(message: unknown): void },
  kernels: Kernel[],
  spin: number,
  bin: typeof binNumericFeatures,
): void {
  port.on('message', (message) => {
    if (message.type === 'train') {
      workerLoop(message.shared, port, kernels, spin);
      return;
    }
    try {
      port.postMessage({ result: bin(message.job) });
    } catch (error) {
      port.postMessage({ error: String(error instanceof Error ? error.stack : error) });
    }
  });
}

/** Thread `thread`'s scratch: its slices of memory.threadGradients and threadSides, and its kernels. */
function threadScratch(m: TrainingMemory, thread: number, wasm: WasmKernels): ThreadScratch {
  const size = 2 * m.blockRows;
  return {
    gradients: m.threadGradients.subarray(thread * size, (thread + 1) * size),
    sides: m.threadSides.subarray(thread * 256, (thread + 1) * 256),
    wasm,
  };
}

/** What workerLoop receives (with the message that sends a worker into it). */
interface WorkerShared {
  memory: TrainingMemory;
  /** The memory under `memory`'s arrays, and the kernels module to bind to it. */
  wasmMemory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** This worker's thread number (the main thread is 0): its slice of memory.threadGradients. */
  thread: number;
  args: Int32Array;
  control: Int32Array;
  errorText: Uint8Array;
}

/**
 * A worker's life: wait (spin, then sleep) for a new generation, join its run unless it is closed,
 * run tasks of the named kernel until none are left, report done. Runs from its source text, so it
 * uses only its arguments (control words are literals: 0 generation, 1 kernel, 2 tasks, 3 next task,
 * 4 done, 5 failed, 6 joined).
 */
function workerLoop(
  d: WorkerShared,
  port: { postMessage(message: unknown): void },
  kernels: Kernel[],
  spin: number,
): void {
  const c = d.control;
  const wasm = new WebAssembly.Instance(d.module, { env: { memory: d.wasmMemory } }).exports as unknown as WasmKernels;
  const scratch = threadScratch(d.memory, d.thread, wasm);
  let seen = 0;
  port.postMessage({ result: 'ready' });
  for (;;) {
    for (let i = 0; i < spin && Atomics.load(c, 0) === seen; i++);
    Atomics.wait(c, 0, seen);
    if (Atomics.load(c, 0) === seen) continue;
    // Join the run (word 6) unless the main thread has closed it (-1): it then needs nothing from this thread.
    let joined = Atomics.load(c, 6);
    while (joined >= 0) {
      const before = Atomics.compareExchange(c, 6, joined, joined + 1);
      if (before === joined) break;
      joined = before;
    }
    if (joined < 0) {
      seen = Atomics.load(c, 0);
      continue;
    }
    // A joined run cannot end (nor the next start) before this thread reports done: its words are stable.
    seen = Atomics.load(c, 0);
    const index = c[1]!;
    if (index < 0) return;
    const kernel = kernels[index]!;
    const tasks = c[2]!;
    try {
      for (let task = Atomics.add(c, 3, 1); task < tasks; task = Atomics.add(c, 3, 1)) {
        kernel(task, d.memory, d.args, scratch);
      }
    } catch (error) {
      new TextEncoder().encodeInto(String(error instanceof Error ? error.stack : error), d.errorText);
      Atomics.store(c, 5, 1);
      Atomics.store(c, 3, tasks);
    }
    Atomics.add(c, 4, 1);
    Atomics.notify(c, 4);
  }
}
