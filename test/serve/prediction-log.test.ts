import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/lib/random.ts';
import type { ModelSignature } from '../../src/model/types.ts';
import { startServer } from '../../src/serve/index.ts';
import {
  formatLine,
  PredictionLog,
  type PredictionLogOutcome,
  type PredictionRecord,
  predictionLogFiles,
} from '../../src/serve/prediction-log.ts';
import { type BuiltModel, buildModel, type Json, metricValue, oipInputs, postJson } from './models.ts';

const signature: ModelSignature = {
  task: 'classification',
  target: 'species',
  features: [
    { name: 'island', type: 'categorical' },
    { name: 'bill_length_mm', type: 'numeric' },
  ],
  classes: ['Adelie', 'Gentoo'],
};

/** A record of `rows` rows whose request id is `id`. */
function makeRecord(id: string, rows = 1): PredictionRecord {
  return {
    time: Date.UTC(2026, 10, 25, 12, 0, 0),
    requestId: id,
    modelName: 'penguins',
    modelVersion: 'v3',
    endpoint: 'infer',
    signature,
    block: {
      rows,
      columns: [],
      sent: [
        Array.from({ length: rows }, (_, r) => (r % 2 ? '' : 'Biscoe')),
        Array.from({ length: rows }, (_, r) => (r % 2 ? null : 39.1)),
      ],
    },
    outputs: {
      rows,
      label: Array.from({ length: rows }, () => 'Adelie'),
      probabilities: Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 ? 0.25 : 0.75)),
    },
  };
}

function readLines(path: string): Json[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-predlog-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PredictionLog', () => {
  it('writes one documented JSON line per record, missing values as null', async () => {
    const path = join(root, 'format', 'predictions.jsonl');
    const log = new PredictionLog({ path, sampleRate: 1, maxBytes: 1 << 20, maxFiles: 2 });
    log.record(makeRecord('a', 2));
    log.record({ ...makeRecord('b', 1), unseen: [3, 0] });
    await log.close();
    const lines = readLines(path);
    expect(lines[1].unseen).toEqual({ island: 3 });
    expect(lines.slice(0, 1)).toEqual([
      {
        ts: '2026-11-25T12:00:00.000Z',
        request_id: 'a',
        model_name: 'penguins',
        model_version: 'v3',
        endpoint: 'infer',
        rows: 2,
        inputs: { island: ['Biscoe', null], bill_length_mm: [39.1, null] },
        outputs: {
          label: ['Adelie', 'Adelie'],
          probabilities: [
            [0.75, 0.25],
            [0.75, 0.25],
          ],
        },
        unseen: {},
      },
    ]);
  });

  it('writes any column name and value as valid JSON, "__proto__" and quotes included', () => {
    const odd: ModelSignature = {
      task: 'regression',
      target: 'y',
      features: [
        { name: '__proto__', type: 'categorical' },
        { name: 'constructor', type: 'numeric' },
        { name: 'a "quoted"\nname', type: 'categorical' },
      ],
    };
    const line = formatLine({
      time: 0,
      requestId: 'id "1"',
      modelName: 'm',
      modelVersion: 'v1',
      endpoint: 'predict',
      signature: odd,
      block: {
        rows: 2,
        columns: [],
        sent: [
          ['x', ''],
          [1.5, null],
          ['é\\"', 'ok'],
        ],
      },
      outputs: { rows: 2, value: Float64Array.of(0.1, Number.NaN) },
      unseen: [1, 0, 2],
    });
    const parsed = JSON.parse(line);
    expect(Object.getOwnPropertyNames(parsed.inputs)).toEqual(['__proto__', 'constructor', 'a "quoted"\nname']);
    expect(Object.getOwnPropertyDescriptor(parsed.inputs, '__proto__')?.value).toEqual(['x', null]);
    expect(parsed.inputs.constructor).toEqual([1.5, null]);
    expect(parsed.inputs['a "quoted"\nname']).toEqual(['é\\"', 'ok']);
    expect(parsed.outputs).toEqual({ value: [0.1, null] });
    expect(Object.getOwnPropertyNames(parsed.unseen)).toEqual(['__proto__', 'a "quoted"\nname']);
    expect(parsed.request_id).toBe('id "1"');
  });

  it("writes each record's own time, model and endpoint, whatever the line before had", () => {
    // The formatter keeps the last time and model fields it wrote: a change must show in the next line.
    const first = makeRecord('a');
    const lines = [
      first,
      { ...first, time: first.time + 1 },
      { ...first, modelVersion: 'v4' },
      { ...first, modelName: 'pen "guins"' },
      { ...first, endpoint: 'predict' as const },
      first,
    ].map((record) => JSON.parse(formatLine(record)));
    expect(lines.map((l) => [l.ts, l.model_name, l.model_version, l.endpoint])).toEqual([
      ['2026-11-25T12:00:00.000Z', 'penguins', 'v3', 'infer'],
      ['2026-11-25T12:00:00.001Z', 'penguins', 'v3', 'infer'],
      ['2026-11-25T12:00:00.000Z', 'penguins', 'v4', 'infer'],
      ['2026-11-25T12:00:00.000Z', 'pen "guins"', 'v3', 'infer'],
      ['2026-11-25T12:00:00.000Z', 'penguins', 'v3', 'predict'],
      ['2026-11-25T12:00:00.000Z', 'penguins', 'v3', 'infer'],
    ]);
  });

  it('samples with its seed: the same requests are logged on every run, about sample_rate of them', async () => {
    const logged: string[][] = [];
    for (const run of [1, 2]) {
      const path = join(root, `sample-${run}.jsonl`);
      const log = new PredictionLog({ path, sampleRate: 0.3, maxBytes: 1 << 20, maxFiles: 1, seed: 11 });
      for (let i = 0; i < 400; i++) log.record(makeRecord(`r${i}`));
      await log.close();
      logged.push(readLines(path).map((line) => line.request_id));
    }
    expect(logged[0]).toEqual(logged[1]);
    // Record i is kept when the i-th draw of Random(seed) is below the rate.
    const random = new Random(11);
    const expected = Array.from({ length: 400 }, (_, i) => `r${i}`).filter(() => random.next() < 0.3);
    expect(logged[0]).toEqual(expected);
    expect(expected.length).toBeGreaterThan(80);
    expect(expected.length).toBeLessThan(160);
  });

  it('rotates at max_bytes, keeps max_files rotated files, never splits a line', async () => {
    const path = join(root, 'rotate', 'predictions.jsonl');
    const rotations: number[] = [];
    const log = new PredictionLog(
      { path, sampleRate: 1, maxBytes: 1000, maxFiles: 2 },
      { onRotate: () => rotations.push(1) },
    );
    // Written in several flushes, as a server would.
    for (let batch = 0; batch < 6; batch++) {
      for (let i = 0; i < 10; i++) log.record(makeRecord(`r${batch * 10 + i}`));
      await log.flush();
    }
    await log.close();
    expect(existsSync(`${path}.3`)).toBe(false);
    const files = [`${path}.2`, `${path}.1`, path];
    expect(predictionLogFiles(path, 2)).toEqual(files);
    for (const file of files) expect(statSync(file).size).toBeLessThanOrEqual(1000);
    // Oldest to newest, the kept lines are the most recent records, contiguous and whole.
    const ids = files.flatMap((file) => readLines(file).map((line) => Number(line.request_id.slice(1))));
    expect(ids.at(-1)).toBe(59);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => 60 - ids.length + i));
    expect(rotations.length).toBeGreaterThan(2);
  });

  it('gives an over-long line a file of its own', async () => {
    const path = join(root, 'long', 'predictions.jsonl');
    const log = new PredictionLog({ path, sampleRate: 1, maxBytes: 300, maxFiles: 3 });
    log.record(makeRecord('small'));
    log.record(makeRecord('big', 20));
    log.record(makeRecord('after'));
    await log.close();
    expect(readLines(`${path}.2`).map((l) => l.request_id)).toEqual(['small']);
    expect(readLines(`${path}.1`).map((l) => l.request_id)).toEqual(['big']);
    expect(readLines(path).map((l) => l.request_id)).toEqual(['after']);
  });

  it('drops and counts records instead of queueing without bound', async () => {
    const path = join(root, 'pressure.jsonl');
    const counts: Partial<Record<PredictionLogOutcome, number>> = {};
    // Room for two lines of four rows.
    const maxPendingBytes = Math.floor(formatLine(makeRecord('r0', 4)).length * 2.5);
    const log = new PredictionLog(
      { path, sampleRate: 1, maxBytes: 1 << 20, maxFiles: 1, maxPendingBytes },
      { onRecords: (outcome, n) => (counts[outcome] = (counts[outcome] ?? 0) + n) },
    );
    for (let i = 0; i < 5; i++) log.record(makeRecord(`r${i}`, 4));
    await log.close();
    expect(counts).toEqual({ written: 2, dropped: 3 });
    expect(readLines(path).map((l) => l.request_id)).toEqual(['r0', 'r1']);
  });
});

describe('prediction log of a server', () => {
  let model: BuiltModel;
  beforeAll(async () => {
    model = await buildModel(
      { name: 'penguins', version: 4, target: 'species', task: 'classification', algorithm: 'linear' },
      join(root, 'model'),
    );
  });

  it('logs what each request sent and got, with its id and the model version', async () => {
    const path = join(root, 'served', 'predictions.jsonl');
    const server = await startServer({
      source: { kind: 'dir', path: model.dir },
      port: 0,
      logger: 'silent',
      predictionLog: { path, sampleRate: 1, maxBytes: 1 << 20, maxFiles: 2 },
    });
    const inputs = oipInputs(model.signature, model.holdout, 0, 3);
    const infer = await postJson(`${server.url}/v2/models/penguins/infer`, { id: 'req-1', inputs });
    const predict = await postJson(`${server.url}/v2/models/penguins/predict`, [
      Object.fromEntries(inputs.map((input) => [input.name, input.data[0]])),
    ]);
    await server.close();
    const lines = readLines(path);
    expect(lines.map((l) => [l.request_id, l.endpoint, l.model_version, l.rows])).toEqual([
      ['req-1', 'infer', 'v4', 3],
      [predict.body.id, 'predict', 'v4', 1],
    ]);
    expect(lines[0].inputs).toEqual(Object.fromEntries(inputs.map((input) => [input.name, input.data])));
    const probabilities = infer.body.outputs[1].data as number[];
    expect(lines[0].outputs).toEqual({
      label: infer.body.outputs[0].data,
      probabilities: [0, 1, 2].map((r) => probabilities.slice(r * 3, r * 3 + 3)),
    });
    expect(lines[1].outputs.label).toEqual([predict.body.predictions[0].label]);
  });

  it('counts unseen categories per column in /metrics and in the log line', async () => {
    const path = join(root, 'unseen', 'predictions.jsonl');
    const server = await startServer({
      source: { kind: 'dir', path: model.dir },
      port: 0,
      logger: 'silent',
      predictionLog: { path, sampleRate: 1, maxBytes: 1 << 20, maxFiles: 2 },
    });
    const inputs = oipInputs(model.signature, model.holdout, 0, 3).map((input) =>
      input.name === 'island' ? { ...input, data: ['Atlantis', null, 'Atlantis'] } : input,
    );
    expect((await postJson(`${server.url}/v2/models/penguins/infer`, { id: 'new-island', inputs })).status).toBe(200);
    const known = oipInputs(model.signature, model.holdout, 0, 1);
    expect((await postJson(`${server.url}/v2/models/penguins/infer`, { id: 'known', inputs: known })).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    await server.close();
    expect(metricValue(metrics, 'conveyor_unseen_categories_total{column="island"}')).toBe(2);
    // Every categorical column has its series from the start.
    expect(metricValue(metrics, 'conveyor_unseen_categories_total{column="sex"}')).toBe(0);
    expect(readLines(path).map((line) => [line.request_id, line.unseen])).toEqual([
      ['new-island', { island: 2 }],
      ['known', {}],
    ]);
  });

  it('is shared safely by two servers in one folder: one rotation at a time, no writes into a rotated file', async () => {
    const dir = join(root, 'shared');
    const path = join(dir, 'predictions.jsonl');
    const maxBytes = 4096;
    const options = { path, sampleRate: 1, maxBytes, maxFiles: 100 };
    const servers = await Promise.all(
      [0, 1].map(() =>
        startServer({ source: { kind: 'dir', path: model.dir }, port: 0, logger: 'silent', predictionLog: options }),
      ),
    );
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = `req-${i}`;
      sent.push(id);
      const inputs = oipInputs(model.signature, model.holdout, i % 5, (i % 5) + 1);
      const server = servers[i % 2]!;
      expect((await postJson(`${server.url}/v2/models/penguins/infer`, { id, inputs })).status).toBe(200);
      // Both servers' flush timers run between requests, so their writes and rotations interleave.
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await Promise.all(servers.map((server) => server.close()));
    const files = predictionLogFiles(path, options.maxFiles);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(statSync(file).size).toBeLessThanOrEqual(maxBytes);
    const logged = files.flatMap((file) => readLines(file).map((line) => line.request_id as string));
    expect(logged.sort()).toEqual(sent.sort());
    // The lock is released after each write.
    expect(readdirSync(dir).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });
});
