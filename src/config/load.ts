import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { closestName } from '../lib/closest-name.ts';
import { DEFAULT_CONFIG_PATH } from './defaults.ts';
import { type Config, configSchema, type FeatureType, featureTypeSchema } from './schema.ts';

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
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, value, doc, lineCounter))),
    ...protoKeyProblems(value, doc, lineCounter),
  ];
  if (result.success && problems.length === 0) return withColumnKeys(result.data, value);
  // Unique, in file order (problems without a line last), so the message reads top to bottom.
  const unique = [...new Map(problems.map((p) => [`${p.key}\0${p.detail}`, p])).values()];
  unique.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  throw ConfigError.of(
    file,
    unique.map(({ key, detail }) => ({ key, detail })),
  );
}

/**
 * `data.features` is keyed by column names, and any name is legal, `__proto__` included: zod's record output
 * is a plain object that drops that key, so the validated entries are copied into a null-prototype object.
 */
function withColumnKeys(config: Config, raw: unknown): Config {
  const given = valueAt(raw, ['data', 'features']);
  if (given === null || typeof given !== 'object') return config;
  const features: Record<string, FeatureType> = Object.create(null);
  for (const [name, type] of Object.entries(given)) features[name] = type as FeatureType;
  return { ...config, data: { ...config.data, features } };
}

/** zod skips a record key named `__proto__` without checking its value: check it here. */
function protoKeyProblems(raw: unknown, doc: ReturnType<typeof parseDocument>, counter: LineCounter): LocatedProblem[] {
  const path = ['data', 'features', '__proto__'];
  const type = valueAt(raw, path);
  if (type === undefined || featureTypeSchema.safeParse(type).success) return [];
  const line = lineOf(doc, counter, path);
  const expected = featureTypeSchema.options.map((o) => JSON.stringify(o)).join('|');
  return [
    {
      key: path.join('.'),
      line,
      detail: `${JSON.stringify(type)} is not accepted${at(line)}: expected one of ${expected}`,
    },
  ];
}

interface LocatedProblem extends ConfigProblem {
  readonly line: number | undefined;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
): LocatedProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((name) => {
      const line = lineOf(doc, counter, [...path, name]);
      const valid = validKeysAt(path, root);
      const closest = closestName(name, valid);
      const hint = closest ? ` (did you mean "${closest}"?)` : '';
      const where = path.join('.') === 'trainer.params' ? `parameters of ${algorithmOf(root)}` : 'keys here';
      return {
        key: [...path, name].join('.'),
        line,
        detail: `unknown key${at(line)}${hint}; valid ${where}: ${valid.join(', ')}`,
      };
    });
  }
  const key = path.join('.') || '(root)';
  const line = lineOf(doc, counter, path);
  const value = valueAt(root, path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return [{ key, line, detail: `required key is missing; expected ${issue.expected}` }];
  }
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    // A discriminator (trainer.algorithm) outside its values; `undefined` stands for "absent = default".
    const options = issue.options.filter((o) => o !== undefined && o !== null).map(String);
    return [
      {
        key,
        line,
        detail: `${JSON.stringify(value)} is not accepted${at(line)}: expected one of ${options.join(', ')}`,
      },
    ];
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  const shown = value === undefined ? '' : `${JSON.stringify(value)} is not accepted${at(line)}: `;
  return [{ key, line, detail: `${shown}${message}` }];
}

function at(line: number | undefined): string {
  return line ? ` (line ${line})` : '';
}

function algorithmOf(root: unknown): string {
  const algorithm = valueAt(root, ['trainer', 'algorithm']);
  return typeof algorithm === 'string' ? algorithm : 'gbdt';
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  oneOf?: JsonSchemaNode[];
  const?: unknown;
  default?: unknown;
}

let configJson: JsonSchemaNode | undefined;

/** The keys the schema accepts at `path` (for trainer.params: those of the chosen algorithm). */
function validKeysAt(path: readonly string[], root: unknown): string[] {
  configJson ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  let node: JsonSchemaNode | undefined = configJson;
  for (const key of path) {
    if (node?.oneOf) {
      const algorithm = algorithmOf(root);
      node = node.oneOf.find((variant) => {
        const tag = variant.properties?.algorithm;
        return tag?.const === algorithm;
      });
    }
    node = node?.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
  }
  if (node?.oneOf) node = node.oneOf.find((variant) => variant.properties?.algorithm?.const === algorithmOf(root));
  return Object.keys(node?.properties ?? {});
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
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
