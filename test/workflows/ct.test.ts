/**
 * Continuous training simulated from .github/workflows/ct.yml (test/helpers/workflow-simulator.ts): every job's
 * pipeline step runs through the runner harness, the run folder goes from job to job through the real
 * @actions/artifact client and a loopback artifact service, and the model is registered on the loopback GitHub
 * (Releases) server. Three pushes in a row: a data batch → a release; a worse config → a red run and no release;
 * a bad data row → a red run whose annotation points at the row.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushedDigest } from '../../src/delivery/index.ts';
import { GitHubRegistry } from '../../src/registry/index.ts';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { type LocalRegistry, localRegistryUnavailable, startLocalRegistry } from '../helpers/local-registry.ts';
import { type SimulatedRun, simulateWorkflow } from '../helpers/workflow-simulator.ts';

let github: FakeGitHub;
let artifacts: FakeArtifactService;
let repository: string;
let runs = 0;

beforeAll(async () => {
  github = await startFakeGitHub();
  artifacts = await startFakeArtifactService();
  repository = mkdtempSync(join(tmpdir(), 'conveyor-ct-repo-'));
  cpSync(join(REPOSITORY_ROOT, 'conveyor.yml'), join(repository, 'conveyor.yml'));
  cpSync(join(REPOSITORY_ROOT, 'data'), join(repository, 'data'), { recursive: true });
  rmSync(join(repository, 'data/penguins/batch-03.csv')); // the batch the first push brings
});

afterAll(async () => {
  github.assertNoViolations();
  await github.close();
  await artifacts.close();
  rmSync(repository, { recursive: true, force: true });
});

/** A push to main (GitHub's push payload, trimmed to what CT reads). */
function push(message: string): Promise<SimulatedRun> {
  runs++;
  const sha = String(runs).repeat(40).slice(0, 40);
  return simulateWorkflow({
    workflow: '.github/workflows/ct.yml',
    event: { name: 'push', payload: { ref: 'refs/heads/main', after: sha, head_commit: { id: sha, message } } },
    repository,
    github: { repository: `${github.owner}/${github.repo}`, apiUrl: github.url, token: 'ghs_ct_token', sha },
    artifacts,
    runId: `ct-${runs}`,
  });
}

function registry(): GitHubRegistry {
  return new GitHubRegistry({ owner: github.owner, repo: github.repo, token: 't', baseUrl: github.url });
}

function summaryOf(run: SimulatedRun, job: string): string {
  return run.jobs[job]!.steps.find((s) => s.action)?.action?.summary ?? '';
}

// Each push runs four jobs of ~5-10 s each (one Node process per step): well above the default timeout on a busy machine.
describe('CT simulated from ct.yml', { timeout: 240_000 }, () => {
  it('a data batch pushed to main ends in a published release with the model and its card', async () => {
    cpSync(join(REPOSITORY_ROOT, 'data/penguins/batch-03.csv'), join(repository, 'data/penguins/batch-03.csv'));
    const run = await push('Add penguins batch 3\n\nFrom the 2009 field season.');

    expect(run.order).toEqual([
      'pipeline-image',
      'validate',
      'train',
      'validate-model',
      'register',
      'report',
      'deliver',
    ]);
    expect(Object.fromEntries(Object.entries(run.jobs).map(([id, job]) => [id, job.result]))).toEqual({
      'pipeline-image': 'skipped',
      validate: 'success',
      train: 'success',
      'validate-model': 'success',
      register: 'success',
      report: 'success',
      deliver: 'skipped',
    });
    // CD is called for the new version (cd.yml itself is simulated in cd.test.ts, with Docker and a registry).
    expect(run.jobs.deliver!.call).toEqual({
      workflow: '.github/workflows/cd.yml',
      inputs: { version: '1', alias: 'production', config: 'conveyor.yml' },
    });
    // Register moved no alias: staging and production move in cd once the serving image passed infra validation.
    expect(await registry().aliases('penguins')).toEqual({});
    expect(run.jobs.validate!.runsOn).toBe('ubuntu-latest');
    // No pipeline image set: pipeline-image is skipped and the jobs run on the runner.
    expect(run.jobs.validate!.container).toBeUndefined();
    expect(run.jobs.validate!.steps.map((s) => `${s.name}: ${s.result}`)).toEqual([
      'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: skipped',
      'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020: skipped',
      'actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae: skipped',
      'Install: skipped',
      './actions/pipeline: success',
    ]);
    // The run folder went job to job as artifacts of this workflow run.
    expect(artifacts.artifacts.filter((a) => a.runBackendId === 'ct-1').map((a) => a.name)).toEqual([
      'conveyor-run-validate-data',
      'conveyor-run-export',
      'conveyor-run-validate-model',
      'conveyor-run-register',
      'conveyor-run-report',
    ]);

    const release = github.published().find((r) => r.tagName === 'penguins/v1');
    expect(release?.assets.map((a) => a.name)).toEqual(
      expect.arrayContaining(['card.json', 'card.md', 'model.onnx', 'report.html']),
    );
    const card = JSON.parse(release!.assets.find((a) => a.name === 'card.json')!.bytes.toString('utf8'));
    expect(card.github).toMatchObject({
      event: 'push',
      trigger: 'push',
      reason: 'push of 1111111: Add penguins batch 3',
      run_url: `https://github.com/${github.owner}/${github.repo}/actions/runs/ct-1`,
    });
    expect(card.data.files.map((f: { path: string }) => f.path)).toContain('data/penguins/batch-03.csv');
    expect(run.jobs.register!.outputs).toMatchObject({ 'model-name': 'penguins', version: '1' });
    expect(run.jobs.register!.outputs['release-url']).toMatch(/\/releases\/tag\/penguins\/v1$/);
    expect(summaryOf(run, 'register')).toContain('## ✅ penguins v1 registered');
    // The report job: the run report in its summary, linking the report.html now on the release.
    expect(summaryOf(run, 'report')).toContain('## penguins — run');
    expect(summaryOf(run, 'report')).toContain(': registered');
    // What cd ends with once the image passed (simulated in cd.test.ts): v1 in production, the next run's baseline.
    await registry().setAlias('penguins', 'production', 'v1', { actor: 'octocat', reason: 'delivered by cd' });
  });

  it('a deliberately worse config ends red at validate-model, and nothing is registered', async () => {
    const config = readFileSync(join(repository, 'conveyor.yml'), 'utf8');
    writeFileSync(
      join(repository, 'conveyor.yml'),
      config.replace('  params: {}', '  params: { n_trees: 2, max_depth: 1 }'),
    );
    try {
      const run = await push('Try a much smaller model');
      expect(run.conclusion).toBe('failure');
      expect(run.jobs['validate-model']!.result).toBe('failure');
      expect(run.jobs.register!.result).toBe('skipped');
      expect(run.jobs.deliver!.call).toBeUndefined(); // nothing registered: nothing delivered
      // The report job still reports the run, from the refused run folder validate-model uploaded: its blessing too.
      expect(run.jobs.report!.result).toBe('success');
      expect(summaryOf(run, 'report')).toContain('### Blessing: not blessed ❌');
      const step = run.jobs['validate-model']!.steps.find((s) => s.action)!.action!;
      expect(step.exitCode).toBe(3);
      expect(step.annotations[0]).toMatchObject({ level: 'error', title: 'Model not blessed' });
      expect(step.annotations[0]!.message).toMatch(/macro_f1/);
      expect(step.summary).toContain('### Blessing: ❌ not blessed');
      expect(step.summary).toMatch(/\| metric \| candidate \| production v1 \| Δ \|/);
      expect(step.summary).toMatch(/\| \*\*macro_f1\*\* \(primary\) \| 0\.\d+ \| 0\.\d+ \| −0\.\d+ ▼ \|/);
      expect(
        github
          .published()
          .filter((r) => /^penguins\/v\d+$/.test(r.tagName))
          .map((r) => r.tagName),
      ).toEqual(['penguins/v1']);
    } finally {
      writeFileSync(join(repository, 'conveyor.yml'), config);
    }
  });

  it('a bad data row ends red at validate with an annotation on that file and line, and nothing else runs', async () => {
    const file = 'data/penguins/batch-04.csv';
    writeFileSync(
      join(repository, file),
      'species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n' +
        'Adelie,Torgersen,39.1,18.7,181,3750,MALE\n' +
        'Adelie,Torgersen,39.5,17.4,186,heavy,FEMALE\n',
    );
    try {
      const run = await push('Add batch 4');
      expect(run.conclusion).toBe('failure');
      expect(Object.fromEntries(Object.entries(run.jobs).map(([id, job]) => [id, job.result]))).toEqual({
        'pipeline-image': 'skipped',
        validate: 'failure',
        train: 'skipped',
        'validate-model': 'skipped',
        register: 'skipped',
        report: 'skipped',
        deliver: 'skipped',
      });
      const step = run.jobs.validate!.steps.find((s) => s.action)!.action!;
      expect(step.exitCode).toBe(2);
      expect(step.annotations).toContainEqual(expect.objectContaining({ level: 'error', file, line: 3 }));
      expect(step.summary).toContain(`\`${file}:3\``);
      expect(github.published().filter((r) => /^penguins\/v\d+$/.test(r.tagName))).toHaveLength(1);
    } finally {
      rmSync(join(repository, file));
    }
  });
});

const registrySkip = localRegistryUnavailable();
if (registrySkip) console.warn(`skipping CT in the pipeline image: ${registrySkip}`);

// CONVEYOR_PIPELINE_IMAGE set: pipeline-image pins the tag to its digest in a real (loopback) OCI registry, every
// pipeline job is started with that container, and the card names it. The steps run on this machine with the
// container's env (the simulation starts no containers); test/docker/images.test.ts runs the action inside the real
// pipeline image. GitHub Container Registry is replaced by the LOCAL OCI REGISTRY.
describe.skipIf(registrySkip !== undefined)(
  'CT simulated from ct.yml in the pipeline image (GHCR replaced by a local OCI registry)',
  { timeout: 240_000 },
  () => {
    let fresh: FakeGitHub;
    let scratch: string;
    let local: LocalRegistry;
    const tag = () => `${local.host}/acme/ml-pipeline:main`;

    beforeAll(async () => {
      fresh = await startFakeGitHub();
      scratch = mkdtempSync(join(tmpdir(), 'conveyor-ct-image-'));
      local = await startLocalRegistry(scratch);
      // A one-file image stands for the pipeline image: what is resolved here is its digest, not its contents.
      mkdirSync(join(scratch, 'rootfs'));
      writeFileSync(join(scratch, 'rootfs/marker'), `pipeline image for ${scratch}\n`);
      execFileSync('tar', ['-cf', join(scratch, 'rootfs.tar'), '-C', join(scratch, 'rootfs'), '.']);
      execFileSync('docker', ['import', join(scratch, 'rootfs.tar'), tag()], { stdio: 'ignore' });
    });

    afterAll(async () => {
      fresh.assertNoViolations();
      await fresh.close();
      local.stop();
      spawnSync('docker', ['rmi', '-f', tag()]);
      rmSync(scratch, { recursive: true, force: true });
    });

    it('pins the image to its digest, starts every pipeline job in it, and the card names it', async () => {
      const pushed = pushedDigest(execFileSync('docker', ['push', tag()], { encoding: 'utf8' }));
      const reference = `${local.host}/acme/ml-pipeline@${pushed}`;
      const run = await simulateWorkflow({
        workflow: '.github/workflows/ct.yml',
        event: { name: 'workflow_dispatch', payload: { inputs: { reason: 'retrain in the image' } } },
        inputs: { reason: 'retrain in the image' },
        vars: { CONVEYOR_PIPELINE_IMAGE: tag(), CONVEYOR_IMAGE_REGISTRY: local.host },
        repository: REPOSITORY_ROOT,
        github: { repository: `${fresh.owner}/${fresh.repo}`, apiUrl: fresh.url, token: 'ghs_ct_token' },
        artifacts,
        runId: 'ct-image',
        // The local registry takes no login.
        standIns: { 'docker/login-action': async () => ({}) },
      });
      const resolve = run.jobs['pipeline-image']!.steps.find((s) => s.name === './actions/resolve-image')!;
      expect(run.conclusion, JSON.stringify(resolve)).toBe('success');
      expect(resolve.action!.outputs).toEqual({ reference, digest: pushed });
      expect(run.jobs['pipeline-image']!.outputs.reference).toBe(reference);
      for (const id of ['validate', 'train', 'validate-model', 'register', 'report']) {
        expect(run.jobs[id]!.container, id).toBe(reference);
        // Nothing set up or installed in the image.
        expect(run.jobs[id]!.steps.filter((s) => s.result !== 'skipped').map((s) => s.name)).toEqual([
          id === 'report' ? './actions/report' : './actions/pipeline',
        ]);
      }
      const release = fresh.published().find((r) => r.tagName === 'penguins/v1')!;
      const card = JSON.parse(release.assets.find((a) => a.name === 'card.json')!.bytes.toString('utf8'));
      expect(card.pipeline_image).toBe(reference);
      expect(release.assets.find((a) => a.name === 'card.md')!.bytes.toString('utf8')).toContain(reference);
      expect(summaryOf(run, 'report')).toContain(reference);
    });
  },
);
