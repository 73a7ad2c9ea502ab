/**
 * The HTTP protocol layer: Open Inference Protocol v2 REST routes on fastify, thin by design (check
 * ready, decode, call the data plane, encode). Every error is answered as `{"error": "..."}` with the
 * status the error names; the server stays up and ready.
 *
 *   GET  /v2/health/live, /v2/health/ready, /v2
 *   GET  /v2/models/{name}[/versions/{v}]           model metadata
 *   GET  /v2/models/{name}[/versions/{v}]/ready
 *   POST /v2/models/{name}[/versions/{v}]/infer     OIP inference
 *   POST /v2/models/{name}[/versions/{v}]/predict   records in, predictions out (for people)
 *   GET  /v2/models/{name}/monitor                  live drift of recent inputs (src/monitor/live.ts)
 *   POST /v2/repository/models/{name}/load          hot reload
 *   GET  /metrics                                   Prometheus
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { DataPlane } from './data-plane.ts';
import { InvalidRequestError, statusOf } from './errors.ts';
import type { ServeMetrics } from './metrics.ts';

export interface HttpOptions {
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
  /** Counts inference requests from their first byte until their handler runs (the batcher reads it). */
  readonly receiving?: { count: number };
}

interface ModelParams {
  name: string;
  version?: string;
}

/** A fastify instance with every route, the JSON error handler and the metrics hooks (not yet listening). */
export function createHttpApp(plane: DataPlane, metrics: ServeMetrics, options: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // One log line per request would cost more than an inference; errors and lifecycle events are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // KServe's protocol text writes the server metadata path as /v2/: every route answers with or without it.
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;

  // Every body is read as JSON, whatever its content type (curl -d sends a form type); an empty body is
  // `undefined`, so a bodiless POST (the repository load) works and infer says what it expected.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new InvalidRequestError(`malformed JSON: ${(error as Error).message}`), undefined);
    }
  });

  // Graceful close: fastify closes idle keep-alive connections when close starts; connections whose
  // response is still in flight close 1 ms after it, or a client's keep-alive would hold the server open.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });

  // Inference requests whose body is still being received: the batcher does not wait when there are none.
  const receiving = options.receiving ?? { count: 0 };
  const inReceipt = new WeakSet<FastifyRequest>();
  const received = (request: FastifyRequest) => {
    if (inReceipt.delete(request)) receiving.count--;
  };
  const receive = {
    onRequest: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      inReceipt.add(request);
      receiving.count++;
      done();
    },
  };
  app.addHook('onRequestAbort', (request, done) => {
    received(request);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    received(request);
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: reply.statusCode });
    metrics.requestSeconds.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = statusOf(error);
    const message = errorMessage(error, options.bodyLimitBytes);
    if (status >= 500) request.log.error({ error: describeError(error), url: request.url }, 'request failed');
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = plane.ready;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => plane.serverMetadata());

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get<{ Params: ModelParams }>(prefix, async (request) =>
      plane.modelMetadata(request.params.name, request.params.version),
    );
    app.get<{ Params: ModelParams }>(`${prefix}/ready`, async (request, reply) => {
      const ready = plane.modelReady(request.params.name, request.params.version);
      return reply.code(ready ? 200 : 503).send({ name: request.params.name, ready });
    });
    app.post<{ Params: ModelParams }>(`${prefix}/infer`, { ...receive, preParsing: refuseBinaryData }, (request) => {
      received(request);
      return plane.infer(request.params.name, request.params.version, request.body, request.id);
    });
    app.post<{ Params: ModelParams }>(`${prefix}/predict`, receive, (request) => {
      received(request);
      return plane.predict(request.params.name, request.params.version, request.body, request.id);
    });
  }

  app.get<{ Params: { name: string } }>('/v2/models/:name/monitor', async (request) =>
    plane.monitorReport(request.params.name),
  );

  app.post<{ Params: { name: string } }>('/v2/repository/models/:name/load', async (request) => {
    const loaded = await plane.reloadByName(request.params.name, request.body);
    return { name: loaded.name, version: loaded.version, sha256: loaded.sha256, loaded: true };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  return app;
}

/** The binary tensor data extension sends a JSON header plus raw bytes; only JSON is supported. */
async function refuseBinaryData(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.headers['inference-header-content-length'] !== undefined) {
    throw new InvalidRequestError(
      'the binary tensor data extension is not supported; send the tensors as JSON "data" arrays',
    );
  }
}

/** Fastify's own errors reworded for people; ours as they are. */
function errorMessage(error: FastifyError, bodyLimit: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return `the request body is larger than the limit of ${bodyLimit} bytes (serve.body_limit); split the batch`;
  }
  return error.message;
}
