/**
 * Putting a run report where a GitHub team looks: one sticky pull-request comment (a hidden marker finds it;
 * created once, then edited on every push) and report.html attached to the version's release. Plain REST
 * calls over fetch; the token is the workflow's GITHUB_TOKEN (`pull-requests: write` for the comment,
 * `contents: write` for the release asset).
 */
import { ConveyorError } from '../errors.ts';
import { versionTag } from '../registry/index.ts';

/** Hidden first line of the sticky comment: how a later run finds the comment to edit. */
export const STICKY_MARKER = '<!-- conveyor:model-report -->';

export interface GitHubTarget {
  /** API root, e.g. https://api.github.com (GITHUB_API_URL). */
  readonly apiUrl: string;
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
}

/** A GitHub call answered with an unexpected status. */
export class GitHubRequestError extends ConveyorError {
  readonly method: string;
  readonly path: string;
  readonly status: number;

  constructor(method: string, path: string, status: number, detail: string) {
    super(`GitHub ${method} ${path}: ${status} ${detail}`);
    this.method = method;
    this.path = path;
    this.status = status;
  }
}

async function call(
  target: GitHubTarget,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; data: unknown }> {
  const response = await fetch(`${target.apiUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${target.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'conveyor',
      ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: body instanceof Uint8Array ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: response.status, data };
}

function messageOf(data: unknown): string {
  return typeof data === 'object' && data !== null && 'message' in data
    ? String(data.message)
    : String(data).slice(0, 200);
}

export type StickyOutcome =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string }
  /** The token may not write (a fork's pull request gets a read-only GITHUB_TOKEN). */
  | { readonly action: 'forbidden'; readonly message: string };

interface IssueComment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url: string;
}

/**
 * Create the pull request's report comment, or edit the one an earlier run made (found by STICKY_MARKER).
 * `body` should start with the marker (renderMarkdown's `preamble`); it is prepended when missing.
 */
export async function upsertStickyComment(
  target: GitHubTarget,
  pullRequest: number,
  body: string,
): Promise<StickyOutcome> {
  const text = body.startsWith(STICKY_MARKER) ? body : `${STICKY_MARKER}\n${body}`;
  const base = `/repos/${target.owner}/${target.repo}/issues`;
  let existing: IssueComment | undefined;
  for (let page = 1; !existing; page++) {
    const path = `${base}/${pullRequest}/comments?per_page=100&page=${page}`;
    const { status, data } = await call(target, 'GET', path);
    if (status !== 200) throw new GitHubRequestError('GET', path, status, messageOf(data));
    const comments = data as IssueComment[];
    existing = comments.find((c) => c.body?.startsWith(STICKY_MARKER));
    if (comments.length < 100) break;
  }
  if (existing) {
    if (existing.body === text) return { action: 'unchanged', id: existing.id, url: existing.html_url };
    const path = `${base}/comments/${existing.id}`;
    const { status, data } = await call(target, 'PATCH', path, { body: text });
    if (status === 403) return { action: 'forbidden', message: messageOf(data) };
    if (status !== 200) throw new GitHubRequestError('PATCH', path, status, messageOf(data));
    return { action: 'updated', id: existing.id, url: (data as IssueComment).html_url };
  }
  const path = `${base}/${pullRequest}/comments`;
  const { status, data } = await call(target, 'POST', path, { body: text });
  if (status === 403) return { action: 'forbidden', message: messageOf(data) };
  if (status !== 201) throw new GitHubRequestError('POST', path, status, messageOf(data));
  const created = data as IssueComment;
  return { action: 'created', id: created.id, url: created.html_url };
}

/**
 * Upload report.html as an asset of the release of `name` v`version` (the github registry's release), replacing
 * an earlier upload of the same run. Returns the asset's download URL.
 */
export async function attachReportToRelease(
  target: GitHubTarget,
  name: string,
  version: number,
  html: string,
  assetName = 'report.html',
): Promise<string> {
  const tag = versionTag(name, version);
  const releasePath = `/repos/${target.owner}/${target.repo}/releases/tags/${encodeURIComponent(tag)}`;
  const release = await call(target, 'GET', releasePath);
  if (release.status !== 200) throw new GitHubRequestError('GET', releasePath, release.status, messageOf(release.data));
  const { id, assets, upload_url } = release.data as {
    id: number;
    upload_url: string;
    assets: { id: number; name: string }[];
  };
  const previous = assets.find((a) => a.name === assetName);
  if (previous) {
    const path = `/repos/${target.owner}/${target.repo}/releases/assets/${previous.id}`;
    const removed = await call(target, 'DELETE', path);
    if (removed.status !== 204) throw new GitHubRequestError('DELETE', path, removed.status, messageOf(removed.data));
  }
  const bytes = new TextEncoder().encode(html);
  // upload_url is a URI template on the uploads host: ".../assets{?name,label}".
  const uploadUrl = `${upload_url.replace(/\{.*\}$/, '')}?name=${encodeURIComponent(assetName)}`;
  const response = await fetch(uploadUrl, {
    method: 'POST',
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${target.token}`,
      // GitHub's description of this upload names application/octet-stream.
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.byteLength),
      'user-agent': 'conveyor',
    },
    body: bytes,
  });
  const data = (await response.json().catch(() => null)) as { browser_download_url?: string } | null;
  if (response.status !== 201) {
    throw new GitHubRequestError('POST', `release ${id} assets`, response.status, messageOf(data));
  }
  return data?.browser_download_url ?? '';
}
