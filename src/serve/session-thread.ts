/**
 * An onnxruntime session in a worker thread (src/serve/session-worker.mjs), seen from the HTTP loop: one
 * run at a time per thread (the batcher runs one batch at a time), outputs returned by name.
 */
import { Worker } from 'node:worker_threads';

/** What a session run returns: output name → its data (float32/float64 arrays, or strings). */
export type RunOutputs = Readonly<Record<string, unknown>>;

export interface SessionThreadOptions {
  readonly model: Uint8Array;
  readonly inputs: readonly { readonly name: string; readonly type: 'float32' | 'string' }[];
  readonly outputs: readonly string[];
  readonly intraOpNumThreads?: number;
}

interface Job {
  readonly resolve: (outputs: RunOutputs) => void;
  readonly reject: (error: Error) => void;
}

export class SessionThread {
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private failure: Error | undefined;
  private released: Promise<void> | undefined;

  private readonly worker: Worker;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (message: { id?: number; outputs?: RunOutputs; error?: string }) => {
      if (message.id === undefined) return;
      const job = this.jobs.get(message.id);
      this.jobs.delete(message.id);
      if (message.error !== undefined) job?.reject(new Error(message.error));
      else job?.resolve(message.outputs!);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the onnxruntime worker thread exited (code ${code})`)));
  }

  /** Starts the thread and resolves once its session is open; rejects with onnxruntime's error. */
  static start(options: SessionThreadOptions): Promise<SessionThread> {
    const worker = new Worker(new URL('./session-worker.mjs', import.meta.url), {
      workerData: {
        model: options.model,
        options: {
          logSeverityLevel: 3,
          ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
        },
        inputs: options.inputs,
        outputs: options.outputs,
      },
    });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        void worker.terminate();
        reject(error);
      };
      worker.once('error', failed);
      worker.once('message', () => {
        worker.off('error', failed);
        // An idle thread does not keep the process alive (the HTTP server does while it listens).
        worker.unref();
        resolve(new SessionThread(worker));
      });
    });
  }

  /** False once the thread has died (its runs fail): the model is then not ready. */
  get healthy(): boolean {
    return this.failure === undefined || this.released !== undefined;
  }

  /** One session run over `rows` rows of `columns` (in the order of `inputs`). */
  run(rows: number, columns: readonly (Float32Array | readonly string[])[]): Promise<RunOutputs> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<RunOutputs>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows, columns });
    });
  }

  /** Releases the session and ends the thread. */
  release(): Promise<void> {
    this.released ??= new Promise<void>((resolve) => {
      if (this.failure) {
        resolve();
        return;
      }
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ release: true });
    });
    return this.released;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
  }
}
