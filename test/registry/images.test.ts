/**
 * The serving image of a version, recorded in the registry's alias document by continuous delivery, in both
 * backends (GitHub through the loopback fake); `conveyor registry show` names it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registryCommand } from '../../src/cli/registry-command.ts';
import { GitHubRegistry } from '../../src/registry/github.ts';
import { LocalRegistry, RegistryError } from '../../src/registry/index.ts';
import type { ImageRecord, ModelRegistry } from '../../src/registry/types.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';
import { recordingBuild } from './versions.ts';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const image: ImageRecord = {
  reference: 'ghcr.io/owner/repo-penguins',
  digest: `sha256:${'ab'.repeat(32)}`,
  tags: ['v1', 'staging', '0123456789ab'],
  pushed_at: '2026-12-05T10:00:00.000Z',
  actor: 'octocat',
};

async function exercise(registry: ModelRegistry): Promise<void> {
  await registry.publish('penguins', recordingBuild('penguins', 'run-1').build, { runKey: 'run-1' });
  await registry.publish('penguins', recordingBuild('penguins', 'run-2').build, { runKey: 'run-2' });
  await registry.setAlias('penguins', 'staging', 'v1', { actor: 'ci' });
  expect(await registry.images('penguins')).toEqual({});
  expect(await registry.recordImage('penguins', 'staging', image)).toBe(1);
  const second = { ...image, digest: `sha256:${'cd'.repeat(32)}`, tags: ['v2'] };
  expect(await registry.recordImage('penguins', 'v2', second)).toBe(2);
  expect(await registry.images('penguins')).toEqual({ 1: image, 2: second });
  // Recording the same image again changes nothing; the alias history is untouched by image records.
  await registry.recordImage('penguins', 'v1', image);
  expect((await registry.history('penguins')).map((c) => c.alias)).toEqual(['staging']);
  await expect(registry.recordImage('penguins', 'v1', { ...image, digest: 'latest' })).rejects.toThrow(RegistryError);
  await expect(registry.recordImage('penguins', 'v1', { ...image, digest: 'latest' })).rejects.toThrow(
    'digest: expected sha256:<64 hex digits>',
  );
}

describe('image records', () => {
  it('local registry: recorded per version, read back, shown by conveyor registry show', async () => {
    const root = mkdtempSync(join(tmpdir(), 'conveyor-images-'));
    roots.push(root);
    await exercise(new LocalRegistry({ root: join(root, 'models') }));
    writeFileSync(
      join(root, 'conveyor.yml'),
      `${'registry:\n  backend: local\n'}model:\n  name: penguins\ndata:\n  path: x.csv\n  target: species\n`,
    );
    const lines: string[] = [];
    const shown = (await registryCommand({
      configFile: 'conveyor.yml',
      args: ['show', 'staging'],
      log: (line) => lines.push(line),
      cwd: root,
      env: {},
    })) as { image?: ImageRecord };
    expect(shown.image).toEqual(image);
    expect(lines.at(-1)).toBe(`  image     ghcr.io/owner/repo-penguins@${image.digest} (v1, staging, 0123456789ab)`);
  });

  it('GitHub registry: recorded in the alias document asset', async () => {
    const fake = await startFakeGitHub();
    try {
      await exercise(new GitHubRegistry({ owner: fake.owner, repo: fake.repo, token: 't', baseUrl: fake.url }));
      fake.assertNoViolations();
    } finally {
      await fake.close();
    }
  });
});
