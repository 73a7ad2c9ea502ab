/**
 * Compare-and-swap on aliases (AliasMeta.expect): of several writers expecting the same current target, exactly
 * one moves the alias; the others get AliasMovedError (exit 3) naming where it points now. Local folder and the
 * GitHub Releases backend (against the loopback fake).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/errors.ts';
import { withAlias } from '../../src/registry/aliases.ts';
import { AliasMovedError } from '../../src/registry/errors.ts';
import { GitHubRegistry } from '../../src/registry/github.ts';
import { LocalRegistry } from '../../src/registry/local.ts';
import type { ModelRegistry } from '../../src/registry/types.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { recordingBuild } from './versions.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function local(): Promise<ModelRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-cas-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return new LocalRegistry({ root: dir });
}

async function github(): Promise<ModelRegistry> {
  const fake: FakeGitHub = await startFakeGitHub();
  cleanups.push(async () => {
    try {
      fake.assertNoViolations();
    } finally {
      await fake.close();
    }
  });
  return new GitHubRegistry({
    owner: fake.owner,
    repo: fake.repo,
    token: 'test-token',
    baseUrl: fake.url,
    commit: 'c0ffee'.padEnd(40, '0'),
    retry: { maxAttempts: 3, sleep: async () => {} },
  });
}

describe('withAlias with expect', () => {
  const doc = { format: 1 as const, model: 'm', aliases: { production: 2 }, history: [] };
  it('moves the alias when it points where expected, and refuses otherwise', () => {
    expect(withAlias(doc, 'production', 3, { actor: 'a', expect: 2 }, '2026-01-01T00:00:00Z').doc.aliases).toEqual({
      production: 3,
    });
    const error = (() => {
      try {
        withAlias(doc, 'production', 3, { actor: 'a', expect: null }, '2026-01-01T00:00:00Z');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AliasMovedError);
    expect(exitCodeOf(error)).toBe(3);
    expect((error as AliasMovedError).current).toBe(2);
    expect((error as Error).message).toBe(
      'model m: production is v2 now, not unset as expected (another run moved it)',
    );
    // The expected target is not recorded in the history.
    const moved = withAlias(doc, 'staging', 2, { actor: 'a', expect: null }, '2026-01-01T00:00:00Z');
    expect(moved.change).toEqual({
      alias: 'staging',
      from: null,
      to: 2,
      at: '2026-01-01T00:00:00Z',
      actor: 'a',
      action: 'set',
    });
  });
});

describe.each([
  ['local', local],
  ['github', github],
])('concurrent compare-and-swap (%s registry)', (_backend, make) => {
  it('exactly one of four writers expecting "unset" moves production', async () => {
    const registry = await make();
    const versions: number[] = [];
    for (const run of ['a', 'b', 'c', 'd']) {
      const { version } = await registry.publish('penguins', recordingBuild('penguins', run).build, { runKey: run });
      versions.push(version.version);
    }
    const outcomes = await Promise.allSettled(
      versions.map((v) => registry.setAlias('penguins', 'production', `v${v}`, { actor: 'ct', expect: null })),
    );
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [versions[i]!] : []));
    expect(won).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(AliasMovedError);
        expect((outcome.reason as AliasMovedError).current).toBe(won[0]);
      }
    }
    expect(await registry.aliases('penguins')).toEqual({ production: won[0] });
    expect(await registry.history('penguins')).toHaveLength(1);
  });
});
