/** A scratch repository with the bundled penguins data, where tests run the real pipeline under variants of conveyor.yml. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { type PipelineResult, runPipeline } from '../../src/pipeline/index.ts';

export interface ScratchRepo {
  readonly dir: string;
  /** Run the pipeline with this config (merged over the penguins defaults) into runs/<name>; the error when it stops. */
  run(
    name: string,
    config?: Record<string, unknown>,
    options?: { skipRegister?: boolean; env?: NodeJS.ProcessEnv },
  ): Promise<{ dir: string; result?: PipelineResult; error?: unknown }>;
  remove(): void;
}

export function scratchRepo(): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-report-'));
  cpSync(resolve('data/penguins'), join(dir, 'data/penguins'), { recursive: true });
  return {
    dir,
    async run(name, config = {}, options = {}) {
      const base = {
        model: { name: 'penguins' },
        data: { path: 'data/penguins/*.csv', target: 'species' },
        trainer: { algorithm: 'gbdt', params: { n_trees: 30, threads: 1 } },
        evaluation: { slices: ['island', 'sex'] },
      };
      writeFileSync(join(dir, `${name}.yml`), stringify({ ...base, ...config }));
      const runDir = join(dir, 'runs', name);
      try {
        const result = await runPipeline({
          configFile: `${name}.yml`,
          cwd: dir,
          runDir,
          env: options.env ?? {},
          skipRegister: options.skipRegister ?? false,
        });
        return { dir: runDir, result };
      } catch (error) {
        return { dir: runDir, error };
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
