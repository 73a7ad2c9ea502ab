/** startServer: wires the model, the batcher, metrics, the prediction log and the HTTP routes, and listens. */
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { type Config, configSchema } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import { registerLiveGauges } from '../monitor/live-metrics.ts';
import { DataPlane } from './data-plane.ts';
import { ServeMetrics } from './metrics.ts';
import { PredictionLog } from './prediction-log.ts';
import { createHttpApp } from './routes.ts';
import type { BatchingOptions, CloseSummary, ModelSource, RunningServer, ServeOptions } from './types.ts';

/** conveyor.yml's `serve:` defaults (src/config/schema.ts is their one definition). */
const SERVE_DEFAULTS = configSchema.shape.serve.parse({});
export const DEFAULT_BATCHING: BatchingOptions = {
  maxBatchSize: SERVE_DEFAULTS.max_batch_size,
  maxQueueDelayMs: SERVE_DEFAULTS.max_queue_delay_ms,
};
export const DEFAULT_BODY_LIMIT_BYTES = SERVE_DEFAULTS.body_limit;
export const DEFAULT_PORT = SERVE_DEFAULTS.port;
export const DEFAULT_HOST = SERVE_DEFAULTS.host;
export const DEFAULT_MAX_ROWS = SERVE_DEFAULTS.max_rows;
export const DEFAULT_DRAIN_TIMEOUT_MS = SERVE_DEFAULTS.drain_timeout_ms;

/**
 * Loads the model of `options.source` and serves it over HTTP (Open Inference Protocol v2). Resolves once
 * the model is loaded and the port is listening; rejects (and leaves nothing running) when the model
 * cannot be loaded or the port cannot be bound.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const logger = toLogger(options.logger);
  const metrics = new ServeMetrics();
  const batching: BatchingOptions = { ...DEFAULT_BATCHING, ...options.batching };
  const predictionLog = options.predictionLog
    ? new PredictionLog(options.predictionLog, {
        onRecords: (outcome, count) => metrics.logRecords.inc({ outcome }, count),
        onRotate: () => metrics.logRotations.inc(),
        onError: (error) =>
          logger.warn({ error: describeError(error) }, 'prediction log write failed; records dropped'),
      })
    : undefined;
  const receiving = { count: 0 };
  const plane = new DataPlane({
    batching,
    maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
    arriving: () => receiving.count,
    metrics,
    logger,
    ...(predictionLog ? { predictionLog } : {}),
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...(options.sessionThread ? { sessionThread: true } : {}),
    idleGc: options.idleGc ?? SERVE_DEFAULTS.idle_gc,
    ...(options.monitor ? { monitor: options.monitor } : {}),
  });
  registerLiveGauges(metrics.registry, () => plane.liveReport());
  const app = createHttpApp(plane, metrics, {
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logger,
    receiving,
  });
  try {
    await plane.load(options.source);
    options.configure?.(app);
    await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await app.close().catch(() => {});
    await plane.close().catch(() => {});
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, batching, model: plane.model?.name, version: plane.model?.version }, 'serving');
  let closed: Promise<CloseSummary> | undefined;
  return {
    url,
    port: address.port,
    get model() {
      const model = plane.model!;
      return { name: model.name, version: model.version, sha256: model.sha256 };
    },
    reload: (source?: ModelSource) => plane.load(source),
    close() {
      closed ??= (async () => {
        // Fastify answers new requests with 503 and waits for those in flight, for at most the drain
        // timeout: then the connections left (a client that never finishes its body) are closed.
        const drainMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
        let drained = true;
        const deadline = setTimeout(() => {
          drained = false;
          logger.warn({ drainMs }, 'drain timeout: closing the connections still open');
          app.server.closeAllConnections();
        }, drainMs);
        try {
          await app.close();
        } finally {
          clearTimeout(deadline);
        }
        await plane.close();
        logger.info({ drained }, 'server closed');
        return { drained };
      })();
      return closed;
    },
  };
}

/** ServeOptions fields from conveyor.yml's `serve:` section (the source, logger and overrides come from the caller). */
export function serveOptionsFromConfig(
  serve: Config['serve'],
  monitor?: Config['monitor'],
): Pick<
  ServeOptions,
  | 'host'
  | 'port'
  | 'batching'
  | 'bodyLimitBytes'
  | 'maxRows'
  | 'drainTimeoutMs'
  | 'predictionLog'
  | 'intraOpNumThreads'
  | 'sessionThread'
  | 'idleGc'
  | 'monitor'
> {
  const log = serve.prediction_log;
  return {
    ...(monitor ? { monitor } : {}),
    host: serve.host,
    port: serve.port,
    batching: { maxBatchSize: serve.max_batch_size, maxQueueDelayMs: serve.max_queue_delay_ms },
    bodyLimitBytes: serve.body_limit,
    maxRows: serve.max_rows,
    drainTimeoutMs: serve.drain_timeout_ms,
    ...(log.sample_rate > 0
      ? {
          predictionLog: {
            path: log.path,
            sampleRate: log.sample_rate,
            maxBytes: log.max_bytes,
            maxFiles: log.max_files,
          },
        }
      : {}),
    ...(serve.threads > 0 ? { intraOpNumThreads: serve.threads } : {}),
    ...(serve.session_thread ? { sessionThread: true } : {}),
    idleGc: serve.idle_gc,
  };
}

function toLogger(logger: ServeOptions['logger']): Logger {
  if (logger === undefined) return pino({ level: 'info' });
  if (typeof logger === 'string') return pino({ level: logger });
  return logger;
}
