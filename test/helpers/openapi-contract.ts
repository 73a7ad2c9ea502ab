/**
 * Checks HTTP requests and responses against an OpenAPI 3.0 description (test/openapi/github-releases.json, cut
 * from GitHub's published one by scripts/trim-openapi.ts) with ajv. Used by the fake GitHub server so that the
 * fake cannot drift from the real API's contract: every violation is reported as a message.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const GITHUB_RELEASES_SPEC = fileURLToPath(new URL('../openapi/github-releases.json', import.meta.url));
const DEFS_ID = 'github-openapi-components';

export interface ParameterSpec {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly multiSegment: boolean;
  readonly validate: ValidateFunction;
  readonly type: string | undefined;
}

export interface OperationSpec {
  readonly id: string;
  readonly method: string;
  /** Path template, e.g. /repos/{owner}/{repo}/releases/{release_id}. */
  readonly path: string;
  /** The operation is served from another origin (GitHub: uploads.github.com). */
  readonly otherServer: boolean;
  readonly parameters: readonly ParameterSpec[];
  readonly pattern: RegExp;
}

export interface HttpMessage {
  readonly contentType?: string;
  /** Raw body bytes (empty when none). */
  readonly body: Buffer;
}

export class OpenApiContract {
  readonly version: string;
  readonly operations: readonly OperationSpec[];
  private readonly spec: JsonObject;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(specPath: string = GITHUB_RELEASES_SPEC) {
    this.spec = JSON.parse(readFileSync(specPath, 'utf8')) as JsonObject;
    this.version = String((this.spec.info as JsonObject).version);
    this.ajv = new Ajv({ strict: true, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addKeyword('example'); // OpenAPI annotation
    const components = this.spec.components as JsonObject;
    this.ajv.addSchema({ $id: DEFS_ID, $defs: rewriteRefs(components.schemas ?? {}) as JsonObject });
    const operations: OperationSpec[] = [];
    for (const [path, item] of Object.entries(this.spec.paths as JsonObject)) {
      for (const [method, op] of Object.entries(item as JsonObject)) {
        const operation = op as JsonObject;
        const parameters = ((operation.parameters ?? []) as Json[]).map((p) => this.parameter(p));
        const pattern = new RegExp(
          `^${path.replace(/\{([^}]+)\}/g, (_, name: string) =>
            parameters.find((p) => p.name === name)?.multiSegment ? '(.+)' : '([^/]+)',
          )}$`,
        );
        operations.push({
          id: operation.operationId as string,
          method: method.toUpperCase(),
          path,
          otherServer: Array.isArray(operation.servers),
          parameters,
          pattern,
        });
      }
    }
    this.operations = operations;
  }

  /** The operation serving `method` + `path` (without query), and its decoded path parameters. */
  match(
    method: string,
    path: string,
    otherServer: boolean,
  ): { operation: OperationSpec; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method || operation.otherServer !== otherServer) continue;
      const found = operation.pattern.exec(path);
      if (!found) continue;
      const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { operation, params };
    }
    return undefined;
  }

  /** Violations of the operation's parameters and request body. */
  checkRequest(
    operation: OperationSpec,
    params: Record<string, string>,
    query: URLSearchParams,
    request: HttpMessage,
  ): string[] {
    const problems: string[] = [];
    for (const parameter of operation.parameters) {
      if (parameter.in === 'header') continue;
      const raw = parameter.in === 'path' ? params[parameter.name] : (query.get(parameter.name) ?? undefined);
      if (raw === undefined) {
        if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is required`);
        continue;
      }
      const value = parameter.type === 'integer' || parameter.type === 'number' ? Number(raw) : raw;
      if (!parameter.validate(value)) {
        problems.push(
          `${parameter.in} parameter ${parameter.name}=${raw}: ${this.ajv.errorsText(parameter.validate.errors)}`,
        );
      }
    }
    for (const name of query.keys()) {
      if (!operation.parameters.some((p) => p.in === 'query' && p.name === name)) {
        problems.push(`query parameter ${name} is not defined for ${operation.id}`);
      }
    }
    const body = this.deref(this.operationObject(operation).requestBody) as JsonObject | undefined;
    if (!body) {
      if (request.body.length > 0) problems.push(`${operation.id} takes no request body`);
      return problems;
    }
    if (request.body.length === 0) {
      if (body.required) problems.push('request body is required');
      return problems;
    }
    const content = body.content as JsonObject;
    const mediaType = mediaTypeOf(request.contentType);
    if (!(mediaType in content)) {
      problems.push(
        `request content-type ${request.contentType ?? '(none)'}; expected ${Object.keys(content).join(' or ')}`,
      );
      return problems;
    }
    if (mediaType === 'application/json') {
      problems.push(
        ...this.checkJson(`${operation.id} request`, (content[mediaType] as JsonObject).schema, request.body),
      );
    }
    return problems;
  }

  /** Violations of a response: its status must be declared (errors may use GitHub's error shapes) and its body valid. */
  checkResponse(operation: OperationSpec, status: number, response: HttpMessage): string[] {
    const responses = this.operationObject(operation).responses as JsonObject;
    const declared = this.deref(responses[String(status)]) as JsonObject | undefined;
    if (!declared) {
      if (status < 400) return [`${operation.id}: status ${status} is not declared`];
      // GitHub answers any operation with 4xx/5xx in its usual error shapes, declared or not.
      return this.checkJson(`${operation.id} ${status}`, errorSchema(status), response.body);
    }
    const content = declared.content as JsonObject | undefined;
    if (!content) {
      if (response.body.length === 0) return [];
      // GitHub's errors always carry its error body, even where the description omits it (upload 422).
      if (status >= 400) return this.checkJson(`${operation.id} ${status}`, errorSchema(status), response.body);
      return [`${operation.id} ${status}: declared without a body, but one was sent`];
    }
    const mediaType = mediaTypeOf(response.contentType);
    if (!(mediaType in content)) return [`${operation.id} ${status}: content-type ${response.contentType ?? '(none)'}`];
    return this.checkJson(`${operation.id} ${status}`, (content[mediaType] as JsonObject).schema, response.body);
  }

  private checkJson(where: string, schema: Json, body: Buffer): string[] {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return [`${where}: body is not JSON`];
    }
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema) as JsonObject);
      this.validators.set(key, validate);
    }
    if (validate(value)) return [];
    return [`${where}: ${this.ajv.errorsText(validate.errors, { dataVar: 'body' })}`];
  }

  private parameter(ref: Json): ParameterSpec {
    const p = this.deref(ref) as JsonObject;
    const schema = (p.schema ?? {}) as JsonObject;
    return {
      name: p.name as string,
      in: p.in as ParameterSpec['in'],
      required: p.required === true,
      multiSegment: p['x-multi-segment'] === true,
      validate: this.ajv.compile(rewriteRefs(schema) as JsonObject),
      type: schema.type as string | undefined,
    };
  }

  private operationObject(operation: OperationSpec): JsonObject {
    return ((this.spec.paths as JsonObject)[operation.path] as JsonObject)[
      operation.method.toLowerCase()
    ] as JsonObject;
  }

  /** Follow a `#/components/<kind>/<name>` reference (parameters, responses, request bodies). */
  private deref(value: Json | undefined): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof value.$ref !== 'string') {
      return value;
    }
    const [, , kind, name] = value.$ref.split('/');
    return this.deref(((this.spec.components as JsonObject)[kind] as JsonObject)[name]);
  }
}

/**
 * OpenAPI 3.0 schema → one ajv compiles: `#/components/schemas/x` becomes a reference into the $defs schema ajv
 * knows; vendor extensions (`x-github-…`) are dropped; `nullable` without a `type` (on a oneOf) becomes an anyOf
 * with null, since ajv only reads `nullable` beside `type`; a nullable `enum` lists null (GitHub sends null there).
 */
function rewriteRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('x-')) continue;
    out[key] =
      key === '$ref' && typeof child === 'string'
        ? child.replace('#/components/schemas/', `${DEFS_ID}#/$defs/`)
        : rewriteRefs(child);
  }
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _nullable, description, ...schema } = out;
    return { ...(description === undefined ? {} : { description }), anyOf: [schema, { type: 'null' }] };
  }
  return out;
}

/** GitHub's error bodies: validation-error for 422, basic-error otherwise. */
function errorSchema(status: number): Json {
  return { $ref: `#/components/schemas/${status === 422 ? 'validation-error' : 'basic-error'}` };
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}
