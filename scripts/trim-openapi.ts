/**
 * Cuts GitHub's OpenAPI description down to the operations Conveyor calls, so tests can check the fake GitHub
 * server (test/helpers/fake-github.ts) against GitHub's published contract without the 13 MB original.
 *
 * Run: npx tsx scripts/trim-openapi.ts <path to @octokit/openapi (package folder or generated/api.github.com.json)> [out]
 * Default out: test/openapi/github-releases.json. Every `$ref` the kept operations reach is copied into `components`
 * (not inlined); `examples` are dropped (they are the bulk of the file and nothing validates against them).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Operations Conveyor uses, by GitHub's operationId: the registry (releases, tags), the dispatches that chain
 * workflows (CT → CD, monitor → CT), the monitor's "Model health" issue and the report's sticky PR comment.
 */
export const CONVEYOR_OPERATIONS = [
  'repos/list-releases',
  'repos/create-release',
  'repos/get-release',
  'repos/update-release',
  'repos/delete-release',
  'repos/get-release-by-tag',
  'repos/list-release-assets',
  'repos/upload-release-asset',
  'repos/get-release-asset',
  'repos/delete-release-asset',
  'git/list-matching-refs',
  'repos/create-dispatch-event',
  'issues/list-for-repo',
  'issues/create',
  'issues/get',
  'issues/update',
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
] as const;

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy without `examples` (media-type and component examples) — annotations only. */
function withoutExamples(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutExamples);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'examples' && isObject(child)) continue;
    out[key] = withoutExamples(child);
  }
  return out;
}

/** Trim `spec` to `operationIds`; throws when one of them is missing from the spec. */
export function trimOpenApi(spec: JsonObject, operationIds: readonly string[], source: string): JsonObject {
  const paths = spec.paths as JsonObject;
  const components = spec.components as JsonObject;
  const keptPaths: JsonObject = {};
  const found = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !isObject(op) || !operationIds.includes(op.operationId as string)) continue;
      found.add(op.operationId as string);
      const keptItem = (keptPaths[path] ??= {}) as JsonObject;
      keptItem[method] = withoutExamples(op);
    }
  }
  const missing = operationIds.filter((id) => !found.has(id));
  if (missing.length > 0) throw new Error(`${source}: operations not found: ${missing.join(', ')}`);

  // Copy every component reachable from the kept operations (transitively).
  const keptComponents: Record<string, JsonObject> = {};
  const pending: Json[] = [keptPaths];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (Array.isArray(value)) {
      pending.push(...value);
      continue;
    }
    if (!isObject(value)) continue;
    const ref = value.$ref;
    if (typeof ref === 'string') {
      const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
      if (!match) throw new Error(`${source}: unsupported $ref ${ref}`);
      const [, kind, name] = match;
      const section = (keptComponents[kind] ??= {});
      if (!(name in section)) {
        const target = (components[kind] as JsonObject | undefined)?.[name];
        if (target === undefined) throw new Error(`${source}: dangling $ref ${ref}`);
        section[name] = withoutExamples(target);
        pending.push(section[name]);
      }
    }
    for (const [key, child] of Object.entries(value)) if (key !== '$ref') pending.push(child);
  }
  const sortedComponents: JsonObject = {};
  for (const kind of Object.keys(keptComponents).sort()) {
    const section = keptComponents[kind];
    sortedComponents[kind] = Object.fromEntries(
      Object.keys(section)
        .sort()
        .map((name) => [name, section[name]]),
    );
  }
  const info = spec.info as JsonObject;
  return {
    openapi: spec.openapi,
    info: {
      title: `${info.title as string} (trimmed to the operations Conveyor uses)`,
      version: info.version,
      'x-trimmed-from': source,
      'x-operations': [...operationIds],
    },
    servers: spec.servers,
    paths: Object.fromEntries(
      Object.keys(keptPaths)
        .sort()
        .map((path) => [path, keptPaths[path]]),
    ),
    components: sortedComponents,
  };
}

function main(argv: string[]): void {
  const [input, out = 'test/openapi/github-releases.json'] = argv;
  if (!input) {
    throw new Error('usage: npx tsx scripts/trim-openapi.ts <@octokit/openapi folder or api.github.com.json> [out]');
  }
  const file = statSync(input).isDirectory() ? join(input, 'generated', 'api.github.com.json') : input;
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const spec = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const packageJson = join(file, '..', '..', 'package.json');
  const packageVersion = existsSync(packageJson)
    ? (JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: string; version?: string })
    : {};
  const source =
    packageVersion.name && packageVersion.version
      ? `${packageVersion.name}@${packageVersion.version} generated/api.github.com.json`
      : file;
  const trimmed = trimOpenApi(spec, CONVEYOR_OPERATIONS, source);
  const text = `${JSON.stringify(trimmed, null, 1)}\n`;
  writeFileSync(out, text);
  console.log(`wrote ${out} (${(text.length / 1024).toFixed(0)} KiB, ${CONVEYOR_OPERATIONS.length} operations)`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
