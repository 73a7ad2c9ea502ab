/**
 * The promote and rollback buttons, simulated from .github/workflows/promote.yml and rollback.yml on the loopback
 * GitHub (Releases) registry, change the alias and its history exactly as `conveyor registry promote|rollback`
 * does on a twin registry, and say what changed, by whom and why in the job summary. (The image retag is covered by
 * the CD simulation; these versions have no image recorded, so no Docker is needed.)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registryCommand } from '../../src/cli/registry-command.ts';
import { GitHubRegistry } from '../../src/registry/index.ts';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { type SimulatedRun, simulateWorkflow } from '../helpers/workflow-simulator.ts';
import { recordingBuild } from '../registry/versions.ts';

let viaWorkflow: FakeGitHub;
let viaCli: FakeGitHub;
let artifacts: FakeArtifactService;
const repository = mkdtempSync(join(tmpdir(), 'conveyor-promote-'));
let runs = 0;

const registryOn = (fake: FakeGitHub) =>
  new GitHubRegistry({ owner: fake.owner, repo: fake.repo, token: 't', baseUrl: fake.url });

async function seed(fake: FakeGitHub): Promise<void> {
  const registry = registryOn(fake);
  for (const run of ['run-1', 'run-2', 'run-3']) {
    await registry.publish('penguins', recordingBuild('penguins', run).build, { runKey: run });
  }
  await registry.setAlias('penguins', 'production', 'v1', { actor: 'octocat', reason: 'first' });
}

function button(workflow: string, inputs: Record<string, string>): Promise<SimulatedRun> {
  runs++;
  return simulateWorkflow({
    workflow: `.github/workflows/${workflow}`,
    event: { name: 'workflow_dispatch', payload: { inputs } },
    inputs,
    repository,
    github: { repository: `${viaWorkflow.owner}/${viaWorkflow.repo}`, apiUrl: viaWorkflow.url, token: 'ghs_t' },
    artifacts,
    runId: `alias-${runs}`,
    standIns: { 'docker/login-action': async () => ({}) },
  });
}

function cli(args: string[], reason: string) {
  return registryCommand({
    configFile: 'conveyor.yml',
    args,
    reason,
    backend: 'github',
    log: () => {},
    cwd: repository,
    env: {
      GITHUB_TOKEN: 't',
      GITHUB_REPOSITORY: `${viaCli.owner}/${viaCli.repo}`,
      GITHUB_API_URL: viaCli.url,
      GITHUB_ACTOR: 'octocat',
    },
  });
}

/** The history without timestamps (the two registries move at different instants). */
async function state(fake: FakeGitHub) {
  const registry = registryOn(fake);
  const history = (await registry.history('penguins')).map(({ at: _at, ...change }) => change);
  return { aliases: await registry.aliases('penguins'), history };
}

beforeAll(async () => {
  viaWorkflow = await startFakeGitHub();
  viaCli = await startFakeGitHub();
  artifacts = await startFakeArtifactService();
  cpSync(join(REPOSITORY_ROOT, 'conveyor.yml'), join(repository, 'conveyor.yml'));
  await seed(viaWorkflow);
  await seed(viaCli);
});

afterAll(async () => {
  viaWorkflow.assertNoViolations();
  viaCli.assertNoViolations();
  await viaWorkflow.close();
  await viaCli.close();
  await artifacts.close();
  rmSync(repository, { recursive: true, force: true });
});

describe('promote and rollback buttons', { timeout: 120_000 }, () => {
  it('promote.yml moves the alias as `conveyor registry promote` does, behind the production environment', async () => {
    const run = await button('promote.yml', { version: 'v3', alias: 'production', reason: 'canary passed' });
    expect(run.conclusion).toBe('success');
    await cli(['promote', 'v3', 'production'], 'canary passed');
    expect(await state(viaWorkflow)).toEqual(await state(viaCli));
    expect((await state(viaWorkflow)).aliases).toEqual({ production: 3 });
    const step = run.jobs.promote!.steps.find((s) => s.action)!.action!;
    expect(step.summary).toContain('| production | v1 | v3 | octocat | canary passed |');
    expect(step.outputs).toMatchObject({ version: '3', from: '1', changed: 'true', image: '' });
    const workflow = parse(readFileSync(join(REPOSITORY_ROOT, '.github/workflows/promote.yml'), 'utf8'));
    expect(workflow.jobs.promote.environment).toBe('production');
  });

  it('rollback.yml steps the alias back as `conveyor registry rollback` does', async () => {
    const run = await button('rollback.yml', { alias: 'production', reason: 'latency regression' });
    expect(run.conclusion).toBe('success');
    await cli(['rollback', 'production'], 'latency regression');
    expect(await state(viaWorkflow)).toEqual(await state(viaCli));
    const after = await state(viaWorkflow);
    expect(after.aliases).toEqual({ production: 1 });
    expect(after.history.at(-1)).toEqual({
      alias: 'production',
      from: 3,
      to: 1,
      actor: 'octocat',
      reason: 'latency regression',
      action: 'rollback',
    });
    expect(run.jobs.rollback!.steps.find((s) => s.action)!.action!.summary).toContain(
      '| production | v3 | v1 | octocat | latency regression |',
    );
  });

  it('a rollback with nothing to go back to is a red run that changes nothing', async () => {
    const before = await state(viaWorkflow);
    const run = await button('rollback.yml', { alias: 'production', reason: 'again' });
    expect(run.conclusion).toBe('failure');
    expect(run.jobs.rollback!.steps.find((s) => s.action)!.action!.annotations[0]!.message).toMatch(
      /no earlier version to roll back to/,
    );
    expect(await state(viaWorkflow)).toEqual(before);
  });
});
