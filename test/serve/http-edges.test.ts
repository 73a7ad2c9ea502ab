/**
 * The HTTP edges of the infer route, on raw sockets: how a body arrives (in chunks, over the limit, cut off),
 * what content types and URL spellings are taken, connection reuse, and close while requests are in flight.
 * The statuses, bodies and headers asserted here are the ones fastify gave before infer had a path of its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/index.ts';
import { type BuiltModel, buildModel, type Json, metricValue, oipInputs } from './models.ts';
import { chunked, RawConnection, type RawResponse, requestHead } from './raw-http.ts';

let root: string;
let penguins: BuiltModel;
let server: RunningServer;
let body: string;
let expected: Json;

const INFER = '/v2/models/penguins/infer';
const JSON_TYPE = 'application/json';
const TOO_LARGE =
  '{"error":"the request body is larger than the limit of 4096 bytes (serve.body_limit); split the batch"}';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-http-edges-'));
  penguins = await buildModel(
    { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' },
    join(root, 'penguins'),
  );
  server = await startServer({
    source: { kind: 'dir', path: penguins.dir },
    port: 0,
    logger: 'silent',
    // A queue delay no test waits out: a request is answered only when the batcher knows that no other body
    // is being received, so a request whose body never completed must not be counted as arriving.
    batching: { maxBatchSize: 64, maxQueueDelayMs: 600_000 },
    bodyLimitBytes: 4096,
    predictionLog: { path: join(root, 'predictions.jsonl'), sampleRate: 1, maxBytes: 1e7, maxFiles: 1 },
  });
  body = JSON.stringify({ id: 'edge', inputs: oipInputs(penguins.signature, penguins.holdout, 0, 1) });
  expected = await (await fetch(`${server.url}${INFER}`, { method: 'POST', body })).json();
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** One request on a new connection; `parts` are written one after another. */
async function exchange(
  method: string,
  path: string,
  headers: Record<string, string | number>,
  parts: readonly string[] = [],
): Promise<{ response: RawResponse; connection: RawConnection }> {
  const connection = await RawConnection.open(server.port);
  await connection.write(requestHead(method, path, headers));
  for (const part of parts) await connection.write(part).catch(() => {});
  return { response: await connection.response({ head: method === 'HEAD' }), connection };
}

const post = (path: string, headers: Record<string, string | number>, parts: readonly string[] = [body]) =>
  exchange('POST', path, headers, parts);
const sized = (text: string) => ({ 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });

async function metricsText(): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}
const inferCount = (text: string, status: number, route = '/v2/models/:name/infer') =>
  metricValue(text, `conveyor_http_requests_total{route="${route}",method="POST",status="${status}"}`, 0);

function expectJson(response: RawResponse, status: number, keepAlive = true): Json {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
  expect(response.headers.connection).toBe(keepAlive ? 'keep-alive' : 'close');
  return JSON.parse(response.body);
}

describe('the infer route over raw HTTP/1.1', () => {
  it('answers a body sent in chunked transfer coding, in several writes, as one sent at once', async () => {
    const { response, connection } = await post(INFER, { 'content-type': JSON_TYPE, 'transfer-encoding': 'chunked' }, [
      ...chunked(body, 5),
    ]);
    expect(expectJson(response, 200)).toEqual(expected);
    expect(expected).toMatchObject({ model_name: 'penguins', id: 'edge' });
    connection.destroy();
  });

  it('reads any body as JSON, whatever its content type, and refuses a content type that is not a media type', async () => {
    for (const type of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-8',
    ]) {
      const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) };
      if (type) headers['content-type'] = type;
      const { response, connection } = await post(INFER, headers);
      expect(expectJson(response, 200)).toEqual(expected);
      connection.destroy();
    }
    const { response, connection } = await post(INFER, { ...sized(body), 'content-type': 'json' });
    expect(expectJson(response, 415)).toEqual({ error: 'Unsupported Media Type' });
    connection.destroy();
  });

  it('answers a body over the limit with 413 and closes the connection, announced or not, sent or not', async () => {
    const before = await metricsText();
    const big = JSON.stringify({ inputs: [], pad: 'x'.repeat(5000) });
    const cases = [
      { headers: sized(big), parts: [big] },
      { headers: sized(big), parts: [] },
      { headers: { 'content-type': JSON_TYPE, 'transfer-encoding': 'chunked' }, parts: chunked(big, 4) },
    ];
    for (const { headers, parts } of cases) {
      const { response, connection } = await post(INFER, headers, parts);
      expectJson(response, 413, false);
      expect(response.body).toBe(TOO_LARGE);
      await connection.closed;
    }
    expect(inferCount(await metricsText(), 413) - inferCount(before, 413)).toBe(3);
  });

  it('answers malformed JSON with 400 and closes the connection (the client may still be sending)', async () => {
    const { response, connection } = await post(INFER, sized('{"in]'), ['{"in]']);
    // JSON.parse's own words follow (Node 22 and later add the line and column).
    expect(expectJson(response, 400, false)).toEqual({
      error: expect.stringMatching(/^malformed JSON: Unterminated string in JSON at position 5\b/),
    });
    await connection.closed;
  });

  it('answers an empty body with 400, announced or not', async () => {
    for (const headers of [{}, { 'content-type': JSON_TYPE, 'content-length': 0 }] as Record<
      string,
      string | number
    >[]) {
      const { response, connection } = await post(INFER, headers, []);
      expect(expectJson(response, 400)).toEqual({ error: 'the request body must be a JSON object with "inputs"' });
      connection.destroy();
    }
  });

  it('serves pipelined requests on one kept-alive connection, infer and other routes in turn', async () => {
    const connection = await RawConnection.open(server.port);
    await connection.write(
      requestHead('POST', INFER, sized(body)) +
        body +
        requestHead('GET', '/v2/health/ready', {}) +
        requestHead('POST', '/v2/models/penguins/versions/1/infer', sized(body)) +
        body,
    );
    expect(expectJson(await connection.response(), 200)).toEqual(expected);
    expect(expectJson(await connection.response(), 200)).toEqual({ ready: true });
    expect(expectJson(await connection.response(), 200)).toEqual(expected);
    // Still open: a later request on the same connection is answered too.
    await connection.write(requestHead('POST', INFER, sized(body)) + body);
    expect(expectJson(await connection.response(), 200)).toEqual(expected);
    connection.destroy();
  });

  it('answers other methods on the infer URL with 404, HEAD without a body', async () => {
    for (const method of ['GET', 'PUT', 'OPTIONS']) {
      const { response, connection } = await exchange(method, INFER, {});
      expect(expectJson(response, 404)).toEqual({ error: `no route ${method} ${INFER}` });
      connection.destroy();
    }
    const { response, connection } = await exchange('HEAD', INFER, {});
    expect(response.status).toBe(404);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(`{"error":"no route HEAD ${INFER}"}`)));
    connection.destroy();
  });

  it('takes the request id from x-request-id when the body has none, and a new one per request otherwise', async () => {
    const anonymous = JSON.stringify({ inputs: oipInputs(penguins.signature, penguins.holdout, 0, 1) });
    const named = await post(INFER, { ...sized(anonymous), 'x-request-id': 'trace-7' }, [anonymous]);
    expect(expectJson(named.response, 200).id).toBe('trace-7');
    const first = await post(INFER, sized(anonymous), [anonymous]);
    const second = await post(INFER, sized(anonymous), [anonymous]);
    const ids = [expectJson(first.response, 200).id, expectJson(second.response, 200).id];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
    for (const { connection } of [named, first, second]) connection.destroy();
  });

  it('accepts a query string, a trailing slash, a percent-encoded name and the versions route, as fastify routed them', async () => {
    const before = await metricsText();
    const paths = [
      `${INFER}?trace=1`,
      `${INFER}/`,
      '/v2/models/pengu%69ns/infer',
      '/v2/models/penguins/versions/v1/infer/',
    ];
    for (const path of paths) {
      const { response, connection } = await post(path, sized(body));
      expect(expectJson(response, 200)).toEqual(expected);
      connection.destroy();
    }
    const after = await metricsText();
    expect(inferCount(after, 200) - inferCount(before, 200)).toBe(3);
    const versioned = '/v2/models/:name/versions/:version/infer';
    expect(inferCount(after, 200, versioned) - inferCount(before, 200, versioned)).toBe(1);

    const refused = [
      ['/v2/models/pengu%zzns/infer', 400, /'\/v2\/models\/pengu%zzns\/infer' is not a valid url component/],
      [`/v2/models/${'x'.repeat(101)}/infer`, 414, /exceeding the max param length/],
      ['/v2/models//penguins/infer', 404, /^no route POST \/v2\/models\/\/penguins\/infer$/],
      ['/v2/models/penguins/infer;v=1', 404, /^no route POST/],
      ['/v2/models/nope/infer', 404, /^model "nope" is not served here; this server serves "penguins"$/],
    ] as const;
    for (const [path, status, message] of refused) {
      const { response, connection } = await post(path, sized(body));
      expect(response.status).toBe(status);
      const answer = JSON.parse(response.body);
      expect(answer.error === 'Bad Request' ? answer.message : answer.error).toMatch(message);
      connection.destroy();
    }
  });

  it('forgets a client that gives up mid-body: nothing answered, counted or logged, and later requests do not wait for it', async () => {
    const before = await metricsText();
    const connection = await RawConnection.open(server.port);
    await connection.write(`${requestHead('POST', INFER, { ...sized(body), expect: '100-continue' })}`);
    // The 100 Continue says the server has taken the request: its body is now being received.
    expect((await connection.response()).status).toBe(100);
    await connection.write(body.slice(0, 30));
    // The client closes its side mid-body. (A reset instead was seen by the server at once in a standalone Node 24
    // process but not inside this test's worker until the connection closed, on the fastify-only server too.)
    connection.end();
    await connection.closed;
    // Answered at once (the queue delay is ten minutes): the batcher is not waiting for the lost body.
    const { response, connection: next } = await post(INFER, sized(body));
    expect(expectJson(response, 200)).toEqual(expected);
    next.destroy();
    const after = await metricsText();
    const counted = (text: string) =>
      metricValue(text, 'conveyor_http_request_duration_seconds_count{route="/v2/models/:name/infer",method="POST"}');
    expect(counted(after) - counted(before)).toBe(1);
    expect(inferCount(after, 200) - inferCount(before, 200)).toBe(1);
    const logged = (text: string) => metricValue(text, 'conveyor_inference_rows_total');
    expect(logged(after) - logged(before)).toBe(1);
  });

  it('answers a request on a kept-alive connection during close with 503, and the one in flight with its result', async () => {
    const draining = await startServer({
      source: { kind: 'dir', path: penguins.dir },
      port: 0,
      logger: 'silent',
      predictionLog: { path: join(root, 'drain.jsonl'), sampleRate: 1, maxBytes: 1e7, maxFiles: 1 },
    });
    const connection = await RawConnection.open(draining.port);
    await connection.write(requestHead('POST', INFER, { ...sized(body), expect: '100-continue' }));
    expect((await connection.response()).status).toBe(100);
    const closed = draining.close();
    // The rest of the body in flight, and a second request behind it on the same connection.
    await connection.write(body + requestHead('POST', INFER, sized(body)) + body);
    expect(expectJson(await connection.response(), 200)).toEqual(expected);
    const refused = await connection.response();
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(JSON.parse(refused.body)).toEqual({
      error: 'Service Unavailable',
      message: 'Service Unavailable',
      statusCode: 503,
    });
    expect(await closed).toEqual({ drained: true });
    // The answered request was logged before the log closed.
    expect(readFileSync(join(root, 'drain.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
