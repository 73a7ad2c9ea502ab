import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { DEFAULT_CONFIG_PATH } from './defaults.ts';
import { type Config, configSchema } from './schema.ts';

export { DEFAULT_CONFIG_PATH };

/** Read, parse and validate a config file. Throws ConfigError naming the file, the key and what was expected. */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(path, '(file)', reason);
  }
  return parseConfig(text, path);
}

/** Validate config text; `file` names it in error messages. */
export function parseConfig(text: string, file = DEFAULT_CONFIG_PATH): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new ConfigError(file, line ? `line ${line}` : '(yaml)', `not valid YAML: ${first.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS() ?? {};
  if (!isMap(doc.contents) && doc.contents !== null) {
    throw new ConfigError(file, '(root)', 'expected a mapping of keys (model, data, ...)');
  }
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = pickIssue(result.error.issues);
  const path = issue.path.map(String);
  const key = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!].join('.') : path.join('.') || '(root)';
  const line = lineOf(doc, lineCounter, issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path);
  throw new ConfigError(file, key, describeIssue(issue, valueAt(value, path), line));
}

/** Report the deepest issue first: a missing nested key says more than its parent's union failure. */
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  return [...issues].sort((a, b) => b.path.length - a.path.length)[0]!;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, line: number | undefined): string {
  const at = line ? ` (line ${line})` : '';
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${at}; check the spelling against conveyor.schema.json`;
  }
  if (issue.code === 'invalid_type' && value === undefined) {
    return `required key is missing; expected ${issue.expected}`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  const shown = value === undefined ? '' : `${JSON.stringify(value)} is not accepted${at}: `;
  return `${shown}${message}`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly string[],
): number | undefined {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}
