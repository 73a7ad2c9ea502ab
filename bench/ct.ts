/**
 * Continuous training's own share of "git push of a data batch → registered release": the CT workflow simulated
 * from .github/workflows/ct.yml exactly as test/workflows/ct.test.ts runs it (each job's pipeline step a `node main`
 * process through the runner harness, the run folder between jobs through @actions/artifact and a loopback artifact
 * service, the release on the loopback GitHub server), seconds per job. Baseline measured in the same run: the same
 * pipeline as one process (`conveyor pipeline`, local registry), so the ratio is the cost of splitting CT into four
 * re-runnable jobs. Plus `npm ci` on a warm npm cache (what setup-node's cache restores), in a copy of the project.
 *
 * npx tsx bench/ct.ts    (RUNS=3 by default: median of each)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../test/helpers/actions-runner.ts';
import { startFakeArtifactService } from '../test/helpers/fake-artifact-service.ts';
import { startFakeGitHub } from '../test/helpers/fake-github.ts';
import { simulateWorkflow } from '../test/helpers/workflow-simulator.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function repositoryCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-ct-'));
  cpSync(join(REPOSITORY_ROOT, 'conveyor.yml'), join(dir, 'conveyor.yml'));
  cpSync(join(REPOSITORY_ROOT, 'data'), join(dir, 'data'), { recursive: true });
  return dir;
}

async function ctOnce(run: number): Promise<Record<string, number>> {
  const github = await startFakeGitHub();
  const artifacts = await startFakeArtifactService();
  const repository = repositoryCopy();
  try {
    const result = await simulateWorkflow({
      workflow: '.github/workflows/ct.yml',
      event: { name: 'push', payload: { head_commit: { id: 'c'.repeat(40), message: 'Add batch' } } },
      repository,
      github: { repository: `${github.owner}/${github.repo}`, apiUrl: github.url, token: 'ghs_bench' },
      artifacts,
      runId: `bench-${run}`,
    });
    if (result.conclusion !== 'success') throw new Error(`CT run ${run} failed: ${JSON.stringify(result.jobs)}`);
    return Object.fromEntries(Object.entries(result.jobs).map(([id, job]) => [id, job.seconds]));
  } finally {
    await github.close();
    await artifacts.close();
    rmSync(repository, { recursive: true, force: true });
  }
}

function pipelineOnce(): number {
  const repository = repositoryCopy();
  try {
    const started = performance.now();
    const child = spawnSync(process.execPath, [join(REPOSITORY_ROOT, 'bin/conveyor.js'), 'pipeline', '--json'], {
      cwd: repository,
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`conveyor pipeline failed: ${child.stdout}${child.stderr}`);
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(repository, { recursive: true, force: true });
  }
}

function npmCiWarm(): number {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-npmci-'));
  try {
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      cpSync(join(REPOSITORY_ROOT, file), join(dir, file));
    const started = performance.now();
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      stdio: 'ignore',
    });
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const jobs: Record<string, number[]> = {};
const totals: number[] = [];
const pipelines: number[] = [];
const npmCi: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const perJob = await ctOnce(run);
  for (const [id, seconds] of Object.entries(perJob)) (jobs[id] ??= []).push(seconds);
  totals.push(Object.values(perJob).reduce((a, b) => a + b, 0));
  pipelines.push(pipelineOnce());
  npmCi.push(npmCiWarm());
  console.error(`run ${run}/${RUNS} done`);
}

console.log(
  `${new Date().toISOString().slice(0, 10)} · ${cpus().length} vCPU, Node ${process.version} · median of ${RUNS} · load average ${loadavg()[0]!.toFixed(1)}\n`,
);
console.log('| CT job (pipeline step, excluding checkout/setup-node/npm ci) | s |');
console.log('| --- | ---: |');
for (const [id, values] of Object.entries(jobs)) console.log(`| ${id} | ${median(values).toFixed(1)} |`);
console.log(`| **all four jobs** | **${median(totals).toFixed(1)}** |`);
console.log(`| baseline: \`conveyor pipeline\` in one process | ${median(pipelines).toFixed(1)} |`);
console.log(`| \`npm ci\` on a warm npm cache | ${median(npmCi).toFixed(1)} |`);
console.log(`\nfour jobs ÷ one process: ${(median(totals) / median(pipelines)).toFixed(2)}`);
