import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aliasAt } from '../../src/registry/aliases.ts';
import { serializeCard } from '../../src/registry/card.ts';
import { IntegrityError, NotFoundError, RegistryError } from '../../src/registry/errors.ts';
import { GitHubRegistry, type GitHubRegistryOptions } from '../../src/registry/github.ts';
import type { RegistryCard } from '../../src/registry/types.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { barrier, recordingBuild, versionFiles } from './versions.ts';

const COMMIT = 'c0ffee'.padEnd(40, '0');
const HOUR = 3600_000;

let fake: FakeGitHub;
let sleeps: number[];
let warnings: string[];
let dirs: string[];

beforeEach(async () => {
  fake = await startFakeGitHub();
  sleeps = [];
  warnings = [];
  dirs = [];
});

afterEach(async () => {
  try {
    fake.assertNoViolations();
  } finally {
    await fake.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
});

/** A registry on the fake; retries wait through a recording sleep that returns at once. */
function makeRegistry(extra: Partial<GitHubRegistryOptions> = {}): GitHubRegistry {
  return new GitHubRegistry({
    owner: fake.owner,
    repo: fake.repo,
    token: 'test-token',
    baseUrl: fake.url,
    commit: COMMIT,
    onWarning: (message) => warnings.push(message),
    ...extra,
    retry: {
      maxAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra.retry,
    },
  });
}

async function publish(registry: GitHubRegistry, runKey: string) {
  return registry.publish('penguins', recordingBuild('penguins', runKey).build, { runKey });
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-pull-'));
  dirs.push(dir);
  return dir;
}

/** The release a competing publisher made for `version`, as GitHub would hold it. */
function racerRelease(version: number, runKey = 'run-racer') {
  const files = versionFiles('penguins', version, runKey);
  return {
    tag: `penguins/v${version}`,
    name: `penguins v${version}`,
    body: files.cardMd,
    assets: {
      'model.onnx': files.model,
      'card.md': files.cardMd,
      'card.json': serializeCard(files.card as RegistryCard),
    },
  };
}

function drafts() {
  return fake.releases.filter((r) => r.draft);
}

describe('GitHubRegistry versions', () => {
  it('publishes each version as a release tagged <name>/v<N> on the commit, with card.md as body', async () => {
    const registry = makeRegistry();
    const first = await publish(registry, 'run-a');
    const second = await publish(registry, 'run-b');
    expect(first).toMatchObject({ created: true, version: { version: 1 } });
    expect(second.version.version).toBe(2);

    const release = fake.published().find((r) => r.tagName === 'penguins/v2')!;
    const files = versionFiles('penguins', 2, 'run-b');
    expect(release).toMatchObject({ name: 'penguins v2', body: files.cardMd, targetCommitish: COMMIT, draft: false });
    expect(release.assets.map((a) => [a.name, a.state])).toEqual([
      ['model.onnx', 'uploaded'],
      ['card.md', 'uploaded'],
      ['card.json', 'uploaded'],
    ]);
    expect(new Uint8Array(release.assets[0].bytes)).toEqual(files.model);
    expect(JSON.parse(release.assets[2].bytes.toString('utf8'))).toEqual(files.card);
    expect(fake.tags.get('penguins/v2')).toBe(COMMIT);
    expect(second.version.location).toBe(`${fake.url}/${fake.owner}/${fake.repo}/releases/tag/penguins/v2`);
    expect(drafts()).toEqual([]);

    const listed = await makeRegistry().list('penguins');
    expect(listed.map((v) => [v.version, v.card.run_key])).toEqual([
      [1, 'run-a'],
      [2, 'run-b'],
    ]);
    expect((await registry.resolve('penguins', 'latest')).version).toBe(2);
    expect((await registry.resolve('penguins', '1')).card.run_key).toBe('run-a');
    await expect(registry.resolve('penguins', 'v3')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('returns the existing version when the same run publishes again', async () => {
    const registry = makeRegistry();
    await publish(registry, 'run-a');
    const rerun = recordingBuild('penguins', 'run-a');
    const result = await makeRegistry().publish('penguins', rerun.build, { runKey: 'run-a' });
    expect(result).toMatchObject({ created: false, version: { version: 1 } });
    expect(rerun.calls).toEqual([]);
    expect(fake.releases).toHaveLength(1);
  });

  it('gives two parallel publishes distinct versions and leaves no draft', async () => {
    const gate = barrier(2);
    const a = recordingBuild('penguins', 'run-a', gate);
    const b = recordingBuild('penguins', 'run-b', gate);
    const [ra, rb] = await Promise.all([
      makeRegistry().publish('penguins', a.build, { runKey: 'run-a' }),
      makeRegistry().publish('penguins', b.build, { runKey: 'run-b' }),
    ]);
    expect([ra.version.version, rb.version.version].sort()).toEqual([1, 2]);
    expect([...a.calls, ...b.calls].sort()).toEqual([1, 1, 2]);
    expect(drafts()).toEqual([]);
    expect(
      fake
        .published()
        .map((r) => r.tagName)
        .sort(),
    ).toEqual(['penguins/v1', 'penguins/v2']);
    const listed = await makeRegistry().list('penguins');
    expect(new Set(listed.map((v) => v.card.run_key))).toEqual(new Set(['run-a', 'run-b']));
  });

  it('skips a release made by hand without card.json, with a warning, and does not reuse its number', async () => {
    fake.seedRelease({ tag: 'penguins/v1', assets: { 'model.onnx': 'uploaded by hand' } });
    fake.seedRelease({ tag: 'penguins/v2', assets: { 'card.json': '{"name":"penguins"}' } });
    fake.seedRelease({ tag: 'other-model/v1', assets: { 'model.onnx': 'x' } });
    const registry = makeRegistry();
    expect(await registry.list('penguins')).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/penguins\/v1 .* has no card\.json; skipped/),
      expect.stringMatching(/releases\/tag\/penguins\/v2 card\.json: not a valid model card: version: .*; skipped/),
    ]);
    await expect(registry.resolve('penguins', 'v1')).rejects.toBeInstanceOf(NotFoundError);
    expect((await publish(registry, 'run-a')).version.version).toBe(3);
    expect((await registry.list('penguins')).map((v) => v.version)).toEqual([3]);
  });
});

describe('GitHubRegistry pull', () => {
  it('downloads the assets and verifies them against the card', async () => {
    await publish(makeRegistry(), 'run-a');
    const dir = join(await tempDir(), 'model');
    const result = await makeRegistry().pull('penguins', 'latest', dir);
    const files = versionFiles('penguins', 1, 'run-a');
    expect(new Uint8Array(await readFile(result.files.model))).toEqual(files.model);
    expect(await readFile(result.files.cardMd, 'utf8')).toBe(files.cardMd);
    expect(JSON.parse(await readFile(result.files.cardJson, 'utf8'))).toEqual(files.card);
  });

  it('rejects an asset whose stored bytes do not match the card and writes nothing', async () => {
    await publish(makeRegistry(), 'run-a');
    fake.corruptStoredAsset('penguins/v1', 'model.onnx');
    const dir = join(await tempDir(), 'model');
    const pulling = makeRegistry().pull('penguins', 'v1', dir);
    await expect(pulling).rejects.toBeInstanceOf(IntegrityError);
    await expect(pulling).rejects.toThrow(/model\.onnx does not match its model card/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('GitHubRegistry faults', () => {
  it('retries 5xx answers (with backoff) and succeeds', async () => {
    fake.inject({ kind: 'status', operationId: 'repos/list-releases', status: 502 });
    fake.inject({ kind: 'status', operationId: 'repos/create-release', status: 500 });
    fake.inject({ kind: 'status', operationId: 'repos/upload-release-asset', status: 503, times: 2 });
    fake.inject({ kind: 'status', operationId: 'repos/update-release', status: 500 });
    const result = await publish(makeRegistry(), 'run-a');
    expect(result.version.version).toBe(1);
    expect(sleeps).toEqual([1000, 1000, 1000, 2000, 1000]);
    expect(fake.count('repos/create-release')).toBe(2);
    expect(fake.published()).toHaveLength(1);
    expect(fake.published()[0].assets).toHaveLength(3);
    expect(drafts()).toEqual([]);
  });

  it('waits as long as Retry-After says on a secondary rate limit', async () => {
    fake.inject({ kind: 'rate-limit', operationId: 'repos/upload-release-asset', retryAfterSeconds: 7 });
    fake.inject({ kind: 'rate-limit', operationId: 'repos/get-release-by-tag', retryAfterSeconds: 2, status: 429 });
    const result = await publish(makeRegistry(), 'run-a');
    expect(result.version.version).toBe(1);
    expect(sleeps).toEqual([7000, 2000]);
  });

  it('gives up when Retry-After exceeds the retry budget, and deletes the draft', async () => {
    fake.inject({ kind: 'rate-limit', operationId: 'repos/update-release', retryAfterSeconds: 3600 });
    const publishing = publish(makeRegistry({ retry: { maxTotalDelayMs: 60_000 } }), 'run-a');
    await expect(publishing).rejects.toBeInstanceOf(RegistryError);
    await expect(publishing).rejects.toThrow(/asks to wait 3600 s, beyond the retry budget \(60 s left\)/);
    expect(sleeps).toEqual([]);
    expect(fake.releases).toEqual([]);
    expect(fake.tags.size).toBe(0);
  });

  it('deletes the draft when an upload keeps failing midway: nothing half-published', async () => {
    fake.inject({ kind: 'upload-midway', asset: 'model.onnx', times: 100 });
    const publishing = publish(makeRegistry(), 'run-a');
    await expect(publishing).rejects.toThrow(/failed 3 times/);
    expect(fake.count('repos/upload-release-asset')).toBe(3);
    expect(fake.count('repos/delete-release')).toBe(1);
    expect(fake.releases).toEqual([]);
    expect(fake.tags.size).toBe(0);
    expect(await makeRegistry().list('penguins')).toEqual([]);
  });

  it('recovers from one upload broken midway (removes the leftover "open" asset)', async () => {
    fake.inject({ kind: 'upload-midway', asset: 'card.md' });
    const result = await publish(makeRegistry(), 'run-a');
    expect(result.version.version).toBe(1);
    const [release] = fake.published();
    expect(release.assets.map((a) => [a.name, a.state]).sort()).toEqual([
      ['card.json', 'uploaded'],
      ['card.md', 'uploaded'],
      ['model.onnx', 'uploaded'],
    ]);
    await makeRegistry().pull('penguins', 'v1', await tempDir());
  });

  it('takes the next number when the tag is taken while creating the draft', async () => {
    fake.before('repos/create-release', () => {
      fake.seedRelease(racerRelease(1));
    });
    const ours = recordingBuild('penguins', 'run-a');
    const result = await makeRegistry().publish('penguins', ours.build, { runKey: 'run-a' });
    expect(ours.calls).toEqual([1, 2]);
    expect(result.version.version).toBe(2);
    expect(fake.requests.some((r) => r.operationId === 'repos/create-release' && r.status === 422)).toBe(true);
    expect(drafts()).toEqual([]);
    const listed = await makeRegistry().list('penguins');
    expect(listed.map((v) => [v.version, v.card.run_key])).toEqual([
      [1, 'run-racer'],
      [2, 'run-a'],
    ]);
  });

  it('takes the next number when the tag is published while the draft is being published', async () => {
    fake.before('repos/update-release', () => {
      fake.seedRelease(racerRelease(1));
    });
    const ours = recordingBuild('penguins', 'run-a');
    const result = await makeRegistry().publish('penguins', ours.build, { runKey: 'run-a' });
    expect(ours.calls).toEqual([1, 2]);
    expect(result.version.version).toBe(2);
    expect(fake.requests.some((r) => r.operationId === 'repos/update-release' && r.status === 422)).toBe(true);
    expect(drafts()).toEqual([]);
    expect(
      fake
        .published()
        .map((r) => r.tagName)
        .sort(),
    ).toEqual(['penguins/v1', 'penguins/v2']);
  });

  it('skips a number whose git tag exists without a release', async () => {
    fake.tags.set('penguins/v1', 'b'.repeat(40)); // e.g. its release was deleted; the tag stayed
    const ours = recordingBuild('penguins', 'run-a');
    const result = await makeRegistry().publish('penguins', ours.build, { runKey: 'run-a' });
    expect(ours.calls).toEqual([2]);
    expect(result.version.version).toBe(2);
  });

  it('rejects an upload whose stored bytes differ (reported digest) and deletes the draft', async () => {
    fake.inject({ kind: 'corrupt-upload', asset: 'model.onnx' });
    const publishing = publish(makeRegistry(), 'run-a');
    await expect(publishing).rejects.toBeInstanceOf(IntegrityError);
    await expect(publishing).rejects.toThrow(/model\.onnx does not match its model card/);
    expect(fake.releases).toEqual([]);
    expect(fake.tags.size).toBe(0);
  });

  it('rejects a corrupted upload by its downloaded sha256 when GitHub reports no digest', async () => {
    await fake.close();
    fake = await startFakeGitHub({ digests: false });
    fake.inject({ kind: 'corrupt-upload', asset: 'card.md' });
    const publishing = publish(makeRegistry(), 'run-a');
    await expect(publishing).rejects.toThrow(
      /card\.md does not match its model card.*got \d+ bytes with sha256 [0-9a-f]{64}/,
    );
    expect(fake.releases).toEqual([]);
  });

  it('leaves an undeletable draft for a later publish to clean up once it is stale', async () => {
    fake.inject({ kind: 'corrupt-upload', asset: 'model.onnx' });
    fake.inject({ kind: 'status', operationId: 'repos/delete-release', status: 500, times: 3 });
    await expect(publish(makeRegistry(), 'run-a')).rejects.toBeInstanceOf(IntegrityError);
    expect(drafts()).toHaveLength(1);
    expect(warnings).toEqual([
      expect.stringMatching(/could not delete draft release \d+ \(penguins\/v1, publish failed\)/),
    ]);
    expect(await makeRegistry().list('penguins')).toEqual([]);

    // A person's draft (no Conveyor marker) is never touched.
    fake.seedRelease({ tag: 'penguins/v9', draft: true, body: 'notes', createdAt: '2020-01-01T00:00:00Z' });
    // Within the staleness window the draft could belong to a live publish: it stays.
    await publish(makeRegistry(), 'run-b');
    expect(drafts()).toHaveLength(2);
    const later = makeRegistry({ now: () => new Date(Date.now() + 7 * HOUR) });
    expect((await publish(later, 'run-c')).version.version).toBe(2);
    expect(drafts().map((r) => r.tagName)).toEqual(['penguins/v9']);
  });
});

describe('GitHubRegistry aliases', () => {
  it('moves aliases, rolls back, and answers which version was live when', async () => {
    let clock = Date.parse('2026-03-01T00:00:00.000Z');
    const registry = makeRegistry({ now: () => new Date((clock += HOUR)), actor: 'ci-bot' });
    for (const key of ['run-a', 'run-b', 'run-c']) await publish(registry, key);
    expect(await registry.aliases('penguins')).toEqual({});
    expect(await registry.history('penguins')).toEqual([]);
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'ana', reason: 'better f1' });
    await registry.setAlias('penguins', 'staging', '3', { actor: 'ci-bot' });
    await registry.setAlias('penguins', 'production', 'staging', { actor: 'ana' });
    expect(await registry.setAlias('penguins', 'production', 'v3', { actor: 'ana' })).toBeUndefined();
    expect(await registry.rollback('penguins', 'production')).toMatchObject({ from: 3, to: 2, actor: 'ci-bot' });

    const reader = makeRegistry();
    expect(await reader.aliases('penguins')).toEqual({ production: 2, staging: 3 });
    expect((await reader.resolve('penguins', 'production')).card.run_key).toBe('run-b');
    const history = await reader.history('penguins');
    expect(history.map((c) => [c.alias, c.from, c.to, c.action])).toEqual([
      ['production', null, 1, 'set'],
      ['production', 1, 2, 'set'],
      ['staging', null, 3, 'set'],
      ['production', 2, 3, 'set'],
      ['production', 3, 2, 'rollback'],
    ]);
    expect(aliasAt(history, 'production', '2026-03-01T02:30:00Z')).toBe(2);
    expect(aliasAt(history, 'production', '2026-03-01T04:30:00Z')).toBe(3);
    expect(aliasAt(history, 'production', '2026-03-02T00:00:00Z')).toBe(2);

    // Stored as aliases-<seq>.json in the <name>/registry release; only the newest few are kept.
    const store = fake.published().find((r) => r.tagName === 'penguins/registry')!;
    expect(store.assets.map((a) => a.name)).toEqual(['aliases-3.json', 'aliases-4.json', 'aliases-5.json']);
    expect(JSON.parse(store.assets[2].bytes.toString('utf8')).aliases).toEqual({ production: 2, staging: 3 });
    // The registry release is not a version.
    expect((await reader.list('penguins')).map((v) => v.version)).toEqual([1, 2, 3]);
    expect(warnings).toEqual([]);
  });

  it('applies concurrent alias changes one after the other (none lost)', async () => {
    await publish(makeRegistry(), 'run-a');
    await Promise.all([
      makeRegistry().setAlias('penguins', 'production', 'v1', { actor: 'a' }),
      makeRegistry().setAlias('penguins', 'staging', 'v1', { actor: 'b' }),
      makeRegistry().setAlias('penguins', 'canary', 'v1', { actor: 'c' }),
    ]);
    const registry = makeRegistry();
    expect(await registry.aliases('penguins')).toEqual({ production: 1, staging: 1, canary: 1 });
    expect(await registry.history('penguins')).toHaveLength(3);
    expect(fake.published().filter((r) => r.tagName === 'penguins/registry')).toHaveLength(1);
  });

  it('survives an alias upload broken midway without applying the change twice', async () => {
    const registry = makeRegistry();
    await publish(registry, 'run-a');
    await publish(registry, 'run-b');
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'ana' });
    fake.inject({ kind: 'upload-midway', asset: 'aliases-3.json' });
    expect(await registry.rollback('penguins', 'production', { actor: 'oncall' })).toMatchObject({ to: 1 });
    expect(await registry.aliases('penguins')).toEqual({ production: 1 });
    expect((await registry.history('penguins')).map((c) => c.action)).toEqual(['set', 'set', 'rollback']);
    const store = fake.published().find((r) => r.tagName === 'penguins/registry')!;
    expect(store.assets.map((a) => [a.name, a.state])).toEqual([
      ['aliases-1.json', 'uploaded'],
      ['aliases-2.json', 'uploaded'],
      ['aliases-4.json', 'uploaded'],
    ]);
  });

  it('recognises its own alias upload when only the response was lost', async () => {
    const registry = makeRegistry();
    await publish(registry, 'run-a');
    await publish(registry, 'run-b');
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'ana' });
    fake.inject({ kind: 'upload-response-lost', asset: 'aliases-3.json' });
    // Re-applying the rollback would move production to v1 and then back to v2; it must happen once.
    expect(await registry.rollback('penguins', 'production', { actor: 'oncall' })).toMatchObject({ from: 2, to: 1 });
    expect(await registry.aliases('penguins')).toEqual({ production: 1 });
    expect(await registry.history('penguins')).toHaveLength(3);
    const store = fake.published().find((r) => r.tagName === 'penguins/registry')!;
    expect(store.assets.map((a) => a.name)).toEqual(['aliases-1.json', 'aliases-2.json', 'aliases-3.json']);
  });

  it('recognises its own lost-response upload even after another writer built on it', async () => {
    const registry = makeRegistry();
    await publish(registry, 'run-a');
    await publish(registry, 'run-b');
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'ana' });
    fake.inject({ kind: 'upload-response-lost', asset: 'aliases-3.json' });
    // Between our lost upload and our re-read, someone else moves another alias (writing aliases-4.json).
    fake.before('repos/upload-release-asset', () => {
      fake.before('repos/get-release-by-tag', async () => {
        await makeRegistry().setAlias('penguins', 'staging', 'v1', { actor: 'bot' });
      });
    });
    expect(await registry.rollback('penguins', 'production', { actor: 'oncall' })).toMatchObject({ from: 2, to: 1 });
    expect(await registry.aliases('penguins')).toEqual({ production: 1, staging: 1 });
    expect((await registry.history('penguins')).map((c) => [c.alias, c.action])).toEqual([
      ['production', 'set'],
      ['production', 'set'],
      ['production', 'rollback'],
      ['staging', 'set'],
    ]);
  });

  it('refuses an alias to a version that does not exist', async () => {
    const registry = makeRegistry();
    await publish(registry, 'run-a');
    await expect(registry.setAlias('penguins', 'production', 'v4', { actor: 'ana' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(registry.rollback('penguins', 'production', { actor: 'ana' })).rejects.toThrow(/not set/);
    expect(fake.published().some((r) => r.tagName === 'penguins/registry')).toBe(false);
  });
});
