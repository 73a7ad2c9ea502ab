/**
 * The serving image, end to end: the real Dockerfile built with a model trained by the real code, run, and
 * asked OIP requests from the host. Needs a running Docker daemon (see .ci/run); without one it is skipped
 * with the reason printed. The base image comes from scripts/docker/base-image.sh (a no-op when present).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxSession, runOnnx } from '../../src/model/onnx.ts';
import { docker, dockerUnavailable } from '../helpers/docker.ts';
import { buildModel, getJson, oipInputs, postJson, REPO } from './models.ts';

const unavailable = dockerUnavailable();
if (unavailable) console.warn(`skipping the container test: ${unavailable}`);

const tag = `conveyor-container-test:${process.pid}`;
const container = `conveyor-container-test-${process.pid}`;
const modelDir = join(REPO, 'build', `container-test-${process.pid}`);

afterAll(() => {
  if (unavailable) return;
  spawnSync('docker', ['rm', '-f', container]);
  spawnSync('docker', ['rmi', '-f', tag]);
  rmSync(modelDir, { recursive: true, force: true });
  // build/ goes too when this test made it and nothing else is in it.
  try {
    rmdirSync(join(REPO, 'build'));
  } catch {}
});

describe.skipIf(unavailable !== undefined)('serving image', () => {
  it('builds from the Dockerfile, serves the model it carries, reports healthy and stops cleanly', async () => {
    mkdirSync(join(REPO, 'build'), { recursive: true });
    const model = await buildModel(
      { name: 'penguins', version: 3, target: 'species', task: 'classification', algorithm: 'gbdt' },
      modelDir,
    );
    execFileSync('bash', [join(REPO, 'scripts/docker/base-image.sh')], { stdio: 'inherit' });
    const built = execFileSync('bash', [join(REPO, 'scripts/docker/build-image.sh'), modelDir, tag], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    expect(built.trim().split('\n').at(-1)).toBe(tag);

    const labels = JSON.parse(docker('image', 'inspect', tag, '--format', '{{json .Config.Labels}}'));
    const sha256 = (await import('node:crypto')).createHash('sha256').update(model.onnx).digest('hex');
    expect(labels).toMatchObject({
      'conveyor.model.name': 'penguins',
      'conveyor.model.version': 'v3',
      'conveyor.model.sha256': sha256,
    });
    expect(docker('image', 'inspect', tag, '--format', '{{.Config.User}}')).toBe('node');

    // The image's HEALTHCHECK command, checked every second instead of every 10 s.
    docker('run', '--detach', '--name', container, '--publish', '127.0.0.1::8080', '--health-interval', '1s', tag);
    const port = docker('port', container, '8080/tcp').split('\n')[0]!.split(':').at(-1);
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      // With a timeout: Docker's port proxy accepts a connection before the server listens and then drops it, and
      // fetch was seen to wait on such a connection forever (src/golden/container.ts probes the same way).
      const ready = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200) break;
      if (attempt > 600) throw new Error(`the container never became ready:\n${docker('logs', container)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect((await getJson(`${url}/v2`)).body.name).toBe('conveyor');
    const metadata = await getJson(`${url}/v2/models/penguins`);
    expect(metadata.body).toMatchObject({ name: 'penguins', versions: ['v3'], platform: 'onnxruntime_onnx' });
    expect(metadata.body.parameters.sha256).toBe(sha256);

    const loaded = await loadOnnxSession(model.onnx);
    const reference = await runOnnx(loaded.session, loaded.info.signature, model.holdout);
    await loaded.session.release();
    const rows = model.holdout.rowCount;
    const infer = await postJson(`${url}/v2/models/penguins/infer`, {
      inputs: oipInputs(model.signature, model.holdout, 0, rows),
    });
    expect(infer.status).toBe(200);
    const classes = model.signature.classes!;
    expect(infer.body.outputs[0].data).toEqual(Array.from(reference.labelIndex!, (i) => classes[i]));
    expect(infer.body.outputs[1].data).toEqual(Array.from(reference.probabilities!));
    const bad = await postJson(`${url}/v2/models/penguins/infer`, { inputs: [] });
    expect(bad.status).toBe(400);

    // Docker's HEALTHCHECK (node's fetch inside the image) reports healthy.
    for (let attempt = 0; ; attempt++) {
      const health = docker('inspect', container, '--format', '{{.State.Health.Status}}');
      if (health === 'healthy') break;
      if (attempt > 120) throw new Error(`container health is ${health}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    // docker stop sends SIGTERM: the server drains and exits 0 (not killed after the grace period).
    docker('stop', '--time', '30', container);
    expect(docker('inspect', container, '--format', '{{.State.ExitCode}}')).toBe('0');
    expect(docker('logs', container)).toMatch(/server closed/);
  }, 900_000);
});
