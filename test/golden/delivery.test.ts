/**
 * The golden set travels with the model: export writes it into the run folder, register ships it as the
 * version's golden.json (its digest in the card), pull writes it next to model.onnx after checking it, and a
 * server on the pulled folder answers it. Both registry backends (GitHub through the loopback fake).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGoldenAt, GOLDEN_FILE, readGoldenSet, serializeGoldenSet } from '../../src/golden/index.ts';
import { readArtifact, runPipeline } from '../../src/pipeline/index.ts';
import { GitHubRegistry } from '../../src/registry/github.ts';
import { digestOf, IntegrityError, LocalRegistry } from '../../src/registry/index.ts';
import { startServer } from '../../src/serve/index.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';
import { versionFiles } from '../registry/versions.ts';
import { REPO } from '../serve/models.ts';

const workspace = mkdtempSync(join(tmpdir(), 'conveyor-golden-delivery-'));
let runDir: string;

beforeAll(async () => {
  cpSync(join(REPO, 'conveyor.yml'), join(workspace, 'conveyor.yml'));
  cpSync(join(REPO, 'data'), join(workspace, 'data'), { recursive: true });
  const result = await runPipeline({ configFile: 'conveyor.yml', cwd: workspace, env: {}, log: () => {} });
  runDir = result.runDir;
}, 120_000);

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('golden set through the pipeline and the local registry', () => {
  it('is written at export, listed in the card, pulled with the model, and answered by a server on it', async () => {
    const golden = await readArtifact(runDir, 'golden');
    expect(golden).toMatchObject({ model: 'penguins', task: 'classification', tolerance: 1e-5 });
    expect(golden.rows).toHaveLength(16);

    const versionDir = join(workspace, 'models/penguins/v1');
    const shipped = readFileSync(join(versionDir, GOLDEN_FILE));
    expect(new Uint8Array(shipped)).toEqual(serializeGoldenSet(golden));
    const card = JSON.parse(readFileSync(join(versionDir, 'card.json'), 'utf8'));
    expect(card.assets[GOLDEN_FILE]).toEqual(digestOf(shipped));

    const registry = new LocalRegistry({ root: join(workspace, 'models') });
    const pulled = await registry.pull('penguins', 'production', join(workspace, 'pulled'));
    expect(pulled.files.golden).toBe(join(workspace, 'pulled', GOLDEN_FILE));
    const server = await startServer({
      source: { kind: 'dir', path: join(workspace, 'pulled') },
      port: 0,
      logger: 'silent',
    });
    try {
      const report = await checkGoldenAt(server.url, readGoldenSet(pulled.files.golden!));
      expect(report).toMatchObject({ ok: true, rows: 16 });
    } finally {
      await server.close();
    }
  });

  it('refuses to pull a version whose golden.json was changed, and writes nothing', async () => {
    const versionDir = join(workspace, 'models/penguins/v1');
    const original = readFileSync(join(versionDir, GOLDEN_FILE));
    writeFileSync(join(versionDir, GOLDEN_FILE), original.toString().replace('"tolerance": 0.00001', '"tolerance": 1'));
    try {
      const registry = new LocalRegistry({ root: join(workspace, 'models') });
      const target = join(workspace, 'tampered');
      await expect(registry.pull('penguins', 'v1', target)).rejects.toThrow(IntegrityError);
      expect(existsSync(join(target, 'model.onnx'))).toBe(false);
    } finally {
      writeFileSync(join(versionDir, GOLDEN_FILE), original);
    }
  });
});

describe('golden set on the GitHub registry', () => {
  it('is uploaded as a release asset and pulled back byte for byte', async () => {
    const fake = await startFakeGitHub();
    try {
      const registry = new GitHubRegistry({ owner: fake.owner, repo: fake.repo, token: 't', baseUrl: fake.url });
      const golden = new TextEncoder().encode('{"format":"conveyor-golden/1"}\n');
      const files = versionFiles('penguins', 1, 'run-1');
      const card = { ...files.card, assets: { ...(files.card.assets as object), [GOLDEN_FILE]: digestOf(golden) } };
      await registry.publish('penguins', async () => ({ ...files, card, golden }), { runKey: 'run-1' });
      const target = mkdtempSync(join(tmpdir(), 'conveyor-golden-gh-'));
      try {
        const pulled = await registry.pull('penguins', 'v1', target);
        expect(new Uint8Array(readFileSync(pulled.files.golden!))).toEqual(golden);
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
      // A card that lists golden.json without the file is refused.
      const second = versionFiles('penguins', 2, 'run-2');
      const listed = { ...second.card, assets: { ...(second.card.assets as object), [GOLDEN_FILE]: digestOf(golden) } };
      await expect(
        registry.publish('penguins', async () => ({ ...second, card: listed }), { runKey: 'run-2' }),
      ).rejects.toThrow('build(2) for model penguins: the card lists golden.json');
      fake.assertNoViolations();
    } finally {
      await fake.close();
    }
  });
});
