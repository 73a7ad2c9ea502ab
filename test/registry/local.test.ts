import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aliasAt } from '../../src/registry/aliases.ts';
import { IntegrityError, NotFoundError, RegistryError } from '../../src/registry/errors.ts';
import { LocalRegistry } from '../../src/registry/local.ts';
import { barrier, recordingBuild, versionFiles } from './versions.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./publish-child.ts', import.meta.url));

let root: string;
let warnings: string[];
let clock: number;
let registry: LocalRegistry;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'conveyor-registry-'));
  warnings = [];
  clock = Date.parse('2026-01-01T00:00:00.000Z');
  registry = new LocalRegistry({
    root,
    onWarning: (message) => warnings.push(message),
    now: () => new Date((clock += 60_000)), // each alias change one minute after the previous one
  });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function publish(runKey: string, name = 'penguins') {
  return registry.publish(name, recordingBuild(name, runKey).build, { runKey });
}

/** Entries of the model folder, sorted. */
async function entries(name = 'penguins'): Promise<string[]> {
  return (await readdir(join(root, name))).sort();
}

function child(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: process.cwd() });
}

describe('LocalRegistry versions', () => {
  it('publishes numbered versions into models/<name>/v<N>/ and lists them ascending', async () => {
    const first = await publish('run-a');
    const second = await publish('run-b');
    expect(first).toMatchObject({ created: true, version: { name: 'penguins', version: 1 } });
    expect(second.version.version).toBe(2);
    expect(await entries()).toEqual(['v1', 'v2']);
    expect((await readdir(join(root, 'penguins', 'v2'))).sort()).toEqual(['card.json', 'card.md', 'model.onnx']);
    const files = versionFiles('penguins', 2, 'run-b');
    expect(new Uint8Array(await readFile(join(root, 'penguins', 'v2', 'model.onnx')))).toEqual(files.model);
    expect(JSON.parse(await readFile(join(root, 'penguins', 'v2', 'card.json'), 'utf8'))).toEqual(files.card);
    const listed = await registry.list('penguins');
    expect(listed.map((v) => [v.version, v.card.run_key])).toEqual([
      [1, 'run-a'],
      [2, 'run-b'],
    ]);
    expect(await registry.list('unknown-model')).toEqual([]);
  });

  it('resolves v3, 3, latest and aliases; unknown refs are NotFoundError', async () => {
    await publish('run-a');
    await publish('run-b');
    expect((await registry.resolve('penguins', 'v1')).version).toBe(1);
    expect((await registry.resolve('penguins', '2')).version).toBe(2);
    expect((await registry.resolve('penguins', 'latest')).version).toBe(2);
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    expect((await registry.resolve('penguins', 'production')).version).toBe(1);
    await expect(registry.resolve('penguins', 'v9')).rejects.toBeInstanceOf(NotFoundError);
    await expect(registry.resolve('penguins', 'staging')).rejects.toThrow(/staging: no such alias/);
    await expect(registry.resolve('penguins', '../etc')).rejects.toBeInstanceOf(RegistryError);
    await expect(registry.resolve('Bad Name', 'v1')).rejects.toThrow(/model name/);
  });

  it('returns the existing version when the same run publishes again, without building', async () => {
    await publish('run-a');
    const rerun = recordingBuild('penguins', 'run-a');
    const result = await registry.publish('penguins', rerun.build, { runKey: 'run-a' });
    expect(result).toMatchObject({ created: false, version: { version: 1 } });
    expect(rerun.calls).toEqual([]);
    expect(await entries()).toEqual(['v1']);
  });

  it('refuses files whose card does not match the version or the model bytes, writing nothing', async () => {
    await expect(
      registry.publish('penguins', async () => versionFiles('penguins', 7, 'run-a'), { runKey: 'run-a' }),
    ).rejects.toThrow(/version 1 .*but its version is 7/);
    const files = versionFiles('penguins', 1, 'run-a');
    const tampered = { ...files, model: new Uint8Array([...files.model, 0]) };
    await expect(registry.publish('penguins', async () => tampered, { runKey: 'run-a' })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await expect(
      registry.publish('penguins', async () => ({ ...files, card: { ...files.card, assets: {} } }), {
        runKey: 'run-a',
      }),
    ).rejects.toThrow(/assets: expected an entry for model.onnx/);
    expect(await entries()).toEqual([]);
  });

  it('gives two parallel publishes distinct versions (the loser builds again with the next number)', async () => {
    const gate = barrier(2); // both builds for v1 run before either version is committed
    const a = recordingBuild('penguins', 'run-a', gate);
    const b = recordingBuild('penguins', 'run-b', gate);
    const [ra, rb] = await Promise.all([
      registry.publish('penguins', a.build, { runKey: 'run-a' }),
      registry.publish('penguins', b.build, { runKey: 'run-b' }),
    ]);
    expect([ra.version.version, rb.version.version].sort()).toEqual([1, 2]);
    expect([...a.calls, ...b.calls].sort()).toEqual([1, 1, 2]);
    const listed = await registry.list('penguins');
    expect(listed.map((v) => v.card.version)).toEqual([1, 2]);
    expect(new Set(listed.map((v) => v.card.run_key))).toEqual(new Set(['run-a', 'run-b']));
    expect(await entries()).toEqual(['v1', 'v2']);
  });

  it('gives publishes from separate processes distinct versions', async () => {
    const results = await Promise.all(['p1', 'p2'].map((key) => child([root, 'penguins', key, 'publish'])));
    const versions = results.map((r) => JSON.parse(r.stdout).version as number).sort();
    expect(versions).toEqual([1, 2]);
    const listed = await registry.list('penguins');
    expect(listed.map((v) => v.card.run_key).sort()).toEqual(['p1', 'p2']);
  });

  it('skips a version folder without card.json with a warning and never reuses its number', async () => {
    await publish('run-a');
    await mkdir(join(root, 'penguins', 'v2'));
    await writeFile(join(root, 'penguins', 'v2', 'model.onnx'), 'hand-made');
    expect((await registry.list('penguins')).map((v) => v.version)).toEqual([1]);
    expect(warnings).toEqual([expect.stringMatching(/v2: no card\.json; skipped/)]);
    expect((await publish('run-b')).version.version).toBe(3);
  });
});

describe('LocalRegistry atomicity', () => {
  it('leaves no half version when writing fails midway', async () => {
    const failing = registry.publish('penguins', recordingBuild('penguins', 'run-a').build, {
      runKey: 'run-a',
      onProgress: (event) => {
        if (event.step === 'write' && event.asset === 'card.json') throw new Error('disk full');
      },
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(await entries()).toEqual([]);
    expect(await registry.list('penguins')).toEqual([]);
    expect((await publish('run-a')).version.version).toBe(1);
  });

  it('stays readable after a process is killed mid-publish, and the next publish cleans up', async () => {
    await publish('run-a');
    await expect(child([root, 'penguins', 'run-crash', 'crash'])).rejects.toMatchObject({ signal: 'SIGKILL' });
    const afterCrash = await entries();
    const stray = afterCrash.filter((name) => name.startsWith('.tmp-'));
    expect(stray).toHaveLength(1);
    expect((await readdir(join(root, 'penguins', stray[0]))).sort()).toEqual(['card.md', 'model.onnx']);
    expect((await registry.list('penguins')).map((v) => v.version)).toEqual([1]);
    expect((await registry.resolve('penguins', 'latest')).version).toBe(1);
    expect(warnings).toEqual([]);

    expect((await publish('run-crash')).version.version).toBe(2);
    expect(await entries()).toEqual(['v1', 'v2']);
  });
});

describe('LocalRegistry pull', () => {
  it('writes the verified files into the folder', async () => {
    await publish('run-a');
    const dir = join(root, 'pulled', 'nested');
    const result = await registry.pull('penguins', 'v1', dir);
    const files = versionFiles('penguins', 1, 'run-a');
    expect(new Uint8Array(await readFile(result.files.model))).toEqual(files.model);
    expect(await readFile(result.files.cardMd, 'utf8')).toBe(files.cardMd);
    expect(JSON.parse(await readFile(result.files.cardJson, 'utf8'))).toEqual(files.card);
    expect((await readdir(dir)).sort()).toEqual(['card.json', 'card.md', 'model.onnx']);
  });

  it('rejects a model whose bytes differ from the card and leaves nothing behind', async () => {
    await publish('run-a');
    const modelPath = join(root, 'penguins', 'v1', 'model.onnx');
    const bytes = await readFile(modelPath);
    bytes[10] ^= 0xff; // same size, different content
    await writeFile(modelPath, bytes);
    const dir = join(root, 'pulled');
    const pulling = registry.pull('penguins', 'v1', dir);
    await expect(pulling).rejects.toBeInstanceOf(IntegrityError);
    await expect(pulling).rejects.toThrow(/model\.onnx does not match its model card/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('LocalRegistry aliases', () => {
  it('moves aliases, records who and why, and rolls back step by step', async () => {
    for (const key of ['run-a', 'run-b', 'run-c']) await publish(key);
    await registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' });
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'ana', reason: 'better f1' });
    await registry.setAlias('penguins', 'staging', 'v3', { actor: 'bot' });
    expect(await registry.setAlias('penguins', 'production', '2', { actor: 'ana' })).toBeUndefined();
    await registry.setAlias('penguins', 'production', 'staging', { actor: 'ana', reason: 'promote' });
    expect(await registry.aliases('penguins')).toEqual({ production: 3, staging: 3 });

    expect(await registry.rollback('penguins', 'production', { actor: 'oncall', reason: 'bad latency' })).toMatchObject(
      { alias: 'production', from: 3, to: 2, action: 'rollback', actor: 'oncall' },
    );
    expect((await registry.rollback('penguins', 'production')).to).toBe(1);
    await expect(registry.rollback('penguins', 'production')).rejects.toThrow(/no earlier version/);
    await expect(registry.rollback('penguins', 'canary')).rejects.toThrow(/canary is not set/);

    const history = await registry.history('penguins');
    expect(history.map((c) => [c.alias, c.from, c.to, c.action])).toEqual([
      ['production', null, 1, 'set'],
      ['production', 1, 2, 'set'],
      ['staging', null, 3, 'set'],
      ['production', 2, 3, 'set'],
      ['production', 3, 2, 'rollback'],
      ['production', 2, 1, 'rollback'],
    ]);
    expect(history[1]).toMatchObject({ actor: 'ana', reason: 'better f1', at: '2026-01-01T00:02:00.000Z' });
    const stored = JSON.parse(await readFile(join(root, 'penguins', 'registry.json'), 'utf8'));
    expect(stored).toMatchObject({ format: 1, model: 'penguins', aliases: { production: 1, staging: 3 } });

    // Which version was production at a given time?
    expect(aliasAt(history, 'production', '2026-01-01T00:00:30Z')).toBeUndefined();
    expect(aliasAt(history, 'production', '2026-01-01T00:02:30Z')).toBe(2);
    expect(aliasAt(history, 'production', new Date('2026-01-01T00:05:00Z'))).toBe(3);
    expect(aliasAt(history, 'production', '2027-01-01T00:00:00Z')).toBe(1);
  });

  it('refuses unknown versions, bad alias names and missing actors', async () => {
    await publish('run-a');
    await expect(registry.setAlias('penguins', 'production', 'v5', { actor: 'ana' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(registry.setAlias('penguins', 'latest', 'v1', { actor: 'ana' })).rejects.toThrow(/reserved/);
    await expect(registry.setAlias('penguins', 'v2', 'v1', { actor: 'ana' })).rejects.toThrow(/not v<number>/);
    await expect(registry.setAlias('penguins', 'Prod', 'v1', { actor: 'ana' })).rejects.toThrow(/lowercase/);
    await expect(registry.setAlias('penguins', 'production', 'v1', { actor: ' ' })).rejects.toThrow(/actor/);
    expect(await registry.history('penguins')).toEqual([]);
  });

  it('serialises concurrent alias changes (none is lost)', async () => {
    await publish('run-a');
    await publish('run-b');
    await Promise.all([
      registry.setAlias('penguins', 'production', 'v1', { actor: 'ana' }),
      registry.setAlias('penguins', 'staging', 'v2', { actor: 'bot' }),
      registry.setAlias('penguins', 'canary', 'v2', { actor: 'bot' }),
    ]);
    expect(await registry.aliases('penguins')).toEqual({ production: 1, staging: 2, canary: 2 });
    expect(await registry.history('penguins')).toHaveLength(3);
    expect((await entries()).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
