/**
 * The data plane: what the routes call. It holds the model in service (swapped atomically on reload),
 * runs requests through preprocess → batcher → predict → postprocess with a timer on each step, and hands
 * sampled requests to the prediction log. Protocol-neutral: bodies in, plain objects out, ServeErrors thrown.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { CONVEYOR_VERSION } from '../lib/version.ts';
// The live window alone, not the monitor barrel: that carries the CLI executor and its data loaders.
import { type LiveReport, LiveWindow, liveModelOf } from '../monitor/live.ts';
import type { MonitorOptions } from '../monitor/types.ts';
import { Batcher } from './batcher.ts';
import {
  concatBlocks,
  concatOutputs,
  type ModelOutputs,
  type OipTensor,
  type Prediction,
  type RowBlock,
  sliceBlock,
  sliceOutputs,
} from './codec.ts';
import { InvalidRequestError, ModelConflictError, ModelNotFoundError, ModelNotReadyError } from './errors.ts';
import { IdleCollector } from './idle-gc.ts';
import type { ServeMetrics } from './metrics.ts';
import { type ModelMetadata, ServedModel, versionNumber } from './model.ts';
import type { PredictionLog } from './prediction-log.ts';
import { describeSource, resolveSource } from './source.ts';
import type { BatchingOptions, LoadedModelInfo, ModelSource } from './types.ts';

/** OIP server metadata (GET /v2). */
export interface ServerMetadata {
  readonly name: 'conveyor';
  readonly version: string;
  readonly extensions: readonly string[];
}

/** The OIP infer response; `infer` returns it as JSON text (codec.ts encodeInferResponse writes it). */
export interface InferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly outputs: readonly OipTensor[];
}

export interface PredictResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly predictions: readonly Prediction[];
}

interface Serving {
  readonly model: ServedModel;
  readonly batcher: Batcher<RowBlock, ModelOutputs>;
  /** The live monitoring window (absent when off or when the card has no training profile). */
  readonly window?: LiveWindow;
  /** Why there is no window. */
  readonly windowOff?: string;
}

export interface DataPlaneOptions {
  readonly batching: BatchingOptions;
  /** Most rows per request (serve.max_rows); more is answered 413. */
  readonly maxRows: number;
  readonly metrics: ServeMetrics;
  readonly logger: Logger;
  readonly predictionLog?: PredictionLog;
  readonly intraOpNumThreads?: number;
  /** Run onnxruntime in a worker thread (see ServeOptions.sessionThread). */
  readonly sessionThread?: boolean;
  /** Requests being received but not yet handed to the data plane (see Batcher's `arriving`). */
  readonly arriving?: () => number;
  /** conveyor.yml `monitor:`; the live window is kept when `live` is true. */
  readonly monitor?: MonitorOptions;
  /** Collect V8's young generation when no request is in flight (see idle-gc.ts). */
  readonly idleGc?: boolean;
}

export class DataPlane {
  private serving: Serving | undefined;
  private current: ModelSource | undefined;
  /** Loads run one at a time, in call order. */
  private loads: Promise<unknown> = Promise.resolve();
  private closing = false;

  private readonly options: DataPlaneOptions;
  private readonly idle: IdleCollector | undefined;

  constructor(options: DataPlaneOptions) {
    this.options = options;
    this.idle = options.idleGc
      ? new IdleCollector(
          () => (this.serving?.batcher.pending ?? 0) > 0 || (options.arriving?.() ?? 0) > 0,
          () => options.metrics.idleCollections.inc(),
        )
      : undefined;
  }

  /** True while a model is in service and the server is not shutting down. */
  get ready(): boolean {
    return !this.closing && this.serving?.model.ready === true;
  }

  /** The model in service. */
  get model(): ServedModel | undefined {
    return this.serving?.model;
  }

  get source(): ModelSource | undefined {
    return this.current;
  }

  serverMetadata(): ServerMetadata {
    return { name: 'conveyor', version: CONVEYOR_VERSION, extensions: ['model_repository'] };
  }

  /**
   * Loads the model of `source` (default: the current source) and puts it in service. The model served
   * before keeps answering until the swap and is released once its queued requests are done. On failure it
   * stays in service and the error (a ServeError, or a registry error) is thrown.
   */
  load(source: ModelSource | undefined = this.current): Promise<LoadedModelInfo> {
    const run = this.loads.then(() => this.loadNow(source));
    this.loads = run.catch(() => {});
    return run;
  }

  /**
   * The OIP repository `load` request: reload the model named `name` from its source; `parameters.ref`
   * (registry sources only) picks another version or alias.
   */
  async reloadByName(name: string, body: unknown): Promise<LoadedModelInfo> {
    const source = this.current;
    const served = this.serving?.model.name ?? (source?.kind === 'registry' ? source.name : undefined);
    if (name !== served)
      throw new ModelNotFoundError(`model "${name}" is not served here; this server serves "${served}"`);
    const parameters = (body as { parameters?: unknown } | null | undefined)?.parameters;
    if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null)) {
      throw new InvalidRequestError('"parameters" must be an object');
    }
    const ref = (parameters as { ref?: unknown } | undefined)?.ref;
    if (ref === undefined) return this.load();
    if (typeof ref !== 'string' || ref === '')
      throw new InvalidRequestError('"parameters.ref" must be a non-empty string');
    if (source?.kind !== 'registry') {
      throw new InvalidRequestError(
        `"parameters.ref" needs a registry source; this model is served from a ${source?.kind}`,
      );
    }
    return this.load({ ...source, ref });
  }

  /** OIP model metadata of the model `name` (and `version`, when given). */
  modelMetadata(name: string, version?: string): ModelMetadata {
    return this.servingFor(name, version).model.metadata();
  }

  /** Whether `name` (and `version`) is in service and ready; 404 when it is not served here at all. */
  modelReady(name: string, version?: string): boolean {
    const serving = this.serving;
    if (!serving) return false;
    this.servingFor(name, version);
    return this.ready;
  }

  /** An OIP infer request (body as parsed JSON) → the OIP infer response (InferResponse) as JSON text. */
  async infer(name: string, version: string | undefined, body: unknown, requestId: string): Promise<string> {
    const { model, batcher, window } = this.servingFor(name, version);
    const decoded = this.timed('preprocess', () => model.preprocessInfer(body, this.options.maxRows));
    const unseen = this.countUnseen(model, decoded.block);
    const outputs = await batcher.submit(decoded.block);
    window?.add(decoded.block.rows, decoded.block.sent, outputs.label ?? outputs.value);
    const id = decoded.id ?? requestId;
    const text = this.timed('postprocess', () => model.postprocessInfer(outputs, decoded.outputs, id));
    this.logPrediction(model, 'infer', id, decoded.block, outputs, unseen);
    return text;
  }

  /** `/predict` records → one prediction per record. */
  async predict(name: string, version: string | undefined, body: unknown, requestId: string): Promise<PredictResponse> {
    const { model, batcher, window } = this.servingFor(name, version);
    const block = this.timed('preprocess', () => model.preprocessRecords(body, this.options.maxRows));
    const unseen = this.countUnseen(model, block);
    const outputs = await batcher.submit(block);
    window?.add(block.rows, block.sent, outputs.label ?? outputs.value);
    const predictions = this.timed('postprocess', () => model.postprocessRecords(outputs));
    this.logPrediction(model, 'predict', requestId, block, outputs, unseen);
    return { model_name: model.name, model_version: model.version, id: requestId, predictions };
  }

  /** GET /v2/models/{name}/monitor: drift of the live window against the model card's profiles. */
  monitorReport(name: string): LiveReport {
    const serving = this.servingFor(name, undefined);
    if (!serving.window) throw new ModelNotFoundError(`no live monitoring for "${name}": ${serving.windowOff}`);
    return serving.window.report();
  }

  /** The live report of the model in service, if it has a window (for the Prometheus gauges). */
  liveReport(): LiveReport | undefined {
    return this.serving?.window?.report();
  }

  /** Stops taking requests, waits for queued ones, releases the model and flushes the prediction log. */
  async close(): Promise<void> {
    this.closing = true;
    await this.loads;
    const serving = this.serving;
    if (serving) {
      await serving.batcher.drain();
      await serving.model.release();
    }
    await this.options.predictionLog?.close();
  }

  private async loadNow(source: ModelSource | undefined): Promise<LoadedModelInfo> {
    if (!source) throw new ModelNotReadyError('no model source to load from');
    if (this.closing) throw new ModelNotReadyError('the server is shutting down');
    const { logger, metrics } = this.options;
    const first = this.serving === undefined;
    const started = performance.now();
    let model: ServedModel;
    try {
      const resolved = await resolveSource(source);
      try {
        model = await ServedModel.load(resolved.files, {
          ...(this.options.intraOpNumThreads ? { intraOpNumThreads: this.options.intraOpNumThreads } : {}),
          ...(this.options.sessionThread ? { sessionThread: true } : {}),
        });
      } finally {
        await resolved.cleanup();
      }
      const served = this.serving?.model;
      if (served && model.name !== served.name) {
        await model.release();
        throw new ModelConflictError(
          `${describeSource(source)} holds model "${model.name}", not "${served.name}"; a server serves one model name`,
        );
      }
    } catch (error) {
      if (!first) metrics.reloads.inc({ outcome: 'failure' });
      logger.error(
        { source: describeSource(source), error: describeError(error) },
        first ? 'model load failed' : 'model reload failed; the model in service stays',
      );
      throw error;
    }
    const previous = this.serving;
    this.serving = { model, batcher: this.createBatcher(model), ...this.createWindow(model) };
    this.current = source;
    metrics.setModel(model);
    if (!first) metrics.reloads.inc({ outcome: 'success' });
    logger.info(
      {
        model: model.name,
        version: model.version,
        sha256: model.sha256,
        source: describeSource(source),
        ms: Math.round(performance.now() - started),
      },
      first ? 'model loaded' : 'model reloaded',
    );
    if (previous) void this.retire(previous);
    return { name: model.name, version: model.version, sha256: model.sha256 };
  }

  private async retire(serving: Serving): Promise<void> {
    await serving.batcher.drain();
    await serving.model.release().catch((error: unknown) => {
      this.options.logger.warn({ error: describeError(error) }, 'releasing the previous model failed');
    });
  }

  /** A new window per model version: its reference is that version's card. */
  private createWindow(model: ServedModel): { window: LiveWindow } | { windowOff: string } {
    const monitor = this.options.monitor;
    if (!monitor?.live) return { windowOff: 'monitor.live is off' };
    const live = liveModelOf(model.name, model.version, model.signature, model.card);
    if (typeof live === 'string') return { windowOff: live };
    return { window: new LiveWindow(live, monitor) };
  }

  private createBatcher(model: ServedModel): Batcher<RowBlock, ModelOutputs> {
    const { metrics } = this.options;
    const classes = model.classCount;
    return new Batcher<RowBlock, ModelOutputs>(this.options.batching, {
      execute: async (blocks) => {
        const merged = concatBlocks(blocks, model.signature);
        const started = performance.now();
        const outputs = await predictInChunks(model, merged);
        metrics.phase.predict.observe((performance.now() - started) / 1000);
        metrics.rows.inc(merged.rows);
        let start = 0;
        return blocks.map((block) => {
          const slice = sliceOutputs(outputs, start, start + block.rows, classes);
          start += block.rows;
          return slice;
        });
      },
      rowsOf: (block) => block.rows,
      onBatch: (event) => {
        metrics.batchRows.observe({}, event.rows);
        metrics.batchRequests.observe({}, event.items);
        const queue = metrics.queueSeconds.seriesOf({});
        for (const seconds of event.queueSeconds) queue.observe(seconds);
      },
      ...(this.options.arriving ? { arriving: this.options.arriving } : {}),
      ...(this.idle ? { onIdle: this.idle.settled } : {}),
    });
  }

  private servingFor(name: string, version: string | undefined): Serving {
    const serving = this.serving;
    if (this.closing) throw new ModelNotReadyError('the server is shutting down');
    if (!serving) throw new ModelNotReadyError('no model is loaded yet');
    const model = serving.model;
    if (name !== model.name) {
      throw new ModelNotFoundError(`model "${name}" is not served here; this server serves "${model.name}"`);
    }
    if (version !== undefined && !sameVersion(version, model.version)) {
      throw new ModelNotFoundError(`model "${name}" has no version "${version}" here; it serves ${model.version}`);
    }
    return serving;
  }

  private timed<T>(phase: 'preprocess' | 'postprocess', step: () => T): T {
    const started = performance.now();
    try {
      return step();
    } finally {
      this.options.metrics.phase[phase].observe((performance.now() - started) / 1000);
    }
  }

  /** Unseen categories of a request, counted in /metrics by column (and returned for the prediction log). */
  private countUnseen(model: ServedModel, block: RowBlock): number[] | undefined {
    const unseen = model.unseenCategories(block);
    if (unseen) {
      model.signature.features.forEach((feature, j) => {
        if (unseen[j]! > 0) this.options.metrics.unseenCategories.inc({ column: feature.name }, unseen[j]!);
      });
    }
    return unseen;
  }

  private logPrediction(
    model: ServedModel,
    endpoint: 'infer' | 'predict',
    requestId: string,
    block: RowBlock,
    outputs: ModelOutputs,
    unseen: readonly number[] | undefined,
  ): void {
    this.options.predictionLog?.record({
      time: Date.now(),
      requestId,
      modelName: model.name,
      modelVersion: model.version,
      endpoint,
      signature: model.signature,
      block,
      outputs,
      ...(unseen ? { unseen } : {}),
    });
  }
}

/**
 * Most rows one session run takes. onnxruntime's working memory grows with the rows of a run and its arena
 * keeps what it took, so a big request runs as several runs of this size: memory stays bounded by the
 * chunk, not the request (a 100,000-row run of a 100-tree model took 500 MB that was never given back).
 */
export const RUN_CHUNK_ROWS = 1024;

/** One session run per RUN_CHUNK_ROWS rows of `block`, outputs joined in row order. */
async function predictInChunks(model: ServedModel, block: RowBlock): Promise<ModelOutputs> {
  if (block.rows <= RUN_CHUNK_ROWS) return model.predict(block);
  const parts: ModelOutputs[] = [];
  for (let start = 0; start < block.rows; start += RUN_CHUNK_ROWS) {
    parts.push(await model.predict(sliceBlock(block, start, Math.min(block.rows, start + RUN_CHUNK_ROWS))));
  }
  return concatOutputs(parts);
}

/** "v3" and "3" name the same version. */
function sameVersion(asked: string, served: string): boolean {
  if (asked === served) return true;
  const a = versionNumber(asked);
  return a !== undefined && a === versionNumber(served);
}
