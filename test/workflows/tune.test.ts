/**
 * tune.yml's jobs run as the runner runs them (test/helpers/actions-runner.ts), the matrix expanded by hand into
 * one job per candidate, each its own job for the loopback artifact service: the prepare job plans the candidates
 * and uploads the prepared run folder; every candidate job trains on that same split and uploads its run folder;
 * the fan-in ranks them by the primary metric and sends the best through validate-model and register on the
 * loopback GitHub (Releases) registry. Also the plan's bound and the wiring of the workflow file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_TUNE_CANDIDATES, parseCandidates, rankCandidates } from '../../src/delivery/index.ts';
import { GitHubRegistry } from '../../src/registry/index.ts';
import { REPOSITORY_ROOT, type RunActionResult, runAction } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { makeWorkspace } from '../helpers/workspace.ts';

let github: FakeGitHub;
let artifacts: FakeArtifactService;
const RUN = 'tune-1';
// Deliberately different candidates: 1 tree cannot separate three species as well as 40 can.
const CANDIDATES = [{ n_trees: 1, max_depth: 1 }, { n_trees: 40 }, { n_trees: 3, learning_rate: 0.05 }];

async function job(id: string, action: string, inputs: Record<string, string>): Promise<RunActionResult> {
  const workspace = makeWorkspace();
  try {
    const result = await runAction({
      action: `./actions/${action}`,
      workspace: workspace.dir,
      inputs,
      event: { name: 'workflow_dispatch', payload: { inputs: {} } },
      github: {
        repository: `${github.owner}/${github.repo}`,
        apiUrl: github.url,
        token: 'ghs_tune',
        runId: RUN,
        job: id,
        workflow: '.github/workflows/tune.yml',
      },
      env: artifacts.envFor(RUN, id),
    });
    if (result.exitCode !== 0) throw new Error(`${id} ${action} failed:\n${result.stdout}\n${result.stderr}`);
    return result;
  } finally {
    workspace.remove();
  }
}

beforeAll(async () => {
  github = await startFakeGitHub();
  artifacts = await startFakeArtifactService();
});

afterAll(async () => {
  github.assertNoViolations();
  await github.close();
  await artifacts.close();
});

describe('tune', { timeout: 300_000 }, () => {
  it("fan-in picks the best of several matrix jobs' candidates and registers it", async () => {
    const plan = await job('prepare', 'tune-plan', { candidates: JSON.stringify(CANDIDATES) });
    expect(JSON.parse(plan.outputs.indices!)).toEqual([0, 1, 2]);
    await job('prepare', 'pipeline', { stages: 'validate-data..prepare', 'run-artifact': 'tune', registry: 'github' });

    const metrics: Record<string, number>[] = [];
    for (const index of [0, 1, 2]) {
      const trained = await job(`candidate-${index}`, 'tune-train', {
        candidates: plan.outputs.candidates!,
        index: String(index),
      });
      expect(trained.outputs.artifact).toBe(`tune-${index}-export`);
      metrics.push(JSON.parse(trained.outputs.metrics!));
    }
    // The same split for every candidate: the same holdout row count behind each evaluation.
    const best = metrics.map((m, i) => [m.macro_f1!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])[0]![1];
    expect(metrics[0]!.macro_f1).not.toBe(metrics[1]!.macro_f1);

    const rank = await job('best', 'tune-rank', { candidates: plan.outputs.candidates! });
    expect(rank.outputs['best-index']).toBe(String(best));
    expect(rank.outputs['best-artifact']).toBe(`tune-${best}`);
    expect(rank.outputs['primary-metric']).toBe('macro_f1');
    expect(rank.summary).toContain('| rank | candidate | macro_f1 | parameters |');
    expect(rank.summary).toContain(`Best: candidate ${best}`);

    const registered = await job('best', 'pipeline', {
      stages: 'validate-model..register',
      'run-artifact': rank.outputs['best-artifact']!,
      registry: 'github',
    });
    expect(registered.outputs.version).toBe('1');
    const registry = new GitHubRegistry({ owner: github.owner, repo: github.repo, token: 't', baseUrl: github.url });
    const card = (await registry.resolve('penguins', 'v1')).card as unknown as {
      trainer: { params: Record<string, unknown> };
    };
    expect(card.trainer.params).toMatchObject(CANDIDATES[best]!);
  });

  it('bounds the candidates and refuses parameters the trainer does not know', async () => {
    const many = JSON.stringify(Array.from({ length: MAX_TUNE_CANDIDATES + 1 }, () => ({ n_trees: 5 })));
    expect(() => parseCandidates(many, 'input')).toThrow(`at most ${MAX_TUNE_CANDIDATES} per tune run`);
    expect(() => parseCandidates('[]', 'input')).toThrow('non-empty array');
    expect(() => parseCandidates('[{"n_trees": [1]}]', 'input')).toThrow('candidate 0: n_trees must be');
    const ranked = rankCandidates(
      [
        { index: 0, params: {}, metrics: { rmse: 2 }, source: 'a' },
        { index: 1, params: {}, metrics: { rmse: null }, source: 'b' },
        { index: 2, params: {}, metrics: { rmse: 1 }, source: 'c' },
        { index: 3, params: {}, metrics: { rmse: 1 }, source: 'd' },
      ],
      'rmse',
    );
    expect(ranked.map((r) => r.index)).toEqual([2, 3, 0, 1]); // lower is better; ties keep order; missing last
  });

  it('tune.yml fans out over a bounded matrix on one prepared split, fans in to validate and register, then delivers', () => {
    const workflow = parse(readFileSync(join(REPOSITORY_ROOT, '.github/workflows/tune.yml'), 'utf8'));
    const candidate = workflow.jobs.candidate;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template
    expect(candidate.strategy.matrix.index).toBe('${{ fromJSON(needs.prepare.outputs.indices) }}');
    expect(candidate.strategy['max-parallel']).toBeLessThanOrEqual(MAX_TUNE_CANDIDATES);
    expect(candidate.strategy['fail-fast']).toBe(false);
    expect(workflow.jobs.best.needs).toEqual(['prepare', 'candidate']);
    const pipelineSteps = workflow.jobs.best.steps.filter((s: { uses?: string }) => s.uses === './actions/pipeline');
    expect(pipelineSteps[0].with.stages).toBe('validate-model..register');
    // No alias moves at register; the best is delivered by cd as CT's versions are.
    expect(pipelineSteps[0].with.promote).toBe('none');
    expect(workflow.jobs.deliver).toMatchObject({ needs: 'best', uses: './.github/workflows/cd.yml' });
    expect(workflow.jobs.best.permissions).toEqual({ contents: 'write' });
    expect(candidate.permissions).toEqual({ contents: 'read' });
  });
});
