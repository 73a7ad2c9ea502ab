/** Docker for the image tests: whether a daemon answers (else the tests skip with the reason), and a runner. */
import { execFileSync, spawnSync } from 'node:child_process';

/** Why Docker cannot be used here, or undefined when a daemon answers. */
export function dockerUnavailable(): string | undefined {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error) return `docker CLI not usable: ${info.error.message}`;
  if (info.status !== 0) return `Docker daemon not reachable: ${(info.stderr || info.stdout).trim().split('\n')[0]}`;
  return undefined;
}

/** Runs the docker CLI and returns its trimmed stdout; throws with stderr on failure. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Image size in MB (10^6 bytes), as `docker images` shows it. */
export function imageSizeMb(tag: string): number {
  return Number(docker('image', 'inspect', tag, '--format', '{{.Size}}')) / 1e6;
}
