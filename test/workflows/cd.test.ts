/**
 * Continuous delivery simulated from .github/workflows/cd.yml (test/helpers/workflow-simulator.ts): the model is
 * pulled from the loopback GitHub (Releases) registry, the serving image built from the real Dockerfile, run and
 * sent the golden requests, pushed, recorded and the alias moved. Two stand-ins, both for what cannot run here:
 * GitHub Container Registry is replaced by a LOCAL OCI REGISTRY (Debian's docker-registry on 127.0.0.1, named by
 * the CONVEYOR_IMAGE_REGISTRY variable as a team would name another registry), and docker/build-push-action
 * (Buildx and GitHub's cache are not installed) by `docker build` of the same Dockerfile with the step's build
 * arguments, tags and labels. Needs Docker and docker-registry; skipped with the reason printed otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRepository } from '../../src/delivery/index.ts';
import { runPipeline } from '../../src/pipeline/index.ts';
import { digestOf, GitHubRegistry } from '../../src/registry/index.ts';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { type LocalRegistry, localRegistryUnavailable, startLocalRegistry } from '../helpers/local-registry.ts';
import { type SimulatedRun, type StandIn, simulateWorkflow } from '../helpers/workflow-simulator.ts';
import { buildModel } from '../serve/models.ts';

const skip = localRegistryUnavailable();
if (skip) console.warn(`skipping the CD simulation: ${skip}`);

let github: FakeGitHub;
let artifacts: FakeArtifactService;
let repository: string;
let localRegistry: LocalRegistry | undefined;
let imageRegistry: string;
let runs = 0;
const scratch = mkdtempSync(join(tmpdir(), 'conveyor-cd-'));
const builtTags: string[] = [];

/** docker/build-push-action with load: true, as `docker build` of the repository's Dockerfile. */
const build: StandIn = async (inputs, workspace) => {
  const args = Object.fromEntries(
    inputs['build-args']!.split('\n').map((line) => [
      line.slice(0, line.indexOf('=')),
      line.slice(line.indexOf('=') + 1),
    ]),
  );
  // The build context is the repository; the model the pull step wrote goes into it under build/.
  const modelDir = join(REPOSITORY_ROOT, 'build', `cd-test-${process.pid}-${++runs}`);
  cpSync(join(workspace, args.MODEL_DIR!), modelDir, { recursive: true });
  args.MODEL_DIR = relative(REPOSITORY_ROOT, modelDir);
  const ca = join(REPOSITORY_ROOT, '.build-ca.pem');
  if (process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS))
    cpSync(process.env.NODE_EXTRA_CA_CERTS, ca);
  try {
    const tags = inputs.tags!.split('\n').filter(Boolean);
    builtTags.push(...tags);
    execFileSync(
      'docker',
      [
        'build',
        ...tags.flatMap((t) => ['--tag', t]),
        ...Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        ...inputs
          .labels!.split('\n')
          .filter(Boolean)
          .flatMap((l) => ['--label', l]),
        REPOSITORY_ROOT,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  } finally {
    rmSync(ca, { force: true });
    rmSync(modelDir, { recursive: true, force: true });
  }
  return {};
};
const standIns: Record<string, StandIn> = {
  'docker/setup-buildx-action': async () => ({}),
  'docker/build-push-action': build,
  // The local registry takes pushes without a login.
  'docker/login-action': async () => ({}),
};

function dispatch(inputs: Record<string, string>): Promise<SimulatedRun> {
  runs++;
  return simulateWorkflow({
    workflow: '.github/workflows/cd.yml',
    event: { name: 'workflow_dispatch', payload: { inputs } },
    inputs,
    vars: { CONVEYOR_IMAGE_REGISTRY: imageRegistry },
    repository,
    github: {
      repository: `${github.owner}/${github.repo}`,
      apiUrl: github.url,
      token: 'ghs_cd_token',
      sha: 'c'.repeat(40),
    },
    artifacts,
    runId: `cd-${runs}`,
    standIns,
  });
}

function registry(): GitHubRegistry {
  return new GitHubRegistry({ owner: github.owner, repo: github.repo, token: 't', baseUrl: github.url });
}

beforeAll(async () => {
  if (skip) return;
  github = await startFakeGitHub();
  artifacts = await startFakeArtifactService();
  localRegistry = await startLocalRegistry(scratch);
  imageRegistry = localRegistry.host;
  repository = join(scratch, 'repository');
  mkdirSync(repository);
  cpSync(join(REPOSITORY_ROOT, 'conveyor.yml'), join(repository, 'conveyor.yml'));
  cpSync(join(REPOSITORY_ROOT, 'data'), join(repository, 'data'), { recursive: true });
  // v1: registered by the real pipeline (its golden requests with it), no alias moved.
  await runPipeline({
    configFile: 'conveyor.yml',
    cwd: repository,
    registryBackend: 'github',
    register: { aliases: [] },
    log: () => {},
    env: { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: `${github.owner}/${github.repo}`, GITHUB_API_URL: github.url },
  });
  // v2: a deliberately altered model (2 trees) shipped with v1's golden requests.
  const v1 = await registry().pull('penguins', 'v1', join(scratch, 'v1'));
  const altered = await buildModel(
    { name: 'penguins', version: 2, target: 'species', task: 'classification', algorithm: 'gbdt', nTrees: 2 },
    join(scratch, 'altered'),
  );
  const golden = new Uint8Array(readFileSync(v1.files.golden!));
  await registry().publish(
    'penguins',
    async (version) => ({
      model: altered.onnx,
      cardMd: '# altered\n',
      golden,
      card: {
        ...v1.version.card,
        version,
        run_key: 'altered',
        assets: { 'model.onnx': digestOf(altered.onnx), 'golden.json': digestOf(golden) },
      },
    }),
    { runKey: 'altered' },
  );
}, 600_000);

afterAll(async () => {
  if (skip) return;
  github.assertNoViolations();
  await github.close();
  await artifacts.close();
  localRegistry?.stop();
  spawnSync('docker', ['rmi', '-f', ...new Set(builtTags)]);
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)(
  'CD simulated from cd.yml (GHCR replaced by a local OCI registry)',
  { timeout: 900_000 },
  () => {
    it('delivers v1: image built, infra-validated, pushed with v1/commit/staging tags, digest recorded, staging moved', async () => {
      const run = await dispatch({ version: 'v1', alias: 'staging' });
      const deliver = run.jobs.deliver!;
      expect(
        run.conclusion,
        JSON.stringify(deliver.steps.map((s) => [s.name, s.result, s.why, s.action?.stdout.slice(-2000)])),
      ).toBe('success');
      expect(run.jobs.production!.result).toBe('skipped');
      expect(deliver.steps.find((s) => s.name === 'Deploy hook')?.result).toBe('skipped');
      const infra = deliver.steps.find((s) => s.name === './actions/infra-validate')!;
      expect(infra.action!.summary).toMatch(/Infra validation: passed/);
      expect(infra.action!.outputs.rows).toBe('16');

      const image = imageRepository(`${github.owner}/${github.repo}`, 'penguins', imageRegistry);
      expect(await localRegistry!.tagsOf(image)).toEqual(['c'.repeat(12), 'staging', 'v1'].sort());
      const push = deliver.steps.find((s) => s.name === './actions/push-image')!.action!;
      const digest = push.outputs.digest!;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(deliver.outputs.reference).toBe(`${image}@${digest}`);
      const recorded = (await registry().images('penguins'))[1]!;
      expect(recorded).toMatchObject({ reference: image, digest, actor: 'octocat' });
      expect(await registry().aliases('penguins')).toEqual({ staging: 1 });
      expect((await registry().history('penguins')).at(-1)).toMatchObject({
        alias: 'staging',
        to: 1,
        actor: 'octocat',
      });
      // The image carries the OCI labels pull-model worked out.
      const labels = JSON.parse(
        execFileSync('docker', ['image', 'inspect', `${image}:v1`, '--format', '{{json .Config.Labels}}'], {
          encoding: 'utf8',
        }),
      );
      expect(labels).toMatchObject({
        'org.opencontainers.image.source': `https://github.com/${github.owner}/${github.repo}`,
        'org.opencontainers.image.revision': 'c'.repeat(40),
        'org.opencontainers.image.version': 'v1',
        'conveyor.model.name': 'penguins',
      });
    });

    it('moves production only in the job bound to the production environment, retagging the same digest', async () => {
      const run = await dispatch({ version: 'v1', alias: 'production' });
      expect(run.conclusion).toBe('success');
      expect(run.order).toEqual(['deliver', 'production']);
      expect(run.jobs.production!.result).toBe('success');
      const image = imageRepository(`${github.owner}/${github.repo}`, 'penguins', imageRegistry);
      expect(await localRegistry!.tagsOf(image)).toContain('production');
      const digest = (await registry().images('penguins'))[1]!.digest;
      const manifest = await fetch(
        `http://${imageRegistry}/v2/${image.slice(imageRegistry.length + 1)}/manifests/production`,
        {
          method: 'HEAD',
          headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        },
      );
      expect(manifest.headers.get('docker-content-digest')).toBe(digest);
      expect(await registry().aliases('penguins')).toEqual({ staging: 1, production: 1 });
    });

    it('an altered model fails infra validation: the run is red, nothing is pushed, recorded or moved', async () => {
      const before = { aliases: await registry().aliases('penguins'), history: await registry().history('penguins') };
      const run = await dispatch({ version: 'v2', alias: 'staging' });
      expect(run.conclusion).toBe('failure');
      const steps = run.jobs.deliver!.steps;
      const infra = steps.find((s) => s.name === './actions/infra-validate')!;
      expect(infra.result).toBe('failure');
      expect(infra.action!.annotations[0]!.message).toMatch(/answered \d+ of 16 golden requests differently/);
      expect(infra.action!.summary).toMatch(/Nothing was pushed and no alias moved/);
      expect(steps.find((s) => s.name === './actions/push-image')!.result).toBe('skipped');
      const image = imageRepository(`${github.owner}/${github.repo}`, 'penguins', imageRegistry);
      expect(await localRegistry!.tagsOf(image)).not.toContain('v2');
      expect((await registry().images('penguins'))[2]).toBeUndefined();
      expect(await registry().aliases('penguins')).toEqual(before.aliases);
      expect(await registry().history('penguins')).toEqual(before.history);
    });
  },
);
