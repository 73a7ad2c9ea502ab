/** The fake GitHub server itself: it must enforce GitHub's published contract, or the registry tests prove little. */
import { readFileSync, statSync } from 'node:fs';
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONVEYOR_OPERATIONS } from '../../scripts/trim-openapi.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { GITHUB_RELEASES_SPEC, OpenApiContract } from '../helpers/openapi-contract.ts';

let fake: FakeGitHub;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  fake = await startFakeGitHub();
  octokit = getOctokit('test-token', { baseUrl: fake.url });
});

afterEach(async () => {
  try {
    fake.assertNoViolations();
  } finally {
    await fake.close();
  }
});

describe('trimmed OpenAPI description', () => {
  it('holds exactly the operations Conveyor uses, with every $ref resolvable, well under 1 MB', () => {
    expect(statSync(GITHUB_RELEASES_SPEC).size).toBeLessThan(200 * 1024);
    const spec = JSON.parse(readFileSync(GITHUB_RELEASES_SPEC, 'utf8'));
    expect(spec.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(spec.info['x-trimmed-from']).toMatch(/^@octokit\/openapi@\d+\.\d+\.\d+ generated\/api\.github\.com\.json$/);
    const contract = new OpenApiContract();
    expect(contract.operations.map((op) => op.id).sort()).toEqual([...CONVEYOR_OPERATIONS].sort());
    const refs = JSON.stringify(spec).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const [, , kind, name] = ref.slice(8, -1).split('/');
      expect(spec.components[kind]?.[name], ref).toBeDefined();
    }
  });

  it('rejects a response that does not follow the schema', () => {
    const contract = new OpenApiContract();
    const getRelease = contract.operations.find((op) => op.id === 'repos/get-release')!;
    const body = Buffer.from(JSON.stringify({ id: 1, tag_name: 'x' }));
    const problems = contract.checkResponse(getRelease, 200, { contentType: 'application/json', body });
    expect(problems.join('\n')).toMatch(/must have required property 'assets_url'/);
    expect(contract.checkResponse(getRelease, 201, { body: Buffer.alloc(0) })).toEqual([
      'repos/get-release: status 201 is not declared',
    ]);
  });
});

describe('fake GitHub server', () => {
  it('reports requests that break the contract and answers them with 422', async () => {
    // Untyped form: the body deliberately lacks tag_name and has a string where a boolean belongs.
    const creating = octokit.request({
      method: 'POST',
      url: '/repos/{owner}/{repo}/releases',
      owner: fake.owner,
      repo: fake.repo,
      name: 'no tag',
      draft: 'yes',
    });
    await expect(creating).rejects.toMatchObject({ status: 422 });
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: fake.owner, repo: fake.repo }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(fake.violations).toEqual([
      "POST /repos/acme/ml/releases: repos/create-release request: body must have required property 'tag_name', " +
        'body/draft must be boolean',
      'no operation in the OpenAPI description serves GET /repos/acme/ml/pulls',
    ]);
    expect(() => fake.assertNoViolations()).toThrow(/2 contract violation/);
    fake.violations.length = 0;
  });

  it('pages lists with Link headers', async () => {
    for (let i = 1; i <= 150; i++) fake.seedRelease({ tag: `bulk/v${i}` });
    const all = await octokit.paginate(octokit.rest.repos.listReleases, {
      owner: fake.owner,
      repo: fake.repo,
      per_page: 100,
    });
    expect(all).toHaveLength(150);
    expect(fake.count('repos/list-releases')).toBe(2);
  });

  it('records repository dispatches', async () => {
    const response = await octokit.rest.repos.createDispatchEvent({
      owner: fake.owner,
      repo: fake.repo,
      event_type: 'model-registered',
      client_payload: { model: 'penguins', version: 3 },
    });
    expect(response.status).toBe(204);
    expect(fake.dispatches).toEqual([
      { eventType: 'model-registered', clientPayload: { model: 'penguins', version: 3 } },
    ]);
  });

  it('keeps drafts tagless and refuses a second published release for a tag', async () => {
    const params = { owner: fake.owner, repo: fake.repo, tag_name: 'm/v1' };
    const d1 = await octokit.rest.repos.createRelease({ ...params, draft: true });
    const d2 = await octokit.rest.repos.createRelease({ ...params, draft: true });
    expect(fake.tags.has('m/v1')).toBe(false);
    await octokit.rest.repos.updateRelease({
      owner: fake.owner,
      repo: fake.repo,
      release_id: d1.data.id,
      draft: false,
    });
    expect(fake.tags.has('m/v1')).toBe(true);
    await expect(
      octokit.rest.repos.updateRelease({ owner: fake.owner, repo: fake.repo, release_id: d2.data.id, draft: false }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ code: 'already_exists', field: 'tag_name' }] } },
    });
    await expect(octokit.rest.repos.createRelease(params)).rejects.toMatchObject({ status: 422 });
  });
});
