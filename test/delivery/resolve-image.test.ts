/**
 * resolveImage pins a pipeline image tag to the digest its registry serves, against a real OCI registry on loopback
 * (Debian's docker-registry) and the real docker CLI: a single-platform image, a multi-platform manifest list (the
 * runner's platform is picked), a reference already pinned, and the errors. imageName needs neither.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagePushError, imageName, pushedDigest, resolveImage } from '../../src/delivery/index.ts';
import { type LocalRegistry, localRegistryUnavailable, startLocalRegistry } from '../helpers/local-registry.ts';

describe('imageName', () => {
  it('drops the tag or digest, not a registry port', () => {
    expect(imageName('ghcr.io/acme/ml-pipeline:main')).toBe('ghcr.io/acme/ml-pipeline');
    expect(imageName('127.0.0.1:5000/acme/ml-pipeline:v1')).toBe('127.0.0.1:5000/acme/ml-pipeline');
    expect(imageName('127.0.0.1:5000/acme/ml-pipeline')).toBe('127.0.0.1:5000/acme/ml-pipeline');
    expect(imageName(`ghcr.io/acme/p@sha256:${'a'.repeat(64)}`)).toBe('ghcr.io/acme/p');
  });
});

const skip = localRegistryUnavailable();
if (skip) console.warn(`skipping resolveImage against a registry: ${skip}`);

describe.skipIf(skip !== undefined)('resolveImage (local OCI registry)', { timeout: 120_000 }, () => {
  let scratch: string;
  let registry: LocalRegistry;
  const tags: string[] = [];
  const repository = () => `${registry.host}/acme/ml-pipeline`;

  /** A one-file image (its content made distinct by `tag`), pushed as repository:tag; returns its manifest digest. */
  function pushImage(tag: string): string {
    const ref = `${repository()}:${tag}`;
    tags.push(ref);
    writeFileSync(join(scratch, 'rootfs/marker'), `${scratch} ${tag}\n`);
    execFileSync('tar', ['-cf', join(scratch, 'rootfs.tar'), '-C', join(scratch, 'rootfs'), '.']);
    execFileSync('docker', ['import', join(scratch, 'rootfs.tar'), ref], { stdio: 'ignore' });
    return pushedDigest(execFileSync('docker', ['push', ref], { encoding: 'utf8' }))!;
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'conveyor-resolve-image-'));
    registry = await startLocalRegistry(scratch);
    mkdirSync(join(scratch, 'rootfs'));
  });

  afterAll(() => {
    registry.stop();
    spawnSync('docker', ['rmi', '-f', ...tags]);
    spawnSync('docker', ['manifest', 'rm', `${repository()}:multi`]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('pins a tag to the digest the registry serves, and keeps a pinned reference as it is', async () => {
    const digest = pushImage('main');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const pinned = await resolveImage(`${repository()}:main`);
    expect(pinned).toBe(`${repository()}@${digest}`);
    expect(await resolveImage(pinned)).toBe(pinned);
  });

  it("picks the runner's platform from a multi-platform manifest list, and names the platforms it lacks", async () => {
    const amd64 = pushImage('amd64');
    const arm64 = pushImage('arm64');
    const multi = `${repository()}:multi`;
    execFileSync(
      'docker',
      ['manifest', 'create', '--insecure', multi, `${repository()}:amd64`, `${repository()}:arm64`],
      {
        stdio: 'ignore',
      },
    );
    // The list names each entry's platform (docker import here does not record a foreign one in the image).
    execFileSync('docker', [
      'manifest',
      'annotate',
      '--os',
      'linux',
      '--arch',
      'arm64',
      multi,
      `${repository()}:arm64`,
    ]);
    execFileSync('docker', ['manifest', 'push', '--insecure', multi], { stdio: 'ignore' });
    expect(await resolveImage(multi, { arch: 'x64' })).toBe(`${repository()}@${amd64}`);
    expect(await resolveImage(multi, { arch: 'arm64' })).toBe(`${repository()}@${arm64}`);
    await expect(resolveImage(multi, { arch: 's390x' })).rejects.toThrow(
      /has no manifest for linux\/s390x \(it has: linux\/amd64, linux\/arm64\)/,
    );
  });

  it('fails naming the reference when the tag does not exist', async () => {
    const missing = `${repository()}:no-such-tag`;
    const error = await resolveImage(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImagePushError);
    expect((error as Error).message).toContain(missing);
  });
});
