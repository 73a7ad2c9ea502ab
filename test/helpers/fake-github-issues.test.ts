/**
 * The fake GitHub's issue and comment endpoints (the monitor's "Model health" issue, the report's sticky PR
 * comment), driven through Octokit so that every request and response is checked against GitHub's OpenAPI
 * description.
 */
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github.ts';

let fake: FakeGitHub;
let octokit: ReturnType<typeof getOctokit>;
let clock = Date.parse('2026-12-01T00:00:00Z');

beforeEach(async () => {
  fake = await startFakeGitHub({ now: () => new Date((clock += 1000)) });
  octokit = getOctokit('test-token', { baseUrl: fake.url });
});

afterEach(async () => {
  try {
    fake.assertNoViolations();
  } finally {
    await fake.close();
  }
});

describe('fake GitHub issues', () => {
  it('creates, lists by label and state, gets and updates issues; unknown labels are created', async () => {
    const repo = { owner: fake.owner, repo: fake.repo };
    const created = await octokit.rest.issues.create({
      ...repo,
      title: 'Model health: penguins',
      body: 'first',
      labels: ['model-health'],
    });
    expect(created.status).toBe(201);
    expect(created.data.number).toBe(1);
    expect(created.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['model-health']);
    expect([...fake.labels.keys()]).toEqual(['model-health']);
    await octokit.rest.issues.create({ ...repo, title: 'unrelated' });

    const labelled = await octokit.rest.issues.listForRepo({ ...repo, labels: 'model-health' });
    expect(labelled.data.map((i) => i.title)).toEqual(['Model health: penguins']);
    const all = await octokit.rest.issues.listForRepo({ ...repo });
    expect(all.data.map((i) => i.number)).toEqual([2, 1]); // newest first

    const updated = await octokit.rest.issues.update({ ...repo, issue_number: 1, body: 'second', state: 'closed' });
    expect(updated.data.body).toBe('second');
    expect(updated.data.state).toBe('closed');
    expect(updated.data.closed_at).not.toBeNull();
    expect((await octokit.rest.issues.listForRepo({ ...repo, labels: 'model-health' })).data).toEqual([]);
    const closed = await octokit.rest.issues.listForRepo({ ...repo, labels: 'model-health', state: 'all' });
    expect(closed.data.map((i) => i.number)).toEqual([1]);

    const reopened = await octokit.rest.issues.update({ ...repo, issue_number: 1, state: 'open' });
    expect(reopened.data.state_reason).toBe('reopened');
    expect((await octokit.rest.issues.get({ ...repo, issue_number: 1 })).data.body).toBe('second');
    await expect(octokit.rest.issues.get({ ...repo, issue_number: 99 })).rejects.toMatchObject({ status: 404 });
  });

  it('keeps comments on pull requests, lists them oldest first, pages them and edits them', async () => {
    const repo = { owner: fake.owner, repo: fake.repo };
    const pull = fake.seedIssue({ title: 'Add features', pullRequest: true });
    const first = await octokit.rest.issues.createComment({ ...repo, issue_number: pull.number, body: 'report v1' });
    expect(first.status).toBe(201);
    expect(first.data.html_url).toContain(`/pull/${pull.number}#issuecomment-`);
    for (let i = 0; i < 3; i++)
      await octokit.rest.issues.createComment({ ...repo, issue_number: pull.number, body: `n${i}` });

    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: pull.number,
      per_page: 2,
    });
    expect(comments.map((c) => c.body)).toEqual(['report v1', 'n0', 'n1', 'n2']);

    const edited = await octokit.rest.issues.updateComment({ ...repo, comment_id: first.data.id, body: 'report v2' });
    expect(edited.data.body).toBe('report v2');
    expect(fake.issues[0]!.comments[0]!.body).toBe('report v2');
    expect((await octokit.rest.issues.listForRepo({ ...repo })).data[0]!.pull_request).toBeDefined();
    await expect(octokit.rest.issues.updateComment({ ...repo, comment_id: 12345, body: 'x' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('answers a create without a title with 422 and records the contract violation', async () => {
    const creating = octokit.request({
      method: 'POST',
      url: '/repos/{owner}/{repo}/issues',
      owner: fake.owner,
      repo: fake.repo,
      body: 'no title',
    });
    await expect(creating).rejects.toMatchObject({ status: 422 });
    expect(fake.violations.join('\n')).toMatch(/title/);
    fake.violations.length = 0;
  });
});
