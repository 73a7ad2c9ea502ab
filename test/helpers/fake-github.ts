/**
 * A local stand-in for the GitHub REST API, limited to the operations in test/openapi/github-releases.json
 * (releases, release assets, matching tag refs, repository dispatch, issues and issue comments). State lives in
 * memory. Every request and
 * every response is checked against GitHub's OpenAPI description (openapi-contract.ts); violations are collected
 * and `assertNoViolations()` throws with all of them.
 *
 * It follows GitHub's observable rules where Conveyor depends on them: drafts create no tag and may share a tag
 * name; creating or publishing a release for a tag that already has a published release is 422 already_exists;
 * publishing creates the tag (a tag outlives its release); asset names are unique per release (422); an upload
 * that breaks midway leaves an asset in state "open"; asset downloads redirect (302) to a storage URL. Issues and
 * pull requests share one number sequence and pull requests are listed among issues (with `pull_request`); labels
 * named on an issue that the repository does not have yet are created; `labels=` filters need every label named;
 * comments on issues and pull requests go through the issue endpoints.
 *
 * Faults: an operation answering a status (e.g. 500) N times, a secondary rate limit (403 + Retry-After), an
 * upload that breaks midway, an upload whose response is lost, an upload stored corrupted, and hooks that run
 * before an operation (to stage races).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiContract, type OperationSpec } from './openapi-contract.ts';

export interface FakeAsset {
  id: number;
  name: string;
  state: 'uploaded' | 'open';
  contentType: string;
  bytes: Buffer;
  /** `sha256:<hex>` of the stored bytes, or null (assets from before GitHub computed digests). */
  digest: string | null;
  createdAt: string;
}

export interface FakeRelease {
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
  publishedAt: string | null;
  assets: FakeAsset[];
}

export interface FakeComment {
  readonly id: number;
  readonly issueNumber: number;
  body: string;
  readonly createdAt: string;
  updatedAt: string;
}

export interface FakeIssue {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'reopened' | 'not_planned' | 'duplicate' | null;
  /** Label names, in the order given. */
  labels: string[];
  /** A pull request (GitHub lists them among issues). */
  readonly pullRequest: boolean;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly comments: FakeComment[];
}

export type Fault =
  /** The operation answers `status` (GitHub's error body) `times` times (default 1). */
  | { kind: 'status'; operationId: string; status: number; times?: number }
  /** A secondary rate limit: 403 (or 429) with Retry-After, for one operation or any. */
  | { kind: 'rate-limit'; operationId?: string; retryAfterSeconds: number; status?: 403 | 429; times?: number }
  /** Uploads of asset `asset` break midway: an "open" asset stays behind and the connection drops. */
  | { kind: 'upload-midway'; asset: string; times?: number }
  /** Uploads of asset `asset` are stored completely, but the connection drops before the response. */
  | { kind: 'upload-response-lost'; asset: string; times?: number }
  /** Uploads of asset `asset` are stored with one byte flipped (same size). */
  | { kind: 'corrupt-upload'; asset: string; times?: number };

export interface FakeGitHubOptions {
  readonly owner?: string;
  readonly repo?: string;
  /** Report asset digests (GitHub does for uploads since 2025). Default true. */
  readonly digests?: boolean;
  /** Clock for created_at/published_at. Default: the system clock. */
  readonly now?: () => Date;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly status: number;
}

/** Branch heads the fake knows; any 40-hex string is accepted as a commit too. */
const DEFAULT_BRANCH = 'main';
const MAIN_SHA = 'a'.repeat(40);

let contract: OpenApiContract | undefined;

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  contract ??= new OpenApiContract();
  const fake = new FakeGitHub(contract, options);
  await fake.listen();
  return fake;
}

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly releases: FakeRelease[] = [];
  /** tag name → commit sha. */
  readonly tags = new Map<string, string>();
  readonly dispatches: { eventType: string; clientPayload: unknown }[] = [];
  readonly issues: FakeIssue[] = [];
  /** Repository labels by name (GitHub creates a label named on an issue when the repository lacks it). */
  readonly labels = new Map<string, { id: number; color: string }>();
  readonly requests: LoggedRequest[] = [];
  readonly violations: string[] = [];
  url = '';
  private readonly server: Server;
  private readonly faults: (Fault & { left: number })[] = [];
  private readonly hooks: { operationId: string; run: () => void | Promise<void> }[] = [];
  private readonly now: () => Date;
  private nextId = 1;
  private nextIssueNumber = 1;

  private readonly contract: OpenApiContract;
  private readonly options: FakeGitHubOptions;

  constructor(contract: OpenApiContract, options: FakeGitHubOptions) {
    this.contract = contract;
    this.options = options;
    this.owner = options.owner ?? 'acme';
    this.repo = options.repo ?? 'ml';
    this.now = options.now ?? (() => new Date());
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        this.violations.push(`fake-github crashed on ${req.method} ${req.url}: ${error.stack ?? error.message}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  /** The version of GitHub's OpenAPI description the contract was cut from. */
  get specVersion(): string {
    return this.contract.version;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Throw when any request or response broke the OpenAPI contract. */
  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(
        `fake GitHub saw ${this.violations.length} contract violation(s):\n${this.violations.join('\n')}`,
      );
    }
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Run `hook` once, just before the next request of `operationId` is handled. */
  before(operationId: string, hook: () => void | Promise<void>): void {
    this.hooks.push({ operationId, run: hook });
  }

  /** Requests served for `operationId` (all statuses). */
  count(operationId: string): number {
    return this.requests.filter((r) => r.operationId === operationId).length;
  }

  /** Published (non-draft) releases. */
  published(): FakeRelease[] {
    return this.releases.filter((r) => !r.draft);
  }

  /** Add a release as if made by hand (or by another client); a published one creates its tag. */
  seedRelease(seed: {
    tag: string;
    name?: string;
    body?: string;
    draft?: boolean;
    createdAt?: string;
    assets?: Record<string, Uint8Array | string>;
  }): FakeRelease {
    const at = seed.createdAt ?? this.now().toISOString();
    const release: FakeRelease = {
      id: this.nextId++,
      tagName: seed.tag,
      targetCommitish: DEFAULT_BRANCH,
      name: seed.name ?? seed.tag,
      body: seed.body ?? null,
      draft: seed.draft ?? false,
      prerelease: false,
      createdAt: at,
      publishedAt: seed.draft ? null : at,
      assets: [],
    };
    for (const [name, content] of Object.entries(seed.assets ?? {})) {
      release.assets.push(this.newAsset(name, Buffer.from(content), 'uploaded'));
    }
    if (!release.draft && !this.tags.has(seed.tag)) this.tags.set(seed.tag, MAIN_SHA);
    this.releases.push(release);
    return release;
  }

  /** Add an issue or a pull request as if made by hand (a pull request to comment on, an issue to find). */
  seedIssue(seed: {
    title: string;
    body?: string;
    labels?: string[];
    pullRequest?: boolean;
    state?: 'open' | 'closed';
  }): FakeIssue {
    const issue = this.newIssue(seed.title, seed.body ?? null, seed.labels ?? [], seed.pullRequest ?? false);
    if (seed.state === 'closed') this.setIssueState(issue, 'closed', 'completed');
    return issue;
  }

  /** Flip one byte of a stored asset (storage corruption after upload; size and reported digest unchanged). */
  corruptStoredAsset(tag: string, assetName: string): void {
    const release = this.releases.find((r) => r.tagName === tag && !r.draft);
    const asset = release?.assets.find((a) => a.name === assetName);
    if (!asset) throw new Error(`fake-github: no asset ${assetName} in release ${tag}`);
    asset.bytes = flipped(asset.bytes);
  }

  // --- HTTP ------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (req.method === 'GET' && url.pathname.startsWith('/_storage/')) {
      this.serveStorage(url, res);
      return;
    }
    const uploads = url.pathname.startsWith('/uploads/');
    const path = uploads ? url.pathname.slice('/uploads'.length) : url.pathname;
    const matched = this.contract.match(req.method ?? 'GET', path, uploads);
    if (!matched) {
      this.violations.push(`no operation in the OpenAPI description serves ${req.method} ${url.pathname}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const { operation, params } = matched;
    const contentType = req.headers['content-type'];
    const problems = this.contract.checkRequest(operation, params, url.searchParams, { contentType, body });
    const ctx: Context = { req, res, url, operation, params, body, logged: false };
    if (problems.length > 0) {
      this.violations.push(...problems.map((p) => `${req.method} ${url.pathname}: ${p}`));
      this.error(ctx, 422, `fake-github: request does not match the OpenAPI description: ${problems.join('; ')}`);
      return;
    }
    if (params.owner !== this.owner || params.repo !== this.repo) {
      this.error(ctx, 404, 'Not Found');
      return;
    }
    const hookIndex = this.hooks.findIndex((h) => h.operationId === operation.id);
    if (hookIndex >= 0) await this.hooks.splice(hookIndex, 1)[0].run();
    if (this.injectedFault(ctx)) return;
    await this.route(ctx);
  }

  private injectedFault(ctx: Context): boolean {
    const id = ctx.operation.id;
    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        ((f.kind === 'status' && f.operationId === id) ||
          (f.kind === 'rate-limit' && (f.operationId === undefined || f.operationId === id))),
    );
    if (!fault) return false;
    fault.left--;
    if (fault.kind === 'status') {
      this.error(ctx, fault.status, fault.status >= 500 ? 'Server Error' : 'Injected error');
    } else if (fault.kind === 'rate-limit') {
      this.error(
        ctx,
        fault.status ?? 403,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    }
    return true;
  }

  private takeFault(kind: 'upload-midway' | 'upload-response-lost' | 'corrupt-upload', asset: string): boolean {
    const fault = this.faults.find((f) => f.left > 0 && f.kind === kind && f.asset === asset);
    if (!fault) return false;
    fault.left--;
    return true;
  }

  private async route(ctx: Context): Promise<void> {
    const { params, url } = ctx;
    const json = () => JSON.parse(ctx.body.toString('utf8') || '{}') as Record<string, unknown>;
    switch (ctx.operation.id) {
      case 'repos/list-releases': {
        const sorted = [...this.releases].sort((a, b) => b.id - a.id); // newest first, like GitHub
        this.page(
          ctx,
          sorted.map((r) => this.releaseJson(r)),
        );
        return;
      }
      case 'repos/create-release':
        this.createRelease(ctx, json());
        return;
      case 'repos/get-release': {
        const release = this.releaseById(params.release_id);
        if (!release) return this.error(ctx, 404, 'Not Found');
        return this.send(ctx, 200, this.releaseJson(release));
      }
      case 'repos/get-release-by-tag': {
        const release = this.releases.find((r) => r.tagName === params.tag && !r.draft);
        if (!release) return this.error(ctx, 404, 'Not Found');
        return this.send(ctx, 200, this.releaseJson(release));
      }
      case 'repos/update-release':
        this.updateRelease(ctx, json());
        return;
      case 'repos/delete-release': {
        const index = this.releases.findIndex((r) => String(r.id) === params.release_id);
        if (index < 0) return this.error(ctx, 404, 'Not Found');
        this.releases.splice(index, 1); // its assets go with it; its tag stays, as on GitHub
        return this.send(ctx, 204);
      }
      case 'repos/list-release-assets': {
        const release = this.releaseById(params.release_id);
        if (!release) return this.error(ctx, 404, 'Not Found');
        this.page(
          ctx,
          release.assets.map((a) => this.assetJson(a)),
        );
        return;
      }
      case 'repos/upload-release-asset':
        this.uploadAsset(ctx);
        return;
      case 'repos/get-release-asset': {
        const asset = this.assetById(params.asset_id);
        if (!asset) return this.error(ctx, 404, 'Not Found');
        if ((ctx.req.headers.accept ?? '').includes('application/octet-stream')) {
          return this.send(ctx, 302, undefined, { location: `${this.url}/_storage/${asset.id}?sig=fake` });
        }
        return this.send(ctx, 200, this.assetJson(asset));
      }
      case 'repos/delete-release-asset': {
        for (const release of this.releases) {
          const index = release.assets.findIndex((a) => String(a.id) === params.asset_id);
          if (index >= 0) {
            release.assets.splice(index, 1);
            return this.send(ctx, 204);
          }
        }
        return this.error(ctx, 404, 'Not Found');
      }
      case 'git/list-matching-refs': {
        const prefix = `refs/${params.ref}`;
        const refs = [...this.tags]
          .map(([tag, sha]) => ({ ref: `refs/tags/${tag}`, sha }))
          .filter((r) => r.ref.startsWith(prefix))
          .sort((a, b) => a.ref.localeCompare(b.ref))
          .map((r) => ({
            ref: r.ref,
            node_id: `REF_${Buffer.from(r.ref).toString('base64url')}`,
            url: `${this.url}/repos/${this.owner}/${this.repo}/git/${r.ref}`,
            object: {
              type: 'commit',
              sha: r.sha,
              url: `${this.url}/repos/${this.owner}/${this.repo}/git/commits/${r.sha}`,
            },
          }));
        this.page(ctx, refs);
        return;
      }
      case 'repos/create-dispatch-event': {
        const body = json();
        this.dispatches.push({ eventType: body.event_type as string, clientPayload: body.client_payload });
        return this.send(ctx, 204);
      }
      case 'issues/list-for-repo':
        this.page(
          ctx,
          this.listIssues(url.searchParams).map((i) => this.issueJson(i)),
        );
        return;
      case 'issues/create': {
        const body = json();
        const issue = this.newIssue(
          String(body.title),
          (body.body as string | undefined) ?? null,
          labelNames(body.labels),
          false,
        );
        return this.send(ctx, 201, this.issueJson(issue), { location: this.issueJson(issue).url as string });
      }
      case 'issues/get': {
        const issue = this.issueByNumber(params.issue_number);
        if (!issue) return this.error(ctx, 404, 'Not Found');
        return this.send(ctx, 200, this.issueJson(issue));
      }
      case 'issues/update':
        this.updateIssue(ctx, json());
        return;
      case 'issues/list-comments': {
        const issue = this.issueByNumber(params.issue_number);
        if (!issue) return this.error(ctx, 404, 'Not Found');
        const since = url.searchParams.get('since');
        const comments = issue.comments.filter((c) => since === null || c.updatedAt >= since);
        this.page(
          ctx,
          comments.map((c) => this.commentJson(c)),
        );
        return;
      }
      case 'issues/create-comment': {
        const issue = this.issueByNumber(params.issue_number);
        if (!issue) return this.error(ctx, 404, 'Not Found');
        const at = this.now().toISOString();
        const comment: FakeComment = {
          id: this.nextId++,
          issueNumber: issue.number,
          body: String(json().body),
          createdAt: at,
          updatedAt: at,
        };
        issue.comments.push(comment);
        issue.updatedAt = at;
        return this.send(ctx, 201, this.commentJson(comment), { location: this.commentJson(comment).url as string });
      }
      case 'issues/update-comment': {
        const comment = this.issues.flatMap((i) => i.comments).find((c) => String(c.id) === params.comment_id);
        if (!comment) return this.error(ctx, 404, 'Not Found');
        comment.body = String(json().body);
        comment.updatedAt = this.now().toISOString();
        return this.send(ctx, 200, this.commentJson(comment));
      }
      default:
        this.violations.push(`fake-github does not implement ${ctx.operation.id} (${url.pathname})`);
        return this.error(ctx, 404, 'Not Found');
    }
  }

  private createRelease(ctx: Context, body: Record<string, unknown>) {
    const tag = body.tag_name as string;
    const draft = body.draft === true;
    if (this.releases.some((r) => r.tagName === tag && !r.draft)) return this.alreadyExists(ctx, 'Release', 'tag_name');
    const at = this.now().toISOString();
    const release: FakeRelease = {
      id: this.nextId++,
      tagName: tag,
      targetCommitish: (body.target_commitish as string | undefined) ?? DEFAULT_BRANCH,
      name: (body.name as string | undefined) ?? null,
      body: (body.body as string | undefined) ?? null,
      draft,
      prerelease: body.prerelease === true,
      createdAt: at,
      publishedAt: draft ? null : at,
      assets: [],
    };
    if (!draft) this.createTag(release);
    this.releases.push(release);
    this.send(ctx, 201, this.releaseJson(release), {
      location: `${this.url}/repos/${this.owner}/${this.repo}/releases/${release.id}`,
    });
  }

  private updateRelease(ctx: Context, body: Record<string, unknown>) {
    const release = this.releaseById(ctx.params.release_id);
    if (!release) return this.error(ctx, 404, 'Not Found');
    const tag = (body.tag_name as string | undefined) ?? release.tagName;
    const draft = (body.draft as boolean | undefined) ?? release.draft;
    if (!draft && this.releases.some((r) => r !== release && r.tagName === tag && !r.draft)) {
      return this.alreadyExists(ctx, 'Release', 'tag_name');
    }
    release.tagName = tag;
    if (typeof body.name === 'string') release.name = body.name;
    if (typeof body.body === 'string') release.body = body.body;
    if (typeof body.target_commitish === 'string') release.targetCommitish = body.target_commitish;
    if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease;
    if (release.draft && !draft) {
      release.draft = false;
      release.publishedAt = this.now().toISOString();
      this.createTag(release);
    }
    this.send(ctx, 200, this.releaseJson(release));
  }

  private updateIssue(ctx: Context, body: Record<string, unknown>) {
    const issue = this.issueByNumber(ctx.params.issue_number);
    if (!issue) return this.error(ctx, 404, 'Not Found');
    if (body.title !== undefined && body.title !== null) issue.title = String(body.title);
    if (body.body !== undefined) issue.body = (body.body as string | null) ?? null;
    if (body.labels !== undefined) issue.labels = this.withLabels(labelNames(body.labels));
    if (body.state === 'open' || body.state === 'closed') {
      if (body.state !== issue.state) {
        const reason =
          body.state === 'open' ? 'reopened' : ((body.state_reason as FakeIssue['stateReason']) ?? 'completed');
        this.setIssueState(issue, body.state, reason);
      }
    }
    issue.updatedAt = this.now().toISOString();
    this.send(ctx, 200, this.issueJson(issue));
  }

  /** GitHub's list filters the fake honours: state (default open), labels (all of them), sort and direction. */
  private listIssues(query: URLSearchParams): FakeIssue[] {
    const state = query.get('state') ?? 'open';
    const wanted = (query.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    const sort = query.get('sort') ?? 'created';
    const ascending = query.get('direction') === 'asc';
    const key = (i: FakeIssue) =>
      sort === 'updated' ? i.updatedAt : sort === 'comments' ? String(i.comments.length).padStart(9, '0') : i.createdAt;
    return this.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((l) => i.labels.some((name) => name.toLowerCase() === l.toLowerCase())))
      .sort((a, b) => {
        const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number;
        return ascending ? order : -order;
      });
  }

  private newIssue(title: string, body: string | null, labels: string[], pullRequest: boolean): FakeIssue {
    const at = this.now().toISOString();
    const issue: FakeIssue = {
      number: this.nextIssueNumber++,
      id: this.nextId++,
      title,
      body,
      state: 'open',
      stateReason: null,
      labels: this.withLabels(labels),
      pullRequest,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      comments: [],
    };
    this.issues.push(issue);
    return issue;
  }

  private setIssueState(issue: FakeIssue, state: 'open' | 'closed', reason: FakeIssue['stateReason']): void {
    issue.state = state;
    issue.stateReason = reason;
    issue.closedAt = state === 'closed' ? this.now().toISOString() : null;
  }

  /** The names, deduplicated; labels the repository lacks are created (as GitHub does). */
  private withLabels(names: string[]): string[] {
    const unique = [...new Set(names)];
    for (const name of unique)
      if (!this.labels.has(name)) this.labels.set(name, { id: this.nextId++, color: 'ededed' });
    return unique;
  }

  private issueByNumber(number: string): FakeIssue | undefined {
    return this.issues.find((i) => String(i.number) === number);
  }

  private uploadAsset(ctx: Context) {
    const release = this.releaseById(ctx.params.release_id);
    if (!release) return this.error(ctx, 404, 'Not Found');
    const name = ctx.url.searchParams.get('name')!;
    if (release.assets.some((a) => a.name === name)) return this.alreadyExists(ctx, 'ReleaseAsset', 'name');
    const declared = Number(ctx.req.headers['content-length']);
    if (declared !== ctx.body.length) {
      return this.error(ctx, 400, `content-length ${declared} but ${ctx.body.length} bytes received`);
    }
    if (this.takeFault('upload-midway', name)) {
      release.assets.push(this.newAsset(name, ctx.body.subarray(0, ctx.body.length >> 1), 'open'));
      this.log(ctx, 0);
      ctx.res.socket?.destroy();
      return;
    }
    const bytes = this.takeFault('corrupt-upload', name) ? flipped(ctx.body) : ctx.body;
    const asset = this.newAsset(name, bytes, 'uploaded', ctx.req.headers['content-type']);
    release.assets.push(asset);
    if (this.takeFault('upload-response-lost', name)) {
      this.log(ctx, 0);
      ctx.res.socket?.destroy();
      return;
    }
    this.send(ctx, 201, this.assetJson(asset));
  }

  private serveStorage(url: URL, res: ServerResponse): void {
    const asset = this.assetById(url.pathname.split('/')[2]);
    this.requests.push({ method: 'GET', path: url.pathname, operationId: '(storage)', status: asset ? 200 : 404 });
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('gone');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': asset.bytes.length });
    res.end(asset.bytes);
  }

  /** Send a list with GitHub's page/per_page pagination and Link header. */
  private page(ctx: Context, items: unknown[]): void {
    const perPage = Math.min(100, Number(ctx.url.searchParams.get('per_page') ?? 30));
    const page = Number(ctx.url.searchParams.get('page') ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(ctx.url);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString().replace(/^http:\/\/[^/]+/, this.url)}>; rel="next"`;
    }
    this.send(ctx, 200, slice, headers);
  }

  private alreadyExists(ctx: Context, resource: string, field: string): void {
    this.send(ctx, 422, {
      message: 'Validation Failed',
      errors: [{ resource, code: 'already_exists', field }],
      documentation_url: 'https://docs.github.com/rest',
      status: '422',
    });
  }

  private error(ctx: Context, status: number, message: string, headers: Record<string, string> = {}): void {
    this.send(
      ctx,
      status,
      { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
      headers,
    );
  }

  /** Send a response after checking it against the operation's declared responses. */
  private send(ctx: Context, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const contentType = body === undefined ? undefined : 'application/json; charset=utf-8';
    const problems = this.contract.checkResponse(ctx.operation, status, { contentType, body: bytes });
    this.violations.push(...problems.map((p) => `response to ${ctx.req.method} ${ctx.url.pathname}: ${p}`));
    this.log(ctx, status);
    ctx.res.writeHead(status, { ...(contentType ? { 'content-type': contentType } : {}), ...headers });
    ctx.res.end(bytes);
  }

  private log(ctx: Context, status: number): void {
    if (ctx.logged) return;
    ctx.logged = true;
    this.requests.push({ method: ctx.req.method ?? '', path: ctx.url.pathname, operationId: ctx.operation.id, status });
  }

  // --- state ----------------------------------------------------------------------------------------------

  private createTag(release: FakeRelease): void {
    if (this.tags.has(release.tagName)) return; // an existing tag is used as it is, like GitHub
    const commitish = release.targetCommitish;
    this.tags.set(release.tagName, /^[0-9a-f]{40}$/.test(commitish) ? commitish : MAIN_SHA);
  }

  private newAsset(name: string, bytes: Buffer, state: FakeAsset['state'], contentType?: string): FakeAsset {
    const digests = this.options.digests ?? true;
    return {
      id: this.nextId++,
      name,
      state,
      contentType: contentType ?? 'application/octet-stream',
      bytes: Buffer.from(bytes),
      digest: digests && state === 'uploaded' ? `sha256:${createHash('sha256').update(bytes).digest('hex')}` : null,
      createdAt: this.now().toISOString(),
    };
  }

  private releaseById(id: string): FakeRelease | undefined {
    return this.releases.find((r) => String(r.id) === id);
  }

  private assetById(id: string): FakeAsset | undefined {
    for (const release of this.releases) {
      const asset = release.assets.find((a) => String(a.id) === id);
      if (asset) return asset;
    }
    return undefined;
  }

  private releaseJson(release: FakeRelease): Record<string, unknown> {
    const api = `${this.url}/repos/${this.owner}/${this.repo}`;
    const web = `${this.url}/${this.owner}/${this.repo}`;
    const tagPath = release.draft ? `untagged-${release.id}` : `tag/${release.tagName}`;
    return {
      url: `${api}/releases/${release.id}`,
      html_url: `${web}/releases/${tagPath}`,
      assets_url: `${api}/releases/${release.id}/assets`,
      upload_url: `${this.url}/uploads/repos/${this.owner}/${this.repo}/releases/${release.id}/assets{?name,label}`,
      tarball_url: release.draft ? null : `${api}/tarball/${release.tagName}`,
      zipball_url: release.draft ? null : `${api}/zipball/${release.tagName}`,
      id: release.id,
      node_id: `RE_${release.id}`,
      tag_name: release.tagName,
      target_commitish: release.targetCommitish,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      immutable: false,
      created_at: release.createdAt,
      published_at: release.publishedAt,
      updated_at: release.publishedAt ?? release.createdAt,
      author: this.user(),
      assets: release.assets.map((a) => this.assetJson(a)),
    };
  }

  private issueJson(issue: FakeIssue): Record<string, unknown> {
    const api = `${this.url}/repos/${this.owner}/${this.repo}`;
    const web = `${this.url}/${this.owner}/${this.repo}`;
    const url = `${api}/issues/${issue.number}`;
    return {
      id: issue.id,
      node_id: `I_${issue.id}`,
      url,
      repository_url: api,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${web}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.user(),
      labels: issue.labels.map((name) => {
        const label = this.labels.get(name)!;
        return {
          id: label.id,
          node_id: `LA_${label.id}`,
          url: `${api}/labels/${encodeURIComponent(name)}`,
          name,
          description: null,
          color: label.color,
          default: false,
        };
      }),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: issue.comments.length,
      ...(issue.pullRequest
        ? {
            pull_request: {
              url: `${api}/pulls/${issue.number}`,
              html_url: `${web}/pull/${issue.number}`,
              diff_url: `${web}/pull/${issue.number}.diff`,
              patch_url: `${web}/pull/${issue.number}.patch`,
              merged_at: null,
            },
          }
        : {}),
      closed_at: issue.closedAt,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: 'NONE',
    };
  }

  private commentJson(comment: FakeComment): Record<string, unknown> {
    const api = `${this.url}/repos/${this.owner}/${this.repo}`;
    const issue = this.issues.find((i) => i.number === comment.issueNumber)!;
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${api}/issues/comments/${comment.id}`,
      body: comment.body,
      html_url: `${this.url}/${this.owner}/${this.repo}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}#issuecomment-${comment.id}`,
      user: this.user(),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${api}/issues/${issue.number}`,
      author_association: 'NONE',
    };
  }

  private assetJson(asset: FakeAsset): Record<string, unknown> {
    const release = this.releases.find((r) => r.assets.includes(asset));
    return {
      url: `${this.url}/repos/${this.owner}/${this.repo}/releases/assets/${asset.id}`,
      browser_download_url: `${this.url}/${this.owner}/${this.repo}/releases/download/${release?.tagName}/${asset.name}`,
      id: asset.id,
      node_id: `RA_${asset.id}`,
      name: asset.name,
      label: null,
      state: asset.state,
      content_type: asset.contentType,
      size: asset.bytes.length,
      digest: asset.digest,
      download_count: 0,
      created_at: asset.createdAt,
      updated_at: asset.createdAt,
      uploader: this.user(),
    };
  }

  private user(): Record<string, unknown> {
    const base = `${this.url}/users/github-actions%5Bbot%5D`;
    return {
      login: 'github-actions[bot]',
      id: 41898282,
      node_id: 'MDM6Qm90NDE4OTgyODI=',
      avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
      gravatar_id: '',
      url: base,
      html_url: `${this.url}/apps/github-actions`,
      followers_url: `${base}/followers`,
      following_url: `${base}/following{/other_user}`,
      gists_url: `${base}/gists{/gist_id}`,
      starred_url: `${base}/starred{/owner}{/repo}`,
      subscriptions_url: `${base}/subscriptions`,
      organizations_url: `${base}/orgs`,
      repos_url: `${base}/repos`,
      events_url: `${base}/events{/privacy}`,
      received_events_url: `${base}/received_events`,
      type: 'Bot',
      site_admin: false,
    };
  }
}

interface Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly operation: OperationSpec;
  readonly params: Record<string, string>;
  readonly body: Buffer;
  logged: boolean;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Label names from an issue body's `labels` (strings or {name} objects). */
function labelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  return labels
    .map((l) => (typeof l === 'string' ? l : (l as { name?: unknown } | null)?.name))
    .filter((name): name is string => typeof name === 'string' && name !== '');
}

function flipped(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length >> 1] ^= 0xff;
  return copy;
}
