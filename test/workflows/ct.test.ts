/**
 * Continuous training simulated from .github/workflows/ct.yml (test/helpers/workflow-simulator.ts): every job's
 * pipeline step runs through the runner harness, the run folder goes from job to job through the real
 * @actions/artifact client and a loopback artifact service, and the model is registered on the loopback GitHub
 * (Releases) server. Three pushes in a row: a data batch → a release; a worse config → a red run and no release;
 * a bad data row → a red run whose annotation points at the row.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
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

function summaryOf(run: SimulatedRun, job: string): string {
  return run.jobs[job]!.steps.find((s) => s.action)?.action?.summary ?? '';
}

// Each push runs four jobs of ~5-10 s each (one Node process per step): well above the default timeout on a busy machine.
describe('CT simulated from ct.yml', { timeout: 240_000 }, () => {
  it('a data batch pushed to main ends in a published release with the model and its card', async () => {
    cpSync(join(REPOSITORY_ROOT, 'data/penguins/batch-03.csv'), join(repository, 'data/penguins/batch-03.csv'));
    const run = await push('Add penguins batch 3\n\nFrom the 2009 field season.');

    expect(run.order).toEqual(['validate', 'train', 'validate-model', 'register', 'report', 'deliver']);
    expect(Object.fromEntries(Object.entries(run.jobs).map(([id, job]) => [id, job.result]))).toEqual({
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
      inputs: { version: '1', alias: 'staging', config: 'conveyor.yml' },
    });
    expect(run.jobs.validate!.runsOn).toBe('ubuntu-latest');
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
