/**
 * Infra validation of a serving image: start it with Docker on a free loopback port, wait until it reports
 * ready, send the golden requests, and always remove the container. The container's logs go into the error
 * when it never becomes ready, so a red CD run says why.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { promisify } from 'node:util';
import { InfraValidationError } from '../errors.ts';
import { checkGoldenAt, type GoldenReport } from './check.ts';
import type { GoldenSet } from './schema.ts';

const run = promisify(execFile);
/** Longest wait for one readiness probe, in ms. */
const PROBE_TIMEOUT_MS = 2_000;

export interface ImageCheckOptions {
  readonly image: string;
  readonly golden: GoldenSet;
  /** Port the server listens on inside the image (default 8080, the Dockerfile's). */
  readonly port?: number;
  /** Longest wait for /v2/health/ready, in ms (default 60 000). */
  readonly readyTimeoutMs?: number;
  /** The docker CLI (default `docker`). */
  readonly docker?: string;
}

export interface ImageCheckResult {
  readonly report: GoldenReport;
  /** From `docker run` to ready, in ms. */
  readonly startMs: number;
  /** The golden request and comparison, in ms. */
  readonly checkMs: number;
}

/** Runs the image and checks it against the golden set; InfraValidationError when it cannot start or answer. */
export async function checkImage(options: ImageCheckOptions): Promise<ImageCheckResult> {
  const docker = options.docker ?? 'docker';
  const port = options.port ?? 8080;
  const name = `conveyor-infra-validate-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  try {
    await run(docker, ['run', '--detach', '--name', name, '--publish', `127.0.0.1::${port}`, options.image]);
  } catch (error) {
    throw new InfraValidationError(`docker run ${options.image} failed: ${stderrOf(error)}`);
  }
  try {
    const { stdout } = await run(docker, ['port', name, `${port}/tcp`]);
    const hostPort = stdout.trim().split('\n')[0]?.split(':').at(-1);
    const baseUrl = `http://127.0.0.1:${hostPort}`;
    await waitUntilReady(baseUrl, options.readyTimeoutMs ?? 60_000, async () => {
      const state = await run(docker, ['inspect', name, '--format', '{{.State.Status}}']);
      return state.stdout.trim();
    }).catch(async (error: Error) => {
      const logs = await run(docker, ['logs', '--tail', '30', name]).then(
        (r) => `${r.stdout}${r.stderr}`.trim(),
        () => '(no logs)',
      );
      throw new InfraValidationError(`${options.image}: ${error.message}; last container logs:\n${logs}`);
    });
    const ready = performance.now();
    const report = await checkGoldenAt(baseUrl, options.golden);
    return { report, startMs: ready - started, checkMs: performance.now() - ready };
  } finally {
    await run(docker, ['rm', '--force', name]).catch(() => undefined);
  }
}

async function waitUntilReady(baseUrl: string, timeoutMs: number, containerState: () => Promise<string>) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = await probe(`${baseUrl}/v2/health/ready`);
    if (status === 200) return;
    const state = await containerState();
    if (state !== 'running') throw new Error(`the container stopped (${state}) before it was ready`);
    if (performance.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * GET `url` → its status, 0 on any error or after PROBE_TIMEOUT_MS. node:http rather than fetch: Docker's port
 * proxy accepts a connection before the server in the container listens and then drops it, and fetch (undici)
 * was seen to leave such a request pending forever with nothing keeping the process alive.
 */
export function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.setTimeout(PROBE_TIMEOUT_MS, () => request.destroy());
    request.on('error', () => resolve(0));
    request.on('close', () => resolve(0)); // no-op after a status was resolved
  });
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr;
  return (stderr || (error as Error).message).trim().split('\n').slice(-3).join(' ');
}
