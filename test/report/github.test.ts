/**
 * `conveyor report` in a workflow, against the loopback fake of GitHub's REST API (checked against GitHub's
 * OpenAPI description): the pull request's report comment is created once and then edited (one comment, found
 * by its hidden marker, other comments untouched), a read-only token (a fork's pull request) leaves the report
 * in the job summary without failing, and report.html is attached to the release a run registered.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCli } from '../../src/cli/report-command.ts';
import { STICKY_MARKER } from '../../src/report/index.ts';
import { type FakeGitHub, type FakeIssue, startFakeGitHub } from '../helpers/fake-github.ts';
import { type ScratchRepo, scratchRepo } from './scratch-repo.ts';

let repo: ScratchRepo;
let fake: FakeGitHub;
let summary: string;
let fork: FakeIssue;

/** The parts of `conveyor report --json` these tests read. */
interface ReportDoc {
  readonly comment?: { readonly action: string; readonly id?: number; readonly url?: string };
  readonly release_asset?: string | null;
}

/** Run `conveyor report` (its CLI adapter, in this process) with a workflow step's environment. */
async function report(args: string[]): Promise<{ code: number; doc: ReportDoc; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await reportCli(
    ['report', ...args, '--json'],
    { print: (line) => out.push(line), error: (line) => err.push(line) },
    {
      GITHUB_API_URL: fake.url,
      GITHUB_REPOSITORY: 'acme/ml',
      GITHUB_TOKEN: 'ghs_test',
      GITHUB_STEP_SUMMARY: summary,
    },
  );
  return { code, doc: JSON.parse(out.join('\n') || '{}'), stderr: err.join('\n') };
}

beforeAll(async () => {
  repo = scratchRepo();
  fake = await startFakeGitHub();
  summary = join(mkdtempSync(join(tmpdir(), 'conveyor-summary-')), 'summary.md');
}, 30_000);

afterAll(async () => {
  try {
    fake.assertNoViolations();
  } finally {
    await fake.close();
    repo.remove();
  }
});

describe('pull-request report comment', () => {
  it('is created once, then edited on the next push; other comments stay', async () => {
    // The PR dry run: train and evaluate, never register.
    const push1 = await repo.run('push1', {}, { skipRegister: true });
    expect(push1.error).toBeUndefined();
    const pr = fake.seedIssue({ title: 'More data', pullRequest: true });
    fork = fake.seedIssue({ title: 'From a fork', pullRequest: true });
    const at = '2026-12-01T00:00:00Z';
    pr.comments.push({ id: 9000, issueNumber: pr.number, body: 'LGTM', createdAt: at, updatedAt: at });

    const first = await report(['--run', push1.dir, '--pr-comment', String(pr.number), '--summary']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.doc.comment).toMatchObject({ action: 'created' });
    const mine = () => pr.comments.filter((c) => c.body.startsWith(STICKY_MARKER));
    expect(mine()).toHaveLength(1);
    const evaluation = JSON.parse(readFileSync(join(push1.dir, 'evaluation/evaluation.json'), 'utf8'));
    expect(mine()[0]!.body).toContain(`| **macro_f1** ↑ | ${evaluation.metrics.macro_f1.toFixed(4)} |`);
    expect(mine()[0]!.body).toContain(': evaluated');

    const push2 = await repo.run('push2', { trainer: { algorithm: 'linear', params: {} } }, { skipRegister: true });
    const second = await report(['--run', push2.dir, '--pr-comment', String(pr.number)]);
    expect(second.code).toBe(0);
    expect(second.doc.comment).toMatchObject({ action: 'updated', id: first.doc.comment!.id });
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.body).toContain('run push2');
    expect(pr.comments.find((c) => c.id === 9000)!.body).toBe('LGTM');

    const again = await report(['--run', push2.dir, '--pr-comment', String(pr.number)]);
    expect(again.doc.comment).toMatchObject({ action: 'unchanged' });
    expect(fake.count('issues/create-comment')).toBe(1);
    expect(fake.count('issues/update-comment')).toBe(1);

    // The job summary holds the same report.
    expect(readFileSync(summary, 'utf8')).toContain(`| **macro_f1** ↑ | ${evaluation.metrics.macro_f1.toFixed(4)} |`);
  }, 60_000);

  it("on a fork's pull request (read-only token) warns, writes the summary and does not fail", async () => {
    fake.inject({ kind: 'status', operationId: 'issues/create-comment', status: 403 });
    const before = readFileSync(summary, 'utf8').length;
    const result = await report([
      '--run',
      join(repo.dir, 'runs/push2'),
      '--pr-comment',
      String(fork.number),
      '--summary',
    ]);
    expect(result.code).toBe(0);
    expect(result.doc.comment).toMatchObject({ action: 'forbidden' });
    expect(result.stderr).toMatch(/^::warning title=Report comment not posted::/);
    expect(fork.comments).toHaveLength(0);
    expect(readFileSync(summary, 'utf8').length).toBeGreaterThan(before);
  });

  it('attaches report.html to the release of the version the run registered on GitHub', async () => {
    const githubEnv = { GITHUB_TOKEN: 'ghs_test', GITHUB_REPOSITORY: 'acme/ml', GITHUB_API_URL: fake.url };
    const registered = await repo.run('release', { registry: { backend: 'github' } }, { env: githubEnv });
    expect(registered.error).toBeUndefined();
    const result = await report(['--run', registered.dir, '--attach-release']);
    expect(result.code).toBe(0);
    const release = fake.published().find((r) => r.tagName === 'penguins/v1')!;
    const asset = release.assets.find((a) => a.name === 'report.html')!;
    expect(asset.bytes.toString('utf8')).toBe(readFileSync(join(registered.dir, 'report/report.html'), 'utf8'));
    expect(result.doc.release_asset).toContain('/releases/download/penguins/v1/report.html');
    // Again (a re-run): the asset is replaced, not duplicated.
    expect((await report(['--run', registered.dir, '--attach-release'])).code).toBe(0);
    expect(release.assets.filter((a) => a.name === 'report.html')).toHaveLength(1);

    // The registry site from the GitHub registry: the version is listed, and its page links the release.
    const out = join(repo.dir, 'site');
    const io = { print: () => {}, error: (line: string) => expect.fail(line) };
    const args = ['site', out, '--registry', 'github', '--config', join(repo.dir, 'release.yml')];
    expect(await reportCli(args, io, githubEnv)).toBe(0);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('href="penguins/v1.html"');
    expect(readFileSync(join(out, 'penguins/v1.html'), 'utf8')).toContain(
      `href="${fake.url}/acme/ml/releases/tag/penguins/v1"`,
    );
  }, 60_000);
});
