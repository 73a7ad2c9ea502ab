import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxSession, runOnnx } from '../../src/model/onnx.ts';
import type { Predictions } from '../../src/model/types.ts';
import { ModelLoadError, type RunningServer, startServer } from '../../src/serve/index.ts';
import {
  type BuiltModel,
  buildModel,
  cardFor,
  getJson,
  type Json,
  metricValue,
  oipInputs,
  postJson,
  record,
  writeModelDir,
} from './models.ts';

let root: string;
let penguins: BuiltModel;
let penguinsV2: BuiltModel;
let mass: BuiltModel;
let reference: Predictions;
let server: RunningServer;
let infer: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-serve-test-'));
  penguins = await buildModel(
    { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' },
    join(root, 'penguins-v1'),
  );
  penguinsV2 = await buildModel(
    { name: 'penguins', version: 2, target: 'species', task: 'classification', algorithm: 'linear' },
    join(root, 'penguins-v2'),
  );
  mass = await buildModel(
    { name: 'body-mass', version: 1, target: 'body_mass_g', task: 'regression', algorithm: 'gbdt' },
    join(root, 'mass-v1'),
  );
  // What onnxruntime says in-process, through src/model/onnx.ts, on the same holdout rows.
  const loaded = await loadOnnxSession(penguins.onnx);
  reference = await runOnnx(loaded.session, loaded.info.signature, penguins.holdout);
  await loaded.session.release();

  // Served from a copy, so the reload tests can replace its files.
  writeModelDir(join(root, 'served'), penguins.onnx, { name: 'penguins', version: 1 });
  server = await startServer({
    source: { kind: 'dir', path: join(root, 'served') },
    port: 0,
    logger: 'silent',
    // A long delay makes concurrent requests share batches even on a loaded machine.
    batching: { maxBatchSize: 64, maxQueueDelayMs: 20 },
    bodyLimitBytes: 64 * 1024,
    maxRows: 100,
  });
  infer = `${server.url}/v2/models/penguins/infer`;
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const classes = () => penguins.signature.classes!;

function expectRowsMatchReference(body: Json, start: number, end: number): void {
  const k = classes().length;
  const label = body.outputs.find((o: Json) => o.name === 'label');
  const probabilities = body.outputs.find((o: Json) => o.name === 'probabilities');
  expect(label).toMatchObject({ datatype: 'BYTES', shape: [end - start] });
  expect(probabilities).toMatchObject({ datatype: 'FP32', shape: [end - start, k] });
  expect(label.data).toEqual(Array.from(reference.labelIndex!.subarray(start, end), (i) => classes()[i]));
  // onnxruntime's float32 outputs, widened to float64 on both sides: exactly equal.
  expect(probabilities.data).toEqual(Array.from(reference.probabilities!.subarray(start * k, end * k)));
}

describe('Open Inference Protocol v2 over HTTP', () => {
  it('answers health, server metadata and model metadata from the ONNX signature', async () => {
    expect(await getJson(`${server.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    expect(await getJson(`${server.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    const meta = await getJson(`${server.url}/v2`);
    expect(meta.body).toMatchObject({ name: 'conveyor', extensions: ['model_repository'] });

    const model = await getJson(`${server.url}/v2/models/penguins`);
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({ name: 'penguins', versions: ['v1'], platform: 'onnxruntime_onnx' });
    expect(model.body.inputs).toEqual(
      penguins.signature.features.map((f) => ({
        name: f.name,
        datatype: f.type === 'numeric' ? 'FP32' : 'BYTES',
        shape: [-1, 1],
      })),
    );
    expect(model.body.outputs).toEqual([
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
    expect(model.body.parameters).toMatchObject({ task: 'classification', target: 'species', classes: classes() });
    // "v1" and "1" name the same version.
    expect((await getJson(`${server.url}/v2/models/penguins/versions/1`)).body.name).toBe('penguins');
    expect(await getJson(`${server.url}/v2/models/penguins/versions/v1/ready`)).toEqual({
      status: 200,
      body: { name: 'penguins', ready: true },
    });
  });

  it('infers exactly what onnxruntime computes in-process, for one row and for the whole holdout', async () => {
    const rows = penguins.holdout.rowCount;
    const one = await postJson(infer, { id: 'one', inputs: oipInputs(penguins.signature, penguins.holdout, 3, 4) });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ model_name: 'penguins', model_version: 'v1', id: 'one' });
    expectRowsMatchReference(one.body, 3, 4);

    const all = await postJson(`${server.url}/v2/models/penguins/versions/v1/infer`, {
      inputs: oipInputs(penguins.signature, penguins.holdout, 0, rows),
    });
    expect(all.status).toBe(200);
    expect(typeof all.body.id).toBe('string');
    expectRowsMatchReference(all.body, 0, rows);
  });

  it('accepts nested data, shape [N], integer and FP32 datatypes, and the outputs selector', async () => {
    const inputs = oipInputs(penguins.signature, penguins.holdout, 0, 4).map((input) => {
      if (input.datatype === 'BYTES') return { ...input, data: input.data.map((v) => [v]) };
      if (input.name === 'flipper_length_mm') return { ...input, datatype: 'INT32', shape: [4] };
      return { ...input, datatype: 'FP32' };
    });
    const response = await postJson(infer, { inputs, outputs: [{ name: 'label' }] });
    expect(response.status).toBe(200);
    expect(response.body.outputs.map((o: Json) => o.name)).toEqual(['label']);
    expect(response.body.outputs[0].data).toEqual(
      Array.from(reference.labelIndex!.subarray(0, 4), (i) => classes()[i]),
    );
  });

  it('gives each concurrent caller its own rows while batching them into shared session runs', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const batchesBefore = metricValue(before, 'conveyor_batch_rows_count');
    const rowsBefore = metricValue(before, 'conveyor_batch_rows_sum');
    const rows = penguins.holdout.rowCount;
    const requests = Array.from({ length: 120 }, (_, i) => {
      const start = i % rows;
      const end = Math.min(rows, start + 1 + (i % 3));
      return { start, end };
    });
    const answers = await Promise.all(
      requests.map(({ start, end }, i) =>
        postJson(infer, { id: `r${i}`, inputs: oipInputs(penguins.signature, penguins.holdout, start, end) }),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect(answer.body.id).toBe(`r${i}`);
      expectRowsMatchReference(answer.body, requests[i]!.start, requests[i]!.end);
    });
    const after = await (await fetch(`${server.url}/metrics`)).text();
    const batches = metricValue(after, 'conveyor_batch_rows_count') - batchesBefore;
    const batchedRows = metricValue(after, 'conveyor_batch_rows_sum') - rowsBefore;
    expect(batchedRows).toBe(requests.reduce((sum, r) => sum + r.end - r.start, 0));
    // Fewer session runs than requests: batches of several requests formed.
    expect(batches).toBeLessThan(requests.length);
    expect(metricValue(after, 'conveyor_batch_requests_sum') - metricValue(before, 'conveyor_batch_requests_sum')).toBe(
      requests.length,
    );
  });

  it('answers /predict with one labelled prediction per record', async () => {
    const records = [0, 1, 2].map((r) => record(penguins.signature, penguins.holdout, r));
    const response = await postJson(`${server.url}/v2/models/penguins/predict`, { instances: records });
    expect(response.status).toBe(200);
    expect(response.body.model_version).toBe('v1');
    const k = classes().length;
    response.body.predictions.forEach((p: Json, r: number) => {
      expect(p.label).toBe(classes()[reference.labelIndex![r]!]);
      expect(Object.keys(p.probabilities)).toEqual(classes());
      expect(Object.values(p.probabilities)).toEqual(Array.from(reference.probabilities!.subarray(r * k, (r + 1) * k)));
    });
    // A bare array of records works too, and the target column is ignored.
    const bare = await postJson(`${server.url}/v2/models/penguins/predict`, [{ ...records[0], species: 'x' }]);
    expect(bare.body.predictions[0].label).toBe(classes()[reference.labelIndex![0]!]);
  });
});

describe('bad requests', () => {
  const valid = () => oipInputs(penguins.signature, penguins.holdout, 0, 2);
  const numeric = () => penguins.signature.features.find((f) => f.type === 'numeric')!.name;
  const categorical = () => penguins.signature.features.find((f) => f.type === 'categorical')!.name;
  const replace = (name: string, change: object) =>
    valid().map((input) => (input.name === name ? { ...input, ...change } : input));

  const cases: [string, () => { url?: string; body: unknown }, number, RegExp][] = [
    ['malformed JSON', () => ({ body: '{"inputs": [' }), 400, /malformed JSON/],
    ['empty body', () => ({ body: '' }), 400, /must be a JSON object with "inputs"/],
    ['no inputs', () => ({ body: { inputs: [] } }), 400, /"inputs" must be a non-empty array/],
    ['unknown model', () => ({ url: '/v2/models/nope/infer', body: { inputs: valid() } }), 404, /"nope" is not served/],
    [
      'unknown version',
      () => ({ url: '/v2/models/penguins/versions/7/infer', body: { inputs: valid() } }),
      404,
      /no version "7"/,
    ],
    [
      'unknown input',
      () => ({ body: { inputs: [...valid(), { name: 'beak', shape: [2, 1], datatype: 'FP32', data: [1, 2] }] } }),
      400,
      /unknown input "beak"; the model's inputs are: "island"/,
    ],
    [
      'missing input',
      () => ({ body: { inputs: valid().filter((i) => i.name !== numeric()) } }),
      400,
      /missing input "bill_length_mm"/,
    ],
    [
      'wrong datatype for a numeric input',
      () => ({ body: { inputs: replace(numeric(), { datatype: 'BYTES' }) } }),
      400,
      /is numeric: datatype must be one of FP32, FP64/,
    ],
    [
      'wrong datatype for a categorical input',
      () => ({ body: { inputs: replace(categorical(), { datatype: 'FP32' }) } }),
      400,
      /is categorical: datatype must be BYTES/,
    ],
    [
      'shape and data length disagree',
      () => ({ body: { inputs: replace(numeric(), { data: [40, 41, 42] }) } }),
      400,
      /shape \[2,1\] needs 2 values, "data" has 3/,
    ],
    [
      'inconsistent batch sizes',
      () => ({ body: { inputs: replace(numeric(), { shape: [1, 1], data: [40] }) } }),
      400,
      /different batch sizes/,
    ],
    [
      'a shape the model does not take',
      () => ({ body: { inputs: replace(numeric(), { shape: [1, 2] }) } }),
      400,
      /shape \[1,2\] is not accepted/,
    ],
    [
      'a string in numeric data',
      () => ({ body: { inputs: replace(numeric(), { data: [40, 'forty'] }) } }),
      400,
      /element 1 is "forty"; FP64 data must be numbers \(null = missing\)/,
    ],
    [
      'a number float32 cannot hold',
      () => ({
        body: `{"inputs": ${JSON.stringify(replace(numeric(), { data: [1, 0] })).replace('[1,0]', '[1,1e400]')}}`,
      }),
      400,
      /element 1 is Infinity, outside the float32 range the model takes/,
    ],
    [
      'a fraction in integer data',
      () => ({ body: { inputs: replace(numeric(), { datatype: 'INT64', data: [40, 40.5] }) } }),
      400,
      /element 1 is 40.5, not a valid INT64 value/,
    ],
    [
      'a number in BYTES data',
      () => ({ body: { inputs: replace(categorical(), { data: ['Biscoe', 3] }) } }),
      400,
      /element 1 is 3; BYTES data must be strings/,
    ],
    [
      'an unknown output',
      () => ({ body: { inputs: valid(), outputs: [{ name: 'scores' }] } }),
      400,
      /unknown output "scores"; the model's outputs are: "label", "probabilities"/,
    ],
    ['binary tensor data', () => ({ body: 'binary' }), 400, /binary tensor data extension is not supported/],
    [
      'a record without a model column',
      () => ({ url: '/v2/models/penguins/predict', body: [{ island: 'Biscoe' }] }),
      400,
      /record 0: column "bill_length_mm" is missing/,
    ],
    [
      'a record with a wrong value type',
      () => ({
        url: '/v2/models/penguins/predict',
        body: [
          record(penguins.signature, penguins.holdout, 0),
          { ...record(penguins.signature, penguins.holdout, 1), sex: true },
        ],
      }),
      400,
      /record 1: column "sex" is true; expected a string or null/,
    ],
    [
      'a body too large',
      () => ({ body: { inputs: valid(), pad: 'x'.repeat(70_000) } }),
      413,
      /larger than the limit of 65536 bytes/,
    ],
    ['an unknown route', () => ({ url: '/v2/models/penguins/explain', body: {} }), 404, /no route POST/],
    [
      'more rows than serve.max_rows (infer)',
      // Refused from the shape, before the data is read.
      () => ({ body: { inputs: replace(numeric(), { shape: [101, 1] }) } }),
      413,
      /the request has 101 rows, more than the limit of 100 rows per request \(serve\.max_rows\)/,
    ],
    [
      'more rows than serve.max_rows (predict)',
      () => ({
        url: '/v2/models/penguins/predict',
        body: Array.from({ length: 101 }, (_, r) => record(penguins.signature, penguins.holdout, r % 2)),
      }),
      413,
      /the request has 101 rows, more than the limit of 100/,
    ],
    [
      'unknown keys in a /predict record',
      () => ({
        url: '/v2/models/penguins/predict',
        body: [
          record(penguins.signature, penguins.holdout, 0),
          { ...record(penguins.signature, penguins.holdout, 1), beak: 3, colour: 'red' },
        ],
      }),
      400,
      /record 1: unknown columns "beak", "colour"; the model's columns are: "island"/,
    ],
  ];

  it.each(cases)('%s gets its status and message, and the server stays ready', async (_name, make, status, message) => {
    const { url, body } = make();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (_name === 'binary tensor data') headers['inference-header-content-length'] = '10';
    const response = await fetch(`${server.url}${url ?? '/v2/models/penguins/infer'}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(response.status).toBe(status);
    const answer = (await response.json()) as { error: string };
    expect(Object.keys(answer)).toEqual(['error']);
    expect(answer.error).toMatch(message);
    expect((await getJson(`${server.url}/v2/health/ready`)).status).toBe(200);
    const ok = await postJson(infer, { inputs: valid() });
    expect(ok.status).toBe(200);
  });

  it('counts requests by route and status in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      metricValue(text, 'conveyor_http_requests_total{route="/v2/models/:name/infer",method="POST",status="400"}'),
    ).toBeGreaterThan(0);
    expect(text).toContain('conveyor_model_info{name="penguins",version="v1"');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

describe('paths', () => {
  it('answers /v2/ as /v2 (as KServe writes it) and every route with a trailing slash', async () => {
    const meta = await getJson(`${server.url}/v2`);
    expect(await getJson(`${server.url}/v2/`)).toEqual(meta);
    expect(await getJson(`${server.url}/v2/health/ready/`)).toEqual({ status: 200, body: { ready: true } });
    expect((await getJson(`${server.url}/v2/models/penguins/`)).body.name).toBe('penguins');
    const one = { inputs: oipInputs(penguins.signature, penguins.holdout, 0, 1) };
    const withSlash = await postJson(`${infer}/`, one);
    expect(withSlash.status).toBe(200);
    expectRowsMatchReference(withSlash.body, 0, 1);
    expect((await fetch(`${server.url}/metrics/`)).status).toBe(200);
  });
});

describe('hot reload', () => {
  it('swaps in a new version, and a model that fails to load leaves the old one serving', async () => {
    const served = join(root, 'served');
    const rows = oipInputs(penguins.signature, penguins.holdout, 0, 2);

    // A corrupted model.onnx: 422 with the reason, v1 keeps answering.
    writeFileSync(join(served, 'model.onnx'), penguinsV2.onnx.subarray(0, 200));
    const broken = await postJson(`${server.url}/v2/repository/models/penguins/load`, '');
    expect(broken.status).toBe(422);
    expect(broken.body.error).toMatch(/model\.onnx/);
    expect((await postJson(infer, { inputs: rows })).body.model_version).toBe('v1');

    // A model.onnx that does not match its card: refused too.
    copyFileSync(join(penguinsV2.dir, 'model.onnx'), join(served, 'model.onnx'));
    const mismatch = await postJson(`${server.url}/v2/repository/models/penguins/load`, '');
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error).toMatch(
      /does not match its model card|does not belong to this card|card is for version/,
    );
    expect((await postJson(infer, { inputs: rows })).body.model_version).toBe('v1');

    // Another model's files: 409, v1 stays.
    writeModelDir(served, mass.onnx, { name: 'body-mass', version: 1 });
    const other = await postJson(`${server.url}/v2/repository/models/penguins/load`, '');
    expect(other.status).toBe(409);
    expect(other.body.error).toMatch(/holds model "body-mass", not "penguins"/);

    // Version 2 in place: 200 and every later request is answered by v2.
    writeModelDir(served, penguinsV2.onnx, { name: 'penguins', version: 2 });
    const reloaded = await postJson(`${server.url}/v2/repository/models/penguins/load`, '');
    expect(reloaded).toMatchObject({ status: 200, body: { name: 'penguins', version: 'v2', loaded: true } });
    expect((await postJson(infer, { inputs: rows })).body.model_version).toBe('v2');
    expect((await getJson(`${server.url}/v2/models/penguins`)).body.versions).toEqual(['v2']);
    expect((await getJson(`${server.url}/v2/models/penguins/versions/v1`)).status).toBe(404);

    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(text, 'conveyor_model_reloads_total{outcome="failure"}')).toBe(3);
    expect(metricValue(text, 'conveyor_model_reloads_total{outcome="success"}')).toBe(1);
    expect(text).toContain('conveyor_model_info{name="penguins",version="v2"');
    expect(text).not.toContain('conveyor_model_info{name="penguins",version="v1"');
    expect((await postJson(`${server.url}/v2/repository/models/nope/load`, '')).status).toBe(404);
  });
});

describe('other sources and lifecycles', () => {
  it('runs onnxruntime in a worker thread with the same answers, batching concurrent requests', async () => {
    const threaded = await startServer({
      source: { kind: 'dir', path: penguins.dir },
      port: 0,
      logger: 'silent',
      sessionThread: true,
      batching: { maxBatchSize: 64, maxQueueDelayMs: 20 },
    });
    try {
      const url = `${threaded.url}/v2/models/penguins/infer`;
      const rows = penguins.holdout.rowCount;
      const answers = await Promise.all(
        Array.from({ length: rows }, (_, r) =>
          postJson(url, { inputs: oipInputs(penguins.signature, penguins.holdout, r, r + 1) }),
        ),
      );
      answers.forEach((answer, r) => {
        expect(answer.status).toBe(200);
        expectRowsMatchReference(answer.body, r, r + 1);
      });
      const whole = await postJson(url, { inputs: oipInputs(penguins.signature, penguins.holdout, 0, rows) });
      expectRowsMatchReference(whole.body, 0, rows);
      const text = await (await fetch(`${threaded.url}/metrics`)).text();
      // Fewer session runs than requests (rows single-row requests, then one of all rows): batches formed.
      expect(metricValue(text, 'conveyor_batch_rows_count')).toBeLessThan(rows + 1);
      expect(metricValue(text, 'conveyor_batch_rows_sum')).toBe(2 * rows);
    } finally {
      await threaded.close();
    }
  });

  it('serves a regression model from a file and answers {value}', async () => {
    const regression = await startServer({
      source: { kind: 'file', onnx: join(mass.dir, 'model.onnx') },
      port: 0,
      logger: 'silent',
    });
    try {
      const loaded = await loadOnnxSession(mass.onnx);
      const expected = await runOnnx(loaded.session, loaded.info.signature, mass.holdout);
      await loaded.session.release();
      const response = await postJson(`${regression.url}/v2/models/body-mass/infer`, {
        inputs: oipInputs(mass.signature, mass.holdout, 0, 5),
      });
      expect(response.body.outputs).toEqual([
        { name: 'value', datatype: 'FP64', shape: [5], data: Array.from(expected.values!.subarray(0, 5)) },
      ]);
      const predicted = await postJson(`${regression.url}/v2/models/body-mass/predict`, [
        record(mass.signature, mass.holdout, 0),
      ]);
      expect(predicted.body.predictions).toEqual([{ value: expected.values![0] }]);
    } finally {
      await regression.close();
    }
  });

  it('refuses to start on a card that does not describe the model', async () => {
    const card = join(root, 'wrong-card.json');
    const wrong = cardFor(new Uint8Array([1, 2, 3]), { name: 'penguins', version: 1 });
    writeFileSync(card, JSON.stringify(wrong));
    await expect(
      startServer({
        source: { kind: 'file', onnx: join(penguins.dir, 'model.onnx'), card },
        port: 0,
        logger: 'silent',
      }),
    ).rejects.toThrow(ModelLoadError);
  });

  it('closes gracefully: requests in flight are answered, later ones are refused', async () => {
    const draining = await startServer({
      source: { kind: 'dir', path: penguins.dir },
      port: 0,
      logger: 'silent',
      // Requests wait in the batch queue long enough to be in flight when close() starts.
      batching: { maxBatchSize: 1000, maxQueueDelayMs: 300 },
    });
    const url = `${draining.url}/v2/models/penguins/infer`;
    const inFlight = [0, 1, 2, 3, 4].map((r) =>
      postJson(url, { inputs: oipInputs(penguins.signature, penguins.holdout, r, r + 1) }),
    );
    // Wait until all five have been decoded and queued (counted by the preprocess timer).
    for (;;) {
      const text = await (await fetch(`${draining.url}/metrics`)).text();
      if (metricValue(text, 'conveyor_model_phase_duration_seconds_count{phase="preprocess"}', 0) === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await draining.close();
    const answers = await Promise.all(inFlight);
    answers.forEach((answer, r) => {
      expect(answer.status).toBe(200);
      expectRowsMatchReference(answer.body, r, r + 1);
    });
    await expect(fetch(`${draining.url}/v2/health/live`)).rejects.toThrow();
  });
});
