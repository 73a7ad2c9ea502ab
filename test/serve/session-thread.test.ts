import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxSession, runOnnx, tableToFeeds } from '../../src/model/onnx.ts';
import { outputNames } from '../../src/serve/codec.ts';
import { SessionThread } from '../../src/serve/session-thread.ts';
import { type BuiltModel, buildModel } from './models.ts';

let root: string;
let model: BuiltModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-session-thread-'));
  model = await buildModel(
    { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' },
    join(root, 'model'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SessionThread', () => {
  it('runs the session in a worker thread as in-process, reports run errors, and ends on release', async () => {
    const inputs = model.signature.features.map((f) => ({
      name: f.name,
      type: f.type === 'numeric' ? ('float32' as const) : ('string' as const),
    }));
    const thread = await SessionThread.start({ model: model.onnx, inputs, outputs: outputNames(model.signature) });
    const rows = model.holdout.rowCount;
    const feeds = tableToFeeds(model.signature, model.holdout, 0, rows);
    const columns = model.signature.features.map((f) => feeds[f.name]!.data as Float32Array | string[]);
    const out = await thread.run(rows, columns);

    const loaded = await loadOnnxSession(model.onnx);
    const reference = await runOnnx(loaded.session, loaded.info.signature, model.holdout);
    await loaded.session.release();
    const classes = model.signature.classes!;
    expect(out.label).toEqual(Array.from(reference.labelIndex!, (i) => classes[i]));
    expect(Array.from(out.probabilities as Float32Array)).toEqual(Array.from(reference.probabilities!));

    // A run onnxruntime refuses (a shape its data does not fill) fails alone; the thread stays up.
    await expect(thread.run(rows + 1, columns)).rejects.toThrow(/size/i);
    expect(thread.healthy).toBe(true);
    expect((await thread.run(rows, columns)).label).toEqual(out.label);

    await thread.release();
    await expect(thread.run(1, columns)).rejects.toThrow(/worker thread exited/);
  });
});
