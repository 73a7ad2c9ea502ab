/**
 * When worker threads cannot start, training runs on the main thread and gives the same model. The
 * failure is real: the trainer runs in a Node process under the permission model, which refuses to
 * create workers (ERR_ACCESS_DENIED). tsx's loader needs a worker itself, so the entry is bundled to
 * plain JavaScript with esbuild first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, test } from 'vitest';
import { modelToJson } from '../../src/model/serialize.ts';
import type { GbdtModel } from '../../src/model/types.ts';
import { MIN_ROWS_FOR_WORKERS } from '../../src/train/gbdt/executor.ts';
import { trainGbdt } from '../../src/train/gbdt/index.ts';
import { binaryData, trainInput } from './gbdt-data.ts';

const ROWS = MIN_ROWS_FOR_WORKERS + 10_000;
const OPTIONS = { n_trees: 3, early_stopping_rounds: 0 };
const dir = mkdtempSync(join(tmpdir(), 'conveyor-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Node 20-22 call the permission model experimental; later versions renamed the flag. */
const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission')
  ? '--permission'
  : '--experimental-permission';

const strip = (model: GbdtModel) => modelToJson({ ...model, params: {} });

test('training falls back to one thread when workers are refused, with an identical model', async () => {
  const entry = `
    import { trainGbdt } from './src/train/gbdt/index.ts';
    import { modelToJson } from './src/model/serialize.ts';
    import { binaryData, trainInput } from './test/train/gbdt-data.ts';
    const result = await trainGbdt(trainInput(binaryData(${ROWS}, 5), { ...${JSON.stringify(OPTIONS)}, threads: 2 }));
    process.stdout.write(JSON.stringify({ summary: result.summary, model: modelToJson({ ...result.model, params: {} }) }));
  `;
  const outfile = join(dir, 'train.mjs');
  await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL('../..', import.meta.url)), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  const run = spawnSync(process.execPath, [permissionFlag, '--allow-fs-read=*', outfile], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const refused = JSON.parse(run.stdout) as { summary: Record<string, unknown>; model: string };
  expect(refused.summary.threads).toBe(1);
  expect(String(refused.summary.worker_threads_error)).toMatch(/restricted|access/i);

  const oneThread = await trainGbdt(trainInput(binaryData(ROWS, 5), { ...OPTIONS, threads: 1 }));
  expect(refused.model).toBe(strip(oneThread.model as GbdtModel));
}, 180_000);
