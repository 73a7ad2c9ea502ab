/**
 * model.json: the trained model as canonical JSON (sorted keys, exact numbers) and back, with the
 * file checked against the model format so a corrupted or hand-edited file fails with the bad key.
 */

import { z } from 'zod';
import { InputError } from '../errors.ts';
import { columnRecord, ownValue } from '../lib/column-keys.ts';
import { codeRangesProblem } from './code-ranges.ts';
import { outputCount } from './link.ts';
import type { Model } from './types.ts';

const nonEmpty = z.string().min(1);

export const signatureSchema = z
  .object({
    task: z.enum(['classification', 'regression']),
    target: nonEmpty,
    features: z.array(z.object({ name: nonEmpty, type: z.enum(['numeric', 'categorical']) }).strict()).min(1),
    classes: z.array(z.string()).min(2).optional(),
  })
  .strict();

/**
 * An object keyed by column names, read into a null-prototype record: zod's own record drops a `__proto__`
 * key (a legal column name) without checking it.
 */
function columnRecordSchema<T extends z.ZodType>(value: T) {
  return z
    .custom<Record<string, unknown>>(
      (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
      'expected an object keyed by column names',
    )
    .transform((given, ctx) => {
      const record = columnRecord<z.output<T>>();
      for (const [key, raw] of Object.entries(given)) {
        const parsed = value.safeParse(raw);
        if (parsed.success) record[key] = parsed.data;
        else
          for (const issue of parsed.error.issues)
            ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
      }
      return record;
    });
}

const linkSchema = z.enum(['identity', 'sigmoid', 'softmax']);
const params = z.record(z.string(), z.unknown());

const treeSchema = z
  .object({
    output: z.int().min(0),
    feature: z.array(z.int().min(-1)).min(1),
    threshold: z.array(z.number()),
    leftCodeRanges: z.array(z.array(z.int().min(0))).optional(),
    left: z.array(z.int()),
    right: z.array(z.int()),
    missingLeft: z.array(z.boolean()),
    value: z.array(z.number()),
    gain: z.array(z.number()),
    cover: z.array(z.number()),
  })
  .strict();

const gbdtSchema = z
  .object({
    kind: z.literal('gbdt'),
    signature: signatureSchema,
    link: linkSchema,
    baseScore: z.array(z.number()).min(1),
    trees: z.array(treeSchema),
    categoryCodes: columnRecordSchema(z.array(z.string())),
    params,
  })
  .strict();

const linearSchema = z
  .object({
    kind: z.literal('linear'),
    signature: signatureSchema,
    link: linkSchema,
    numeric: columnRecordSchema(
      z
        .object({ impute: z.number(), center: z.number(), scale: z.number().refine((s) => s !== 0, 'must not be 0') })
        .strict(),
    ),
    categories: columnRecordSchema(z.array(z.string())),
    weights: z.array(z.array(z.number())),
    bias: z.array(z.number()).min(1),
    params,
  })
  .strict();

/** The model format (src/model/types.ts) with its cross-field rules (array lengths, indices, link vs task). */
export const modelSchema = z.discriminatedUnion('kind', [gbdtSchema, linearSchema]).superRefine((model, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const { signature } = model;
  const classes = signature.classes?.length ?? 0;
  if (signature.task === 'classification' && classes === 0)
    issue(['signature', 'classes'], 'classification needs classes');
  if (signature.task === 'regression' && classes > 0) issue(['signature', 'classes'], 'regression has no classes');
  const expectedLink = signature.task === 'regression' ? 'identity' : classes === 2 ? 'sigmoid' : 'softmax';
  if (model.link !== expectedLink)
    issue(['link'], `expected "${expectedLink}" for this signature, got "${model.link}"`);
  const outputs = outputCount(model.link, classes);
  const names = new Set<string>();
  signature.features.forEach((f, i) => {
    if (names.has(f.name)) issue(['signature', 'features', i, 'name'], `duplicate feature "${f.name}"`);
    names.add(f.name);
  });
  if (model.kind === 'linear') {
    let columns = 0;
    for (const f of signature.features) {
      if (f.type === 'numeric') {
        columns += 1;
        if (!ownValue(model.numeric, f.name))
          issue(['numeric', f.name], `missing transform of numeric feature "${f.name}"`);
      } else {
        const list = ownValue(model.categories, f.name);
        if (!list) issue(['categories', f.name], `missing category list of categorical feature "${f.name}"`);
        columns += list?.length ?? 0;
      }
    }
    if (model.weights.length !== columns)
      issue(['weights'], `expected ${columns} rows (design columns), got ${model.weights.length}`);
    model.weights.forEach((row, c) => {
      if (row.length !== outputs) issue(['weights', c], `expected ${outputs} weight(s), got ${row.length}`);
    });
    if (model.bias.length !== outputs) issue(['bias'], `expected ${outputs} value(s), got ${model.bias.length}`);
    return;
  }
  if (model.baseScore.length !== outputs)
    issue(['baseScore'], `expected ${outputs} value(s), got ${model.baseScore.length}`);
  for (const f of signature.features) {
    if (f.type === 'categorical' && !ownValue(model.categoryCodes, f.name)) {
      issue(['categoryCodes', f.name], `missing category codes of categorical feature "${f.name}"`);
    }
  }
  model.trees.forEach((tree, t) => {
    const at = (key: string, node?: number) => (node === undefined ? ['trees', t, key] : ['trees', t, key, node]);
    const nodes = tree.feature.length;
    for (const key of ['threshold', 'left', 'right', 'missingLeft', 'value', 'gain', 'cover'] as const) {
      if (tree[key].length !== nodes)
        issue(at(key), `expected ${nodes} entries (one per node), got ${tree[key].length}`);
    }
    if (tree.leftCodeRanges && tree.leftCodeRanges.length !== nodes) {
      issue(at('leftCodeRanges'), `expected ${nodes} entries (one per node), got ${tree.leftCodeRanges.length}`);
    }
    if (tree.output >= outputs) issue(at('output'), `expected an output index below ${outputs}, got ${tree.output}`);
    tree.leftCodeRanges?.forEach((ranges, node) => {
      if (ranges.length === 0) return;
      const spec = signature.features[tree.feature[node] ?? -1];
      if (spec?.type !== 'categorical') {
        issue(at('leftCodeRanges', node), 'a category set is only allowed on a split of a categorical feature');
        return;
      }
      const problem = codeRangesProblem(ranges, ownValue(model.categoryCodes, spec.name)?.length ?? 0);
      if (problem) issue(at('leftCodeRanges', node), `"${spec.name}": ${problem}`);
    });
    const problem = treeStructureProblem(tree, signature.features.length);
    if (problem) issue(at(problem.key, problem.node), problem.message);
  });
});

/**
 * Walks a tree from the root: every child index in range, every split feature in range, no node
 * reached twice (no cycles or shared subtrees). Returns the first problem found.
 */
function treeStructureProblem(
  tree: z.output<typeof treeSchema>,
  featureCount: number,
): { key: string; node: number; message: string } | null {
  const nodes = tree.feature.length;
  const seen = new Uint8Array(nodes);
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen[node])
      return { key: 'left', node, message: `node ${node} is reached twice; the nodes do not form a tree` };
    seen[node] = 1;
    const feature = tree.feature[node]!;
    if (feature < 0) continue;
    if (feature >= featureCount) {
      return { key: 'feature', node, message: `feature index ${feature} is out of range (${featureCount} features)` };
    }
    for (const side of ['left', 'right'] as const) {
      const child = tree[side][node];
      if (child === undefined || child < 0 || child >= nodes) {
        return { key: side, node, message: `child index ${child} is out of range (${nodes} nodes)` };
      }
      stack.push(child);
    }
  }
  return null;
}

/**
 * Canonical JSON of a model: object keys sorted, two-space indent, arrays of numbers/strings on one
 * line, numbers in JavaScript's shortest round-trip form. The same model always gives the same bytes.
 * Throws on a non-finite number (JSON cannot hold it), naming where it is.
 */
export function modelToJson(model: Model): string {
  return `${canonicalJson(model, '', '$')}\n`;
}

/** Parses and checks model.json text; `source` (the file path) names the file in errors. */
export function modelFromJson(text: string, source: string): Model {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputError(`${source}: not valid JSON (${detail}); the model file is truncated or corrupted`);
  }
  const result = modelSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `key "${formatPath(i.path)}": ${i.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    throw new InputError(`${source}: not a valid Conveyor model: ${problems.join('; ')}${more}`);
  }
  return result.data satisfies Model;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function canonicalJson(value: unknown, indent: string, path: string): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`model value at ${path} is ${value}; JSON holds only finite numbers`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>), indent, path);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      return `[${value.map((v, i) => canonicalJson(v, inner, `${path}[${i}]`)).join(', ')}]`;
    }
    return `[\n${value.map((v, i) => inner + canonicalJson(v, inner, `${path}[${i}]`)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return '{}';
    const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${canonicalJson(v, inner, `${path}.${k}`)}`);
    return `{\n${body.join(',\n')}\n${indent}}`;
  }
  throw new Error(`model value at ${path} has type ${typeof value}; expected JSON data`);
}
