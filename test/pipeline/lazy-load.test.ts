/**
 * Importing the pipeline API (the stage table) must not load the heavy parts — onnxruntime, the Parquet reader,
 * the trainer, the GitHub client — so `conveyor --help` and adapters that only read the table start fast. The
 * static import graph is checked with esbuild: executors behind `load: () => import(...)` land in other chunks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Source files and packages in the chunk that `entry` loads before any dynamic import runs. */
async function eagerInputs(entry: string): Promise<string[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'conveyor-lazy-'));
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir,
      metafile: true,
      write: false,
      logLevel: 'silent',
      external: ['onnxruntime-node'],
    });
    const outputs = result.metafile.outputs;
    const entryOutput = Object.entries(outputs).find(([, o]) => o.entryPoint === entry)!;
    // The entry chunk plus the chunks it imports statically (shared code esbuild split out).
    const eager = new Set<string>([entryOutput[0]]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const name of [...eager]) {
        for (const imported of outputs[name]!.imports) {
          if (imported.kind === 'import-statement' && !imported.external && !eager.has(imported.path)) {
            eager.add(imported.path);
            grew = true;
          }
        }
      }
    }
    const externals = [...eager].flatMap((name) =>
      outputs[name]!.imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path),
    );
    return [...[...eager].flatMap((name) => Object.keys(outputs[name]!.inputs)), ...externals];
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('lazy loading of stage executors', () => {
  it('the pipeline API loads no executor, onnxruntime, Parquet reader, trainer or GitHub client', async () => {
    const inputs = await eagerInputs('src/pipeline/index.ts');
    expect(inputs).toContain('src/pipeline/stage-table.ts');
    const heavy = inputs.filter((path) =>
      /onnxruntime|hyparquet|csv-parse|@octokit|@actions|src\/train\/|src\/pipeline\/stages\/|src\/model\/onnx/.test(
        path,
      ),
    );
    expect(heavy).toEqual([]);
  });

  it('the check sees a heavy module when one is imported eagerly', async () => {
    // Guards the test itself: a stage executor imported statically shows up.
    const inputs = await eagerInputs('src/pipeline/stages/export.ts');
    expect(inputs.some((path) => path.includes('src/model/onnx'))).toBe(true);
  });
});
