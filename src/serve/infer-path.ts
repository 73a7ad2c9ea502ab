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

  readonly bodyLimitBytes: number;
  readonly receiving: { count: number };
  private readonly plane: DataPlane;
  private readonly metrics: ServeMetrics;
  private readonly logger: Logger;

  constructor(plane: DataPlane, metrics: ServeMetrics, options: InferPathOptions) {
    this.plane = plane;
    this.metrics = metrics;
    this.bodyLimitBytes = options.bodyLimitBytes;
    this.receiving = options.receiving;
    this.logger = options.logger;
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
    const exchange = new Exchange(this, request, response, match[1]!, match[2]);
    const limit = this.bodyLimitBytes;
    // As fastify: a body announced over the limit is refused before it is read, and the connection closed.
    if (Number(headers['content-length']) > limit) {
      this.fail(exchange, new BodyTooLargeError(limit), true);
      return true;
    }
    exchange.receive();
    return true;
  }

  /** The body of `exchange` is in: parse it, infer, answer. */
  answer(exchange: Exchange, text: string): void {
    let body: unknown;
    try {
      body = parseJsonBody(text);
    } catch (error) {
      this.fail(exchange, error, true);
      return;
    }
    const id = (exchange.request.headers['x-request-id'] as string | undefined) || randomUUID();
    this.plane.infer(exchange.name, exchange.version, body, id).then(
      (text) => this.send(exchange, 200, text, false),
      (error: unknown) => this.fail(exchange, error, false),
    );
  }

  /** Answers `error` as fastify's error handler does (a 5xx is logged). */
  fail(exchange: Exchange, error: unknown, closeConnection: boolean): void {
    const { status, body } = errorReply(error, this.bodyLimitBytes);
    if (status >= 500) {
      this.logger.error({ error: describeError(error), url: exchange.url }, 'request failed');
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

/**
 * The exchange of a request on this path. The body listeners below are shared by every request and find
 * their exchange here: no closures to make per request (tsx names each one, a property write apiece).
 */
const EXCHANGE = Symbol('conveyor.inferExchange');
type ExchangeRequest = IncomingMessage & { [EXCHANGE]?: Exchange };

function onBodyData(this: ExchangeRequest, chunk: Buffer): void {
  this[EXCHANGE]!.data(chunk);
}

function onBodyEnd(this: ExchangeRequest): void {
  this[EXCHANGE]!.end();
}

function onBodyGone(this: ExchangeRequest): void {
  this[EXCHANGE]!.received();
}

/** One request on this path, from its first byte to its answer. */
class Exchange {
  /** fastify's route pattern, for the metrics. */
  readonly route: string;
  readonly started = performance.now();
  /** The body: its first chunk, and the others when there are more (most bodies come in one). */
  private first: Buffer | undefined;
  private more: Buffer[] | undefined;
  private length = 0;
  /** Counted in `receiving` until the body is in (or given up). */
  private inReceipt = false;

  readonly path: InferPath;
  readonly request: ExchangeRequest;
  readonly response: ServerResponse;
  readonly name: string;
  readonly version: string | undefined;

  constructor(path: InferPath, request: IncomingMessage, response: ServerResponse, name: string, version?: string) {
    this.path = path;
    this.request = request;
    this.response = response;
    this.name = name;
    this.version = version;
    this.route = version === undefined ? INFER_ROUTES.latest : INFER_ROUTES.versioned;
  }

  get url(): string {
    return this.request.url!;
  }

  /** Reads the body; the batcher counts it as coming until it is in. */
  receive(): void {
    this.path.receiving.count++;
    this.inReceipt = true;
    const request = this.request;
    request[EXCHANGE] = this;
    request.on('data', onBodyData);
    request.on('end', onBodyEnd);
    // A client that gives up mid-body: nobody is answered, and the batcher stops counting its body as coming.
    request.on('error', onBodyGone);
    request.on('close', onBodyGone);
  }

  /** The body is in or given up: no longer counted as coming. */
  received(): void {
    if (this.inReceipt) {
      this.inReceipt = false;
      this.path.receiving.count--;
    }
  }

  data(chunk: Buffer): void {
    this.length += chunk.length;
    const limit = this.path.bodyLimitBytes;
    if (this.length > limit) {
      // The rest of the body is read and dropped; the connection closes after the answer.
      this.request.removeListener('data', onBodyData);
      this.request.removeListener('end', onBodyEnd);
      this.received();
      this.first = undefined;
      this.more = undefined;
      this.path.fail(this, new BodyTooLargeError(limit), true);
      return;
    }
    if (this.first === undefined) this.first = chunk;
    else (this.more ??= [this.first]).push(chunk);
  }

  end(): void {
    this.received();
    const text =
      this.more !== undefined
        ? Buffer.concat(this.more, this.length).toString()
        : this.first !== undefined
          ? this.first.toString()
          : '';
    this.path.answer(this, text);
  }
}
