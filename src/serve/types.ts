/** Types of the prediction service: where the model comes from, server options, and the running server. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';

/**
 * Where the served model comes from.
 * - `dir`: a folder holding model.onnx and, optionally, card.json (a registry version folder, or the
 *   folder `conveyor registry pull` writes).
 * - `file`: an ONNX file, with an optional card.
 * - `registry`: a registered model, pulled by `ref` (`v3`, `3` or an alias such as `production`) into
 *   `cacheDir` (default: a folder under the OS temp dir) and served from there.
 */
export type ModelSource =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly onnx: string; readonly card?: string }
  | {
      readonly kind: 'registry';
      readonly name: string;
      readonly ref: string;
      /** conveyor.yml `registry:` section (default: the local folder `models/`). */
      readonly registry?: Config['registry'];
      /** Environment for the registry backend (GITHUB_TOKEN, GITHUB_REPOSITORY); default process.env. */
      readonly env?: Readonly<Record<string, string | undefined>>;
      readonly cacheDir?: string;
    };

/** Dynamic batching, as Triton's dynamic batcher: a scheduler setting, not part of the model. */
export interface BatchingOptions {
  /** Most rows one session run takes (default 64). A single request with more rows runs alone. */
  readonly maxBatchSize: number;
  /** Longest a request waits for others to join its batch, in ms (default 1; 0 = batching off). */
  readonly maxQueueDelayMs: number;
}

/** The prediction log for monitoring (JSON lines; format in src/serve/prediction-log.ts). */
export interface PredictionLogOptions {
  readonly path: string;
  /** Share of requests logged, 0..1 (default 1). */
  readonly sampleRate: number;
  /** Rotate when the file would grow past this many bytes. */
  readonly maxBytes: number;
  /** Rotated files kept beside the current one. */
  readonly maxFiles: number;
  /** Seed of the sampling decisions (default 0): the same request sequence logs the same requests. */
  readonly seed?: number;
  /** Most bytes of lines waiting to be written before new records are dropped (and counted); default 16 MiB. */
  readonly maxPendingBytes?: number;
}

export interface ServeOptions {
  readonly source: ModelSource;
  /** Interface to listen on (default 127.0.0.1; 0.0.0.0 in a container). */
  readonly host?: string;
  /** TCP port (default 8080; 0 = an ephemeral port, see RunningServer.port). */
  readonly port?: number;
  readonly batching?: Partial<BatchingOptions>;
  /** Largest request body in bytes (default 8 MiB); larger bodies get 413. */
  readonly bodyLimitBytes?: number;
  /** Most rows one request may carry (default serve.max_rows, 10,000); more is answered 413. */
  readonly maxRows?: number;
  /**
   * On close, longest wait in ms for requests in flight, bodies still arriving included (default
   * serve.drain_timeout_ms, 20 s); then the connections left are closed.
   */
  readonly drainTimeoutMs?: number;
  /** Prediction log; off when absent. */
  readonly predictionLog?: PredictionLogOptions;
  /** A pino logger, or a level for a new one on stderr (default 'info'). */
  readonly logger?: Logger | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** onnxruntime threads per run (default: onnxruntime's, one per core). */
  readonly intraOpNumThreads?: number;
  /**
   * Run onnxruntime in a worker thread, so the HTTP loop keeps parsing and batching while a batch runs
   * (default false: runs on the HTTP loop's thread).
   */
  readonly sessionThread?: boolean;
  /**
   * Collect V8's young generation in the gaps between requests rather than when it fills mid-request
   * (default serve.idle_gc, true; see src/serve/idle-gc.ts).
   */
  readonly idleGc?: boolean;
  /** conveyor.yml `monitor:`: with `live` on, a rolling window serves drift at /v2/models/{name}/monitor. Default: off. */
  readonly monitor?: Config['monitor'];
  /** Registers extra routes on the fastify instance before it listens (a benchmark's echo route, a probe). */
  readonly configure?: (app: FastifyInstance) => void;
}

/** What a load or reload put in service. */
export interface LoadedModelInfo {
  readonly name: string;
  readonly version: string;
  /** sha256 (hex) of model.onnx. */
  readonly sha256: string;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** The model in service now. */
  readonly model: LoadedModelInfo;
  /**
   * Loads the model again (from `source` when given, else from the current source) and swaps it in atomically.
   * On failure the model in service stays and the error is thrown (a ServeError carrying its HTTP status).
   */
  reload(source?: ModelSource): Promise<LoadedModelInfo>;
  /**
   * Stops accepting requests, answers those in flight (waiting at most the drain timeout, then closing the
   * connections left), flushes the prediction log, releases the model.
   */
  close(): Promise<CloseSummary>;
}

export interface CloseSummary {
  /** False when the drain timeout passed and connections still open were closed. */
  readonly drained: boolean;
}
