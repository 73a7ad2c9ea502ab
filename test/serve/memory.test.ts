/**
 * Memory of one big request, measured in a child process (test/serve/memory-child.ts) by the kernel's
 * peak resident set size: onnxruntime's working memory grows with the rows of a session run and its arena
 * keeps what it took, so a 100,000-row request run in one piece took the server from ~150 MB to ~690 MB and
 * left it at ~650 MB (100-tree model). Run 1,024 rows at a time, the peak stays ~75 MB above the start and
 * the server returns to within ~40 MB of it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltModel, buildModel, oipInputs, REPO } from './models.ts';

const MB = 1024 * 1024;
const ROWS = 100_000;

let root: string;
let model: BuiltModel;
let child: ChildProcess | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-serve-memory-'));
  model = await buildModel(
    { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt', nTrees: 100 },
    join(root, 'model'),
  );
});

afterAll(() => {
  child?.kill();
  rmSync(root, { recursive: true, force: true });
});

/** Sends `message` to the child and resolves with its next reply. */
function ask<T>(process: ChildProcess, message?: object): Promise<T> {
  const reply = new Promise<T>((resolve, reject) => {
    process.once('message', (value) => resolve(value as T));
    process.once('exit', (code) => reject(new Error(`the server process exited ${code}`)));
  });
  if (message) process.send!(message);
  return reply;
}

describe('a request of 100,000 rows', () => {
  it('runs in bounded chunks: peak memory stays bounded and returns near its start', { timeout: 120_000 }, async () => {
    child = fork(join(REPO, 'test/serve/memory-child.ts'), [model.dir, join(root, 'log.jsonl'), String(ROWS)], {
      cwd: REPO,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { url } = await ask<{ url: string }>(child);
    // Rows of the holdout, repeated: about 3 MB of JSON, within the default 8 MiB body limit.
    const holdout = oipInputs(model.signature, model.holdout, 0, model.holdout.rowCount);
    const inputs = holdout.map((input) => ({
      ...input,
      shape: [ROWS, 1],
      data: Array.from({ length: ROWS }, (_, r) => input.data[r % input.data.length]),
    }));
    const body = JSON.stringify({ inputs });
    expect(body.length).toBeLessThan(8 * MB);

    const start = await ask<{ rss: number }>(child, { cmd: 'reset' });
    const response = await fetch(`${url}/v2/models/penguins/infer`, { method: 'POST', body });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { outputs: { name: string; shape: number[]; data: unknown[] }[] };
    expect(answer.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['label', [ROWS]],
      ['probabilities', [ROWS, 3]],
    ]);
    // Row r repeats holdout row r % n: the chunks' outputs are stitched back in row order.
    const n = model.holdout.rowCount;
    const [labels, probabilities] = answer.outputs.map((o) => o.data);
    const mismatched = Array.from({ length: ROWS }, (_, r) => r).filter(
      (r) =>
        labels![r] !== labels![r % n] ||
        [0, 1, 2].some((c) => probabilities![r * 3 + c] !== probabilities![(r % n) * 3 + c]),
    );
    expect(mismatched).toEqual([]);
    const after = await ask<{ peak: number; rss: number }>(child, { cmd: 'peak' });
    // In one piece: +540 MB at the peak, +490 MB after. Chunked: about +75 MB and +40 MB.
    expect((after.peak - start.rss) / MB).toBeLessThan(250);
    expect((after.rss - start.rss) / MB).toBeLessThan(120);
    await ask(child, { cmd: 'stop' }).catch(() => {});
    child = undefined;
  });
});
