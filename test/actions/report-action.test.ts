/**
 * The report action run as the runner runs it (test/helpers/actions-runner.ts), after the pipeline action in an
 * earlier job, as in ct.yml: it downloads the newest run-folder artifact from the (fake) artifact service, writes
 * the report to the job summary, keeps one comment on the pull request (fake GitHub, checked against GitHub's
 * OpenAPI description), uploads the report as an artifact; with a read-only token it warns and succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STICKY_MARKER } from '../../src/report/index.ts';
import { runAction } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { makeWorkspace, type Workspace } from '../helpers/workspace.ts';

let service: FakeArtifactService;
let github: FakeGitHub;
let ws: Workspace;

beforeAll(async () => {
  service = await startFakeArtifactService();
  github = await startFakeGitHub();
  ws = makeWorkspace();
});

afterAll(async () => {
  ws.remove();
  await service.close();
  try {
    github.assertNoViolations();
  } finally {
    await github.close();
  }
});

describe('report action', { timeout: 240_000 }, () => {
  it('reports the run folder a pipeline job uploaded: summary, one pull-request comment, report artifact', async () => {
    const context = { repository: 'acme/ml', apiUrl: github.url, runId: '77' };
    const train = await runAction({
      action: './actions/pipeline',
      workspace: ws.dir,
      inputs: { stages: 'validate-data..export' },
      github: { ...context, job: 'train' },
      env: service.envFor('77', 'train'),
    });
    expect(train.exitCode).toBe(0);
    expect(train.outputs.artifact).toBe('conveyor-run-export');

    const pr = github.seedIssue({ title: 'New batch', pullRequest: true });
    const report = await runAction({
      action: './actions/report',
      workspace: ws.dir,
      inputs: { 'pr-comment': String(pr.number) },
      event: { name: 'pull_request', payload: { number: pr.number } },
      github: { ...context, job: 'report' },
      env: service.envFor('77', 'report'),
    });
    expect(report.stderr).not.toMatch(/Error/);
    expect(report.exitCode).toBe(0);
    expect(report.annotations).toEqual([]);
    expect(report.outputs).toMatchObject({ outcome: 'evaluated', artifact: 'conveyor-run-report' });
    expect(report.summary).toContain(': evaluated');
    expect(report.summary).toContain('### Candidate vs production');
    expect(pr.comments).toHaveLength(1);
    expect(pr.comments[0]!.body.startsWith(STICKY_MARKER)).toBe(true);
    expect(report.outputs['comment-url']).toContain(`/pull/${pr.number}#issuecomment-${pr.comments[0]!.id}`);
    const uploaded = service.artifacts.find((a) => a.name === 'conveyor-run-report');
    expect(uploaded?.finalized).toBe(true);

    // A fork's pull request: the token may not write; the step warns and succeeds, the summary has the report.
    github.inject({ kind: 'status', operationId: 'issues/create-comment', status: 403 });
    const fork = github.seedIssue({ title: 'From a fork', pullRequest: true });
    const forked = await runAction({
      action: './actions/report',
      workspace: ws.dir,
      inputs: { 'run-dir': report.outputs['run-dir']!, 'pr-comment': String(fork.number), upload: 'false' },
      github: { ...context, job: 'report-fork' },
    });
    expect(forked.exitCode).toBe(0);
    expect(forked.annotations).toEqual([
      expect.objectContaining({ level: 'warning', title: 'Report comment not posted' }),
    ]);
    expect(forked.summary).toContain('### Candidate vs production');
    expect(fork.comments).toHaveLength(0);
  });
});
