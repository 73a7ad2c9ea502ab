/**
 * Imports across stage folders go through the folder's index.ts (or types.ts for types and zod schemas); Biome's
 * noRestrictedImports rule in biome.json enforces it. Checked by linting small sources as if they were in src/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const biome = resolve('node_modules/@biomejs/biome/bin/biome');

/** Lint `source` as the file `path` of a scratch project that has this repository's biome.json. */
function lint(path: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-lint-'));
  try {
    copyFileSync('biome.json', join(dir, 'biome.json'));
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
    const result = spawnSync(process.execPath, [biome, 'lint', '--vcs-enabled=false', path], {
      cwd: dir,
      encoding: 'utf8',
    });
    return `${result.stdout}${result.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('imports across stage folders', () => {
  it('refuses a deep import into another stage folder, naming the rule', () => {
    const output = lint(
      'src/evaluate/probe.ts',
      "import { loadData } from '../data/load.ts';\nexport const f = loadData;\n",
    );
    expect(output).toContain('noRestrictedImports');
    expect(output).toContain('import src/data/ through its index.ts');
  });

  it('accepts the index.ts and types.ts of another folder, and files of its own folder', () => {
    const source =
      "import { loadData } from '../data/index.ts';\nimport type { Table } from '../data/types.ts';\n" +
      "import { x } from './sibling.ts';\nexport const f: [typeof loadData, Table | null, unknown] = [loadData, null, x];\n";
    expect(lint('src/evaluate/probe.ts', source)).not.toContain('noRestrictedImports');
  });

  it('applies from nested folders too (executors under src/pipeline/stages)', () => {
    const output = lint(
      'src/pipeline/stages/probe.ts',
      "import { x } from '../../registry/github.ts';\nexport const f = x;\n",
    );
    expect(output).toContain('import src/registry/ through its index.ts');
  });
});
