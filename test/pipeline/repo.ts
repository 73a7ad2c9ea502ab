/** A scratch repository for pipeline tests: the bundled penguins batches and a config written from YAML text. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ScratchRepo {
  readonly dir: string;
  /** Write `name` (relative) with `text`; returns its path. */
  write(name: string, text: string): string;
  remove(): void;
}

export function scratchRepo(): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-pipeline-'));
  cpSync(resolve('data/penguins'), join(dir, 'data/penguins'), { recursive: true });
  return {
    dir,
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fast penguins pipeline (linear model) with the given extra YAML appended. */
export function penguinsConfig(extra = '', description = 'penguins'): string {
  return `model:
  name: penguins
  description: ${description}
data:
  path: data/penguins/*.csv
  target: species
trainer:
  algorithm: linear
evaluation:
  slices: [island]
${extra}`;
}

/** Environment for runs outside GitHub Actions, whatever the test runner's environment. */
export const LOCAL_ENV: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTIONS: '', GITHUB_ACTOR: 'tester' };
