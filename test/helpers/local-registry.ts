/**
 * A real OCI registry on loopback for the tests that push or resolve images: Debian's docker-registry (CNCF
 * distribution), storing in a scratch folder. dockerd pushes to 127.0.0.1:<port> without TLS (loopback registries
 * are insecure by default), and `docker manifest inspect --insecure` reads from it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerUnavailable } from './docker.ts';
import { freePort } from './free-port.ts';

/** Why a local registry cannot be used here (no Docker, no docker-registry), or undefined. */
export function localRegistryUnavailable(): string | undefined {
  const docker = dockerUnavailable();
  if (docker) return docker;
  if (spawnSync('docker-registry', ['--version']).error) return 'docker-registry (Debian package) not installed';
  return undefined;
}

export interface LocalRegistry {
  /** 127.0.0.1:<port>, the registry host of image names. */
  readonly host: string;
  /** Tags of a repository (`<host>/<path>`), sorted; [] when it has none. */
  tagsOf(image: string): Promise<string[]>;
  stop(): void;
}

export async function startLocalRegistry(scratch: string): Promise<LocalRegistry> {
  const port = await freePort();
  const config = join(scratch, 'registry.yml');
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(scratch, 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return {
        host,
        async tagsOf(image) {
          const response = await fetch(`http://${host}/v2/${image.slice(host.length + 1)}/tags/list`);
          if (response.status === 404) return [];
          return (((await response.json()) as { tags: string[] | null }).tags ?? []).sort();
        },
        stop: () => child.kill(),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('docker-registry did not answer');
}
