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
import { createServer } from 'node:http';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { DataPlane } from './data-plane.ts';
import { errorReply, JSON_CONTENT_TYPE, MAX_PARAM_LENGTH, parseJsonBody, refuseBinaryData } from './http-shared.ts';
import { InferPath } from './infer-path.ts';
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
  // Inference requests whose body is still being received: the batcher does not wait when there are none.
  const receiving = options.receiving ?? { count: 0 };
  const inferPath = new InferPath(plane, metrics, {
    bodyLimitBytes: options.bodyLimitBytes,
    logger: options.logger,
    receiving,
  });
  const app = Fastify({
    serverFactory: serverWith(inferPath),
    loggerInstance: options.logger,
    // One log line per request would cost more than an inference; errors and lifecycle events are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // KServe's protocol text writes the server metadata path as /v2/: every route answers with or without it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Graceful close: fastify closes idle keep-alive connections when close starts; connections whose
  // response is still in flight close 1 ms after it, or a client's keep-alive would hold the server open.
  app.addHook('preClose', (done) => {
    inferPath.closing = true;
    app.server.keepAliveTimeout = 1;
    done();
  });

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
    metrics.observeRequest(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = errorReply(error, options.bodyLimitBytes);
    if (status >= 500) request.log.error({ error: describeError(error), url: request.url }, 'request failed');
    void reply.code(status).send(body);
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
    // Infer's plain requests take src/serve/infer-path.ts; this route answers the rest (see there).
    app.post<{ Params: ModelParams }>(
      `${prefix}/infer`,
      { ...receive, preParsing: refuseBinary },
      async (request, reply) => {
        received(request);
        const text = await plane.infer(request.params.name, request.params.version, request.body, request.id);
        return reply.type(JSON_CONTENT_TYPE).send(text);
      },
    );
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

async function refuseBinary(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  refuseBinaryData(request.headers);
}

/**
 * fastify's HTTP/1.1 server (as it makes one itself, with its timeouts) whose request handler lets infer's
 * own path answer first.
 */
function serverWith(inferPath: InferPath): FastifyServerFactory {
  return (handler, options) => {
    const server = createServer(options.http ?? {}, (request, response) => {
      if (!inferPath.handle(request, response)) handler(request, response);
    });
    const settings = options as typeof options & {
      keepAliveTimeout: number;
      requestTimeout: number;
      connectionTimeout: number;
      maxRequestsPerSocket?: number | null;
    };
    server.keepAliveTimeout = settings.keepAliveTimeout;
    server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout);
    if ((settings.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket!;
    return server;
  };
}
