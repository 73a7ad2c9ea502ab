/**
 * A loopback stand-in for GitHub's artifact service (v4 artifacts), which @actions/artifact talks to from inside a
 * JavaScript action: the results service's Twirp JSON API (CreateArtifact, FinalizeArtifact, ListArtifacts,
 * GetSignedArtifactURL, DeleteArtifact under /twirp/github.actions.results.api.v1.ArtifactService/) and the Azure
 * block-blob calls made to the signed URL it hands out (PUT ?comp=block, PUT ?comp=blocklist, GET).
 *
 * Like the real service it reads the workflow run and job from the runtime token's `scp` claim
 * (`Actions.Results:<run>:<job>`), refuses a token whose scope does not match the request, keeps names unique per
 * workflow run (409 already_exists), lists only finalized artifacts of the same run, and checks at finalize that the
 * uploaded size and sha256 are what the client says.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
const ACCOUNT = 'devstoreaccount1';

export interface StoredArtifact {
  readonly id: number;
  readonly runBackendId: string;
  readonly jobBackendId: string;
  readonly name: string;
  readonly blob: string;
  bytes: Buffer | null;
  blocks: Map<string, Buffer>;
  finalized: boolean;
  digest: string | null;
  createdAt: string;
}

export interface FakeArtifactService {
  readonly url: string;
  /** Every artifact created, finalized or not. */
  readonly artifacts: StoredArtifact[];
  /** The Twirp methods called, in order. */
  readonly calls: string[];
  /** Environment a JavaScript action step of job `job` in workflow run `run` gets from the runner. */
  envFor(run: string, job: string): Record<string, string>;
  close(): Promise<void>;
}

class TwirpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function startFakeArtifactService(): Promise<FakeArtifactService> {
  const artifacts: StoredArtifact[] = [];
  const calls: string[] = [];
  let nextId = 1;
  let base = '';

  const twirp: Record<string, (body: Record<string, unknown>, scope: Scope) => unknown> = {
    CreateArtifact(body, scope) {
      requireScope(body, scope);
      const name = requireString(body, 'name');
      if (body.version !== 4 && body.version !== 7)
        throw new TwirpError(400, 'invalid_argument', `version ${String(body.version)} not supported`);
      if (artifacts.some((a) => a.runBackendId === scope.run && a.name === name)) {
        throw new TwirpError(409, 'already_exists', `an artifact with this name already exists on the workflow run`);
      }
      const id = nextId++;
      const blob = `${scope.run}/${id}/${encodeURIComponent(name)}.zip`;
      artifacts.push({
        id,
        runBackendId: scope.run,
        jobBackendId: scope.job,
        name,
        blob,
        bytes: null,
        blocks: new Map(),
        finalized: false,
        digest: null,
        createdAt: new Date().toISOString(),
      });
      return { ok: true, signed_upload_url: `${base}/${ACCOUNT}/artifacts/${blob}?sig=upload-${randomUUID()}` };
    },
    FinalizeArtifact(body, scope) {
      requireScope(body, scope);
      const name = requireString(body, 'name');
      const artifact = artifacts.find((a) => a.runBackendId === scope.run && a.name === name && !a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', `no artifact ${name} is being uploaded`);
      if (!artifact.bytes) throw new TwirpError(400, 'failed_precondition', `artifact ${name}: no blob was committed`);
      if (String(body.size) !== String(artifact.bytes.length)) {
        throw new TwirpError(400, 'invalid_argument', `size ${String(body.size)} != uploaded ${artifact.bytes.length}`);
      }
      const digest = `sha256:${createHash('sha256').update(artifact.bytes).digest('hex')}`;
      if (body.hash !== undefined && body.hash !== digest) {
        throw new TwirpError(400, 'invalid_argument', `hash ${String(body.hash)} != uploaded ${digest}`);
      }
      artifact.finalized = true;
      artifact.digest = digest;
      return { ok: true, artifact_id: String(artifact.id) };
    },
    ListArtifacts(body, scope) {
      requireScope(body, scope);
      const listed = artifacts.filter(
        (a) =>
          a.finalized &&
          a.runBackendId === scope.run &&
          (body.name_filter === undefined || a.name === body.name_filter) &&
          (body.id_filter === undefined || String(a.id) === String(body.id_filter)),
      );
      return {
        artifacts: listed.map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.bytes?.length ?? 0),
          created_at: a.createdAt,
          ...(a.digest ? { digest: a.digest } : {}),
        })),
      };
    },
    GetSignedArtifactURL(body, scope) {
      if (body.workflow_run_backend_id !== scope.run)
        throw new TwirpError(403, 'permission_denied', 'other workflow run');
      const name = requireString(body, 'name');
      const artifact = artifacts.find((a) => a.finalized && a.runBackendId === scope.run && a.name === name);
      if (!artifact) throw new TwirpError(404, 'not_found', `artifact ${name} not found`);
      return { signed_url: `${base}/${ACCOUNT}/artifacts/${artifact.blob}?sig=read-${randomUUID()}` };
    },
    DeleteArtifact(body, scope) {
      requireScope(body, scope);
      const name = requireString(body, 'name');
      const index = artifacts.findIndex((a) => a.finalized && a.runBackendId === scope.run && a.name === name);
      if (index < 0) throw new TwirpError(404, 'not_found', `artifact ${name} not found`);
      const [removed] = artifacts.splice(index, 1);
      return { ok: true, artifact_id: String(removed!.id) };
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        if (error instanceof TwirpError) {
          res.writeHead(error.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: error.code, msg: error.message }));
        } else {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'internal', msg: String(error) }));
        }
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname.startsWith(SERVICE)) {
      const method = url.pathname.slice(SERVICE.length);
      const implementation = twirp[method];
      if (req.method !== 'POST' || !implementation) throw new TwirpError(404, 'bad_route', `no method ${method}`);
      calls.push(method);
      const scope = scopeOf(req.headers.authorization);
      const result = implementation(JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, scope);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
      return;
    }
    const prefix = `/${ACCOUNT}/artifacts/`;
    if (!url.pathname.startsWith(prefix) || !url.searchParams.get('sig'))
      throw new TwirpError(403, 'permission_denied', 'not a signed blob URL');
    const blob = decodeURIComponent(url.pathname.slice(prefix.length));
    const artifact = artifacts.find((a) => decodeURIComponent(a.blob) === blob);
    if (!artifact) throw new TwirpError(404, 'not_found', `blob ${blob} not found`);
    const headers = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() };
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT' && comp === 'block') {
      artifact.blocks.set(url.searchParams.get('blockid') ?? '', body);
      res.writeHead(201, { ...headers, 'x-ms-request-server-encrypted': 'true' });
      res.end();
    } else if (req.method === 'PUT' && comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(
        (m) => m[2]!,
      );
      const parts = ids.map((id) => {
        const block = artifact.blocks.get(id);
        if (!block) throw new TwirpError(400, 'InvalidBlockList', `block ${id} was not staged`);
        return block;
      });
      artifact.bytes = Buffer.concat(parts);
      artifact.blocks.clear();
      res.writeHead(201, { ...headers, etag: `"${randomUUID()}"`, 'last-modified': new Date().toUTCString() });
      res.end();
    } else if (req.method === 'PUT' && !comp) {
      artifact.bytes = body;
      res.writeHead(201, { ...headers, etag: `"${randomUUID()}"`, 'last-modified': new Date().toUTCString() });
      res.end();
    } else if (req.method === 'GET' && !comp) {
      if (!artifact.bytes || !artifact.finalized)
        throw new TwirpError(404, 'BlobNotFound', `blob ${blob} not committed`);
      res.writeHead(200, { ...headers, 'content-type': 'application/zip', 'content-length': artifact.bytes.length });
      res.end(artifact.bytes);
    } else {
      throw new TwirpError(405, 'unsupported', `${req.method} ?comp=${comp}`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    artifacts,
    calls,
    envFor(run, job) {
      return { ACTIONS_RUNTIME_TOKEN: runtimeToken(run, job), ACTIONS_RESULTS_URL: `${base}/` };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Scope {
  readonly run: string;
  readonly job: string;
}

/** An unsigned JWT carrying the scope claim the artifact client reads (the client decodes it, never verifies). */
export function runtimeToken(run: string, job: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead:00000000 Actions.Results:${run}:${job}` })}.`;
}

function scopeOf(authorization: string | undefined): Scope {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new TwirpError(401, 'unauthenticated', 'no bearer token');
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scp?: string };
  const results = (claims.scp ?? '').split(' ').find((s) => s.startsWith('Actions.Results:'));
  const [, run, job] = results?.split(':') ?? [];
  if (!run || !job) throw new TwirpError(401, 'unauthenticated', 'token has no Actions.Results scope');
  return { run, job };
}

function requireScope(body: Record<string, unknown>, scope: Scope): void {
  if (body.workflow_run_backend_id !== scope.run || body.workflow_job_run_backend_id !== scope.job) {
    throw new TwirpError(403, 'permission_denied', 'workflow run/job ids do not match the token');
  }
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || !value) throw new TwirpError(400, 'invalid_argument', `${key} is required`);
  return value;
}
