/** The alias history's actor: GITHUB_ACTOR, else git's user.name, else the OS user — never "unknown" on a laptop. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyActor } from '../../src/lib/actor.ts';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-actor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An environment where git sees no global or system config, so only the repository's own config counts. */
function isolated(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(dir, 'no-such-gitconfig'),
    ...extra,
  };
}

describe('historyActor', () => {
  it('takes GITHUB_ACTOR first', () => {
    expect(historyActor(isolated({ GITHUB_ACTOR: 'octocat', USER: 'someone' }), dir)).toBe('octocat');
  });

  it("takes git's user.name outside Actions", () => {
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['config', 'user.name', 'Ada Lovelace'], { cwd: repo });
    expect(historyActor(isolated({ USER: 'someone' }), repo)).toBe('Ada Lovelace');
  });

  it('falls back to the OS user without git identity', () => {
    expect(historyActor(isolated(), dir)).toBe(userInfo().username);
  });
});
