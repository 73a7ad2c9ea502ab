/**
 * docker/serving-set.mjs: what the serving image carries is derived from the server's imports. Offline and
 * without Docker: the closure of the real entry, the import scanner's rules, and the lock-file trimming.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript without declarations (it runs in the image before anything is installed)
import { importsOf, servingClosure, trimManifests } from '../../docker/serving-set.mjs';
import { REPO } from '../serve/models.ts';

const readJson = (name: string) => JSON.parse(readFileSync(join(REPO, name), 'utf8'));

describe('serving set', () => {
  const closure = servingClosure(REPO) as { files: string[]; packages: string[] };

  it('holds the server and its model code, without training, pipeline or GitHub code', () => {
    expect(closure.files).toContain('src/serve/server.ts');
    expect(closure.files).toContain('src/serve/session-worker.mjs'); // a worker named by URL, not imported
    for (const dir of ['train', 'export', 'pipeline', 'prepare', 'evaluate', 'data', 'validate', 'actions']) {
      expect(
        closure.files.filter((f) => f.startsWith(`src/${dir}/`)),
        dir,
      ).toEqual([]);
    }
    expect(closure.files).toContain('bin/strip-cache.js'); // Node strips the types; no TypeScript compiler in the image
    expect(closure.packages).toEqual(expect.arrayContaining(['fastify', 'onnxruntime-node']));
    for (const absent of ['@actions/artifact', '@actions/core', '@actions/github', 'csv-parse', 'hyparquet', 'tsx']) {
      expect(closure.packages, absent).not.toContain(absent);
    }
  });

  it('reads static imports and module URLs; type imports and strings are not imports; import() only when asked', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from './b.ts';",
      "import {\n  c,\n  type D,\n} from '@scope/pkg/sub';",
      "export { e } from './e.ts';",
      "import './side.ts';",
      'const usage = `--model-dir DIR  e.g. from "conveyor registry pull"`;',
      "const w = new Worker(new URL('./worker.mjs', import.meta.url));",
      "const pkg = new URL('../package.json', import.meta.url);",
      "const lazy = await import('./lazy.ts');",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.ts', '@scope/pkg/sub', './e.ts', './side.ts', './worker.mjs']);
    expect(importsOf(source, { dynamic: true })).toContain('./lazy.ts');
  });

  it('trims the lock file to what the kept packages need, resolving nested copies as Node does', () => {
    const manifest = { name: 'x', dependencies: { a: '^1', b: '^1' }, devDependencies: { t: '^1' }, scripts: {} };
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'x', dependencies: { a: '^1', b: '^1' }, devDependencies: { t: '^1' } },
        'node_modules/a': {
          version: '1.0.0',
          dependencies: { c: '^2' },
          peerDependencies: { p: '*', q: '*' },
          peerDependenciesMeta: { q: { optional: true } },
        },
        'node_modules/a/node_modules/c': { version: '2.0.0' },
        'node_modules/c': { version: '1.0.0' },
        'node_modules/p': { version: '1.0.0' },
        'node_modules/q': { version: '1.0.0' },
        'node_modules/b': { version: '1.0.0' },
        'node_modules/t': { version: '1.0.0', dev: true },
      },
    };
    const trimmed = trimManifests(manifest, lock, ['a']);
    expect(trimmed.manifest).toEqual({ name: 'x', dependencies: { a: '^1' } });
    expect(Object.keys(trimmed.lock.packages)).toEqual([
      '',
      'node_modules/a',
      'node_modules/a/node_modules/c',
      'node_modules/p',
    ]);
    expect(trimmed.lock.packages['']).toEqual({ name: 'x', dependencies: { a: '^1' } });
    expect(() => trimManifests(manifest, lock, ['a', 'zz'])).toThrow(
      'imported but not in package.json dependencies: zz',
    );
  });

  it('leaves every dependency of the real trimmed lock file resolvable inside it', () => {
    const trimmed = trimManifests(readJson('package.json'), readJson('package-lock.json'), closure.packages);
    const packages = trimmed.lock.packages as Record<string, { dependencies?: Record<string, string> }>;
    for (const [location, entry] of Object.entries(packages)) {
      for (const name of Object.keys(entry.dependencies ?? {})) {
        const candidates: string[] = [];
        for (let base = location; ; ) {
          candidates.push(base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`);
          if (base === '') break;
          const cut = base.lastIndexOf('/node_modules/');
          base = cut === -1 ? '' : base.slice(0, cut);
        }
        expect(
          candidates.some((c) => c in packages),
          `${location} needs ${name}`,
        ).toBe(true);
      }
    }
    expect(Object.keys(packages).some((p) => p.includes('@actions/'))).toBe(false);
  });
});
