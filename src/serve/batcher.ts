/**
 * Dynamic batching after Triton's dynamic batcher: requests queue and run together, one batch at a
 * time, and each caller gets back its own result.
 *
 * A batch is dispatched when its rows reach `maxBatchSize` or when its oldest request has waited
 * `maxQueueDelayMs`; while a batch runs (a session run blocks the event loop), arrivals queue up and form
 * the next one. One addition to Triton's rule: a batch does not wait for requests that are not coming.
 * With an `arriving()` hook (requests whose bodies are still being received), a batch that nobody else is
 * about to join runs at the end of the first I/O turn (setImmediate) that brings no new request, taking every
 * request read until then: one client alone never pays the queue delay, and a burst of clients that the
 * sockets deliver over a few turns runs as one batch. A request larger than `maxBatchSize` runs alone.
 * `maxQueueDelayMs = 0` turns batching off: every request runs on its own, at once.
 *
 * The batcher knows nothing of models: it takes an `execute(items) → results` function (one result per
 * item, in order). Callers validate items before submitting; should a batch of several items still fail,
 * each item is run again alone, so only the item at fault gets the error.
 */
import type { BatchingOptions } from './types.ts';

export interface BatchEvent {
  /** Items (requests) in the batch. */
  readonly items: number;
  /** Rows in the batch. */
  readonly rows: number;
  /** Seconds each item waited in the queue before its batch started. */
  readonly queueSeconds: readonly number[];
}

export interface BatcherHooks<In, Out> {
  /** Runs one batch; must return one result per input, in order. */
  readonly execute: (inputs: In[]) => Promise<Out[]>;
  /** Rows an input contributes to a batch. */
  readonly rowsOf: (input: In) => number;
  /** Called as each batch starts (for metrics). */
  readonly onBatch?: (event: BatchEvent) => void;
  /** Requests received but not yet submitted (bodies in transit); when 0, nobody else is about to join. */
  readonly arriving?: () => number;
  /** Called each time the last queued or running request is done (nothing is pending any more). */
  readonly onIdle?: () => void;
}

interface Entry<In, Out> {
  readonly input: In;
  readonly rows: number;
  readonly enqueuedAt: number;
  readonly resolve: (value: Out) => void;
  readonly reject: (error: unknown) => void;
}

export class Batcher<In, Out> {
  private readonly queue: Entry<In, Out>[] = [];
  private queuedRows = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Requests queued when the current turn's end was scheduled. */
  private queuedAtTurn = 0;
  private idleWaiters: (() => void)[] = [];

  readonly options: BatchingOptions;
  private readonly hooks: BatcherHooks<In, Out>;

  constructor(options: BatchingOptions, hooks: BatcherHooks<In, Out>) {
    this.options = options;
    this.hooks = hooks;
    if (!(options.maxBatchSize >= 1)) {
      throw new RangeError(`maxBatchSize must be at least 1, got ${options.maxBatchSize}`);
    }
    if (!(options.maxQueueDelayMs >= 0)) {
      throw new RangeError(`maxQueueDelayMs must be at least 0, got ${options.maxQueueDelayMs}`);
    }
  }

  /** Requests waiting or running. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Queues `input` and resolves with its own result once its batch has run. */
  submit(input: In): Promise<Out> {
    if (this.options.maxQueueDelayMs === 0) return this.runAlone(input);
    return new Promise<Out>((resolve, reject) => {
      const rows = this.hooks.rowsOf(input);
      this.queue.push({ input, rows, enqueuedAt: performance.now(), resolve, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running > 0 || this.queue.length === 0) return;
    const waited = performance.now() - this.queue[0]!.enqueuedAt;
    if (this.queuedRows >= this.options.maxBatchSize || waited >= this.options.maxQueueDelayMs) {
      this.dispatch();
    } else if (this.hooks.arriving?.() === 0) {
      // Nobody else is being received: run once an I/O turn has queued no new request.
      if (!this.immediate) {
        this.queuedAtTurn = this.queue.length;
        this.immediate = setImmediate(this.turnEnded);
      }
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.dispatch();
      }, this.options.maxQueueDelayMs - waited);
    }
  }

  /**
   * The end of an I/O turn with a batch waiting and nobody being received. Requests that came in this turn
   * may have company still in the socket buffers (a burst of clients is read over a few turns): while a turn
   * brings more, the batch waits for the next one, within the queue delay and the batch size.
   */
  private readonly turnEnded = (): void => {
    this.immediate = undefined;
    const grew = this.queue.length > this.queuedAtTurn;
    const waited = this.queue.length > 0 ? performance.now() - this.queue[0]!.enqueuedAt : 0;
    if (grew && this.queuedRows < this.options.maxBatchSize && waited < this.options.maxQueueDelayMs) {
      this.queuedAtTurn = this.queue.length;
      this.immediate = setImmediate(this.turnEnded);
      return;
    }
    this.dispatch();
  };

  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.running > 0 || this.queue.length === 0) return;
    const batch: Entry<In, Out>[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && rows + next.rows > this.options.maxBatchSize) break;
      batch.push(this.queue.shift()!);
      rows += next.rows;
    }
    this.queuedRows -= rows;
    const now = performance.now();
    this.hooks.onBatch?.({ items: batch.length, rows, queueSeconds: batch.map((e) => (now - e.enqueuedAt) / 1000) });
    this.running++;
    void this.runBatch(batch).finally(() => {
      this.running--;
      this.schedule();
      this.notifyIdle();
    });
  }

  private async runBatch(batch: Entry<In, Out>[]): Promise<void> {
    try {
      const results = await this.hooks.execute(batch.map((e) => e.input));
      if (results.length !== batch.length) {
        throw new Error(`batch returned ${results.length} results for ${batch.length} requests`);
      }
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Isolate the failure: run each request alone so only the one at fault gets the error.
      for (const entry of batch) {
        try {
          const [result] = await this.hooks.execute([entry.input]);
          entry.resolve(result!);
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }

  private async runAlone(input: In): Promise<Out> {
    this.hooks.onBatch?.({ items: 1, rows: this.hooks.rowsOf(input), queueSeconds: [0] });
    this.running++;
    try {
      const [result] = await this.hooks.execute([input]);
      return result!;
    } finally {
      this.running--;
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.pending > 0) return;
    this.hooks.onIdle?.();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
