/**
 * OIP infer's own path on node:http, in front of fastify: the one route that carries the load answers
 * without fastify's routing, hooks and reply pipeline (about a quarter of a single-row request's cost on the
 * HTTP thread). It reads the body, calls the data plane, and writes the answer with the functions fastify's
 * routes use (src/serve/http-shared.ts), so the answer is the same either way.
 *
 * It takes only the plain case: POST to /v2/models/{name}[/versions/{v}]/infer[/][?query], a name and
 * version without percent-encoding or ';', no content type or one of the JSON/form/text types clients
 * send, and the server not closing. Anything else (another spelling, an invalid media type, the binary
 * extension's header, a request during close) goes to fastify's infer route, which answers as it always did.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { DataPlane } from './data-plane.ts';
import { BodyTooLargeError } from './errors.ts';
import { BINARY_DATA_HEADER, errorReply, JSON_CONTENT_TYPE, MAX_PARAM_LENGTH, parseJsonBody } from './http-shared.ts';
import type { ServeMetrics } from './metrics.ts';

/** The route patterns of fastify's infer routes: the label of the request metrics. */
export const INFER_ROUTES = {
  latest: '/v2/models/:name/infer',
  versioned: '/v2/models/:name/versions/:version/infer',
} as const;

const INFER_URL = new RegExp(
  `^/v2/models/([^/?%;]{1,${MAX_PARAM_LENGTH}})(?:/versions/([^/?%;]{1,${MAX_PARAM_LENGTH}}))?/infer/?(?:\\?|$)`,
);

/** Content types fastify accepts as valid media types and reads as JSON (any other goes to fastify). */
const PLAIN_CONTENT_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'text/plain;charset=UTF-8',
]);

export interface InferPathOptions {
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
  /** Inference requests whose body is being received (the batcher reads it; shared with fastify's routes). */
  readonly receiving: { count: number };
}

export class InferPath {
  /** Set when the server starts closing: from then on fastify answers (503) every request. */
  closing = false;

  private readonly plane: DataPlane;
  private readonly metrics: ServeMetrics;
  private readonly options: InferPathOptions;

  constructor(plane: DataPlane, metrics: ServeMetrics, options: InferPathOptions) {
    this.plane = plane;
    this.metrics = metrics;
    this.options = options;
  }

  /** Answers `request` when it is an infer request this path takes; false leaves it to fastify. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'POST' || this.closing) return false;
    const match = INFER_URL.exec(request.url!);
    if (match === null) return false;
    const headers = request.headers;
    const type = headers['content-type'];
    if ((type !== undefined && !PLAIN_CONTENT_TYPES.has(type)) || headers[BINARY_DATA_HEADER] !== undefined) {
      return false;
    }
    const exchange: Exchange = {
      response,
      route: match[2] === undefined ? INFER_ROUTES.latest : INFER_ROUTES.versioned,
      started: performance.now(),
      url: request.url!,
    };
    const limit = this.options.bodyLimitBytes;
    // As fastify: a body announced over the limit is refused before it is read, and the connection closed.
    if (Number(headers['content-length']) > limit) {
      this.fail(exchange, new BodyTooLargeError(limit), true);
      return true;
    }
    const receiving = this.options.receiving;
    receiving.count++;
    let receipt = true;
    const received = () => {
      if (receipt) {
        receipt = false;
        receiving.count--;
      }
    };
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        // The rest of the body is read and dropped; the connection closes after the answer.
        request.removeListener('data', onData);
        request.removeListener('end', onEnd);
        received();
        this.fail(exchange, new BodyTooLargeError(limit), true);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      received();
      const text = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks, length).toString();
      let body: unknown;
      try {
        body = parseJsonBody(text);
      } catch (error) {
        this.fail(exchange, error, true);
        return;
      }
      const id = (headers['x-request-id'] as string | undefined) || randomUUID();
      this.plane.infer(match[1]!, match[2], body, id).then(
        (answer) => this.send(exchange, 200, JSON.stringify(answer), false),
        (error: unknown) => this.fail(exchange, error, false),
      );
    };
    request.on('data', onData);
    request.on('end', onEnd);
    // A client that gives up mid-body: nobody is answered, and the batcher stops counting its body as coming.
    request.on('error', received);
    request.on('close', received);
    return true;
  }

  private fail(exchange: Exchange, error: unknown, closeConnection: boolean): void {
    const { status, body } = errorReply(error, this.options.bodyLimitBytes);
    if (status >= 500) {
      this.options.logger.error({ error: describeError(error), url: exchange.url }, 'request failed');
    }
    this.send(exchange, status, JSON.stringify(body), closeConnection);
  }

  /**
   * Writes the answer as fastify would (its headers, in its order) and counts it. A body that failed to
   * read closes the connection (as fastify does: the client may still be sending).
   */
  private send(exchange: Exchange, status: number, text: string, closeConnection: boolean): void {
    const length = Buffer.byteLength(text);
    exchange.response.writeHead(
      status,
      closeConnection
        ? { connection: 'close', 'content-type': JSON_CONTENT_TYPE, 'content-length': length }
        : { 'content-type': JSON_CONTENT_TYPE, 'content-length': length },
    );
    exchange.response.end(text);
    this.metrics.observeRequest(exchange.route, 'POST', status, (performance.now() - exchange.started) / 1000);
  }
}

interface Exchange {
  readonly response: ServerResponse;
  /** fastify's route pattern, for the metrics. */
  readonly route: string;
  readonly started: number;
  readonly url: string;
}
