/**
 * The data schema (TFX SchemaGen): what every batch of data must look like. Inferred once from the data, then
 * committed and edited by hand (data/<model.name>.schema.json by default, config `data.schema`); validation
 * checks each new batch against it.
 *
 * Inference choices:
 * - required = no missing value seen (required columns must be in every file's header);
 * - max_missing_fraction = max(0.05, 2 × observed), rounded up to 2 decimals, at most 1;
 * - numeric min/max = the observed min/max, not widened. TFX infers no ranges; Conveyor does, so a value outside
 *   the training range is reported, as a warning by default (`validation.data.severity.out_of_range`): ranges seen
 *   in the first batches are not limits of the world, and a tree model or a standardised linear model handles a
 *   value beyond them. Errors by default are kept for what breaks training or serving: wrong types, a required
 *   column missing, too many missing values. Tighten a column with `"severity": {"out_of_range": "error"}` in the
 *   schema (or config-wide), and set its min/max to the limits that really hold.
 * - categories = every category seen when there are at most `max_categories` (profile, default 100) of them, like
 *   TFX's max_string_domain_size; with more, no category list is written and any category is accepted.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, DataError } from '../errors.ts';
import { closestName } from '../lib/closest-name.ts';
import { writeFileAtomic } from '../lib/files.ts';
import {
  CONFIGURABLE_KINDS,
  type ColumnProfile,
  type ColumnRole,
  type DataProfile,
  type DataSchema,
  dataSchemaSchema,
  SCHEMA_VERSION,
  type SchemaColumn,
} from './types.ts';

/** Told to whoever opens the file. */
export const SCHEMA_COMMENT =
  'Data schema for Conveyor, inferred from the data. Edit it and commit it: every new batch is validated against it. ' +
  'Per column: type (numeric | categorical | datetime), required (must be in every file), role (feature | target | ' +
  'dropped | time), max_missing_fraction (0-1), min/max (numeric), categories (categorical; remove the list to ' +
  'accept any), severity (optional: error | warning for out_of_range, unseen_category, too_many_missing, ' +
  'type_mismatch, drift; overrides conveyor.yml validation.data.severity).';

/** Floor of the inferred max_missing_fraction. */
export const MIN_MISSING_ALLOWANCE = 0.05;

export interface InferSchemaOptions {
  /** Column to predict (config `data.target`); must be in the profile. */
  readonly target: string;
  /** Columns to mark `dropped` (config `data.drop`): listed, but no value checks. */
  readonly drop?: readonly string[];
  /** Column of a time-ordered split (config `split.time_column`); role `time`, as is every datetime column. */
  readonly timeColumn?: string;
}

/** Infer a schema from a profile (see the module comment for the rules). Throws DataError on an unusable profile. */
export function inferSchema(profile: DataProfile, options: InferSchemaOptions): DataSchema {
  if (profile.row_count === 0) throw new DataError('cannot infer a data schema from data with no rows');
  const names = profile.columns.map((column) => column.name);
  for (const [what, name] of [
    ['target', options.target],
    ['time column', options.timeColumn],
  ] as const) {
    if (name !== undefined && !names.includes(name)) {
      throw new DataError(`${what} column "${name}" is not in the data (columns: ${names.join(', ')})`);
    }
  }
  const drop = new Set(options.drop ?? []);
  return {
    $comment: SCHEMA_COMMENT,
    schema_version: SCHEMA_VERSION,
    columns: profile.columns.map((column) => inferColumn(column, roleOf(column, options, drop))),
  };
}

function roleOf(column: ColumnProfile, options: InferSchemaOptions, drop: ReadonlySet<string>): ColumnRole {
  if (column.name === options.target) return 'target';
  if (drop.has(column.name)) return 'dropped';
  if (column.name === options.timeColumn || column.type === 'datetime') return 'time';
  return 'feature';
}

function inferColumn(column: ColumnProfile, role: ColumnRole): SchemaColumn {
  if (role === 'dropped') {
    return { name: column.name, type: column.type, role, required: false, max_missing_fraction: 1 };
  }
  const common = {
    name: column.name,
    role,
    required: column.missing === 0,
    max_missing_fraction: missingAllowance(column.missing_fraction),
  };
  switch (column.type) {
    case 'numeric':
      return {
        ...common,
        type: 'numeric',
        ...(column.min === null ? {} : { min: column.min }),
        ...(column.max === null ? {} : { max: column.max }),
      };
    case 'categorical':
      return {
        ...common,
        type: 'categorical',
        ...(column.other_count === 0
          ? {
              categories: column.top
                .filter((entry) => entry.count > 0)
                .map((entry) => entry.value)
                .sort(byCodePoint),
            }
          : {}),
      };
    case 'datetime':
      return { ...common, type: 'datetime' };
  }
}

/** max(0.05, 2 × observed) rounded up to 2 decimals, at most 1. */
export function missingAllowance(observed: number): number {
  const wanted = Math.max(MIN_MISSING_ALLOWANCE, 2 * observed);
  // The small tolerance keeps 0.07 (stored as 0.07000000000000001 × 100) from rounding up to 0.08.
  return Math.min(1, Math.ceil(wanted * 100 - 1e-9) / 100);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Read and check a schema file. Throws ConfigError naming the file and the key (e.g.
 * `columns[2].max_missing_fraction`), with the column name and line, when the file is missing, not JSON, or a
 * field is wrong.
 */
export function readSchema(path: string): DataSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, '(file)', code === 'ENOENT' ? 'schema file not found' : String(error));
  }
  return parseSchema(text, path);
}

/** Check schema JSON text; `file` names it in error messages. */
export function parseSchema(text: string, file: string): DataSchema {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, '(json)', `not valid JSON: ${(error as Error).message}`);
  }
  const result = dataSchemaSchema.safeParse(value);
  if (result.success) return result.data;
  // Report the deepest issue; at equal depth an unknown key first (a misspelt key also shows up as a missing one).
  const ranked = result.error.issues
    .map((issue) => ({
      issue,
      path: issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path,
    }))
    .sort(
      (a, b) =>
        b.path.length - a.path.length ||
        Number(b.issue.code === 'unrecognized_keys') - Number(a.issue.code === 'unrecognized_keys'),
    );
  // Every problem at once, the most telling first. A key missing beside an unknown one is the same misspelling.
  const misspelt = new Set(
    ranked.filter(({ issue }) => issue.code === 'unrecognized_keys').map(({ issue }) => keyOf(issue.path)),
  );
  const problems = ranked
    .filter(
      ({ issue, path }) =>
        !(
          issue.code === 'invalid_type' &&
          valueAt(value, path) === undefined &&
          misspelt.has(keyOf(path.slice(0, -1)))
        ),
    )
    .map(({ issue, path }) => ({ key: keyOf(path) || '(root)', detail: describeIssue(issue, value, text, path) }));
  throw ConfigError.of(file, [...new Map(problems.map((p) => [`${p.key}\0${p.detail}`, p])).values()]);
}

/** Keys a schema column may have, for "did you mean" hints. */
const COLUMN_KEYS = [
  'name',
  'type',
  'required',
  'role',
  'max_missing_fraction',
  'min',
  'max',
  'categories',
  'severity',
];

/** `columns[2].max_missing_fraction` */
function keyOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, text: string, path: readonly PropertyKey[]): string {
  const where: string[] = [];
  const columnIndex = path[0] === 'columns' && typeof path[1] === 'number' ? path[1] : undefined;
  const column = columnIndex === undefined ? undefined : valueAt(root, ['columns', columnIndex]);
  const columnName = (column as { name?: unknown } | undefined)?.name;
  if (typeof columnName === 'string') where.push(`column "${columnName}"`);
  const line = lineOf(text, path);
  if (line !== undefined) where.push(`line ${line}`);
  const at = where.length > 0 ? `(${where.join(', ')}) ` : '';
  if (issue.code === 'unrecognized_keys') {
    const key = String(path[path.length - 1]);
    const type = (column as { type?: unknown } | undefined)?.type;
    if ((key === 'min' || key === 'max') && type !== undefined) {
      return `${at}unknown key: min/max apply to numeric columns only, this one is ${String(type)}`;
    }
    if (key === 'categories' && type !== undefined) {
      return `${at}unknown key: categories apply to categorical columns only, this one is ${String(type)}`;
    }
    if (path.includes('severity')) return `${at}unknown key; expected one of ${CONFIGURABLE_KINDS.join(', ')}`;
    const known = path.length === 1 ? ['$comment', 'schema_version', 'columns'] : COLUMN_KEYS;
    const guess = closestName(key, known);
    return `${at}unknown key${guess ? `; did you mean "${guess}"?` : `; expected one of ${known.join(', ')}`}`;
  }
  const value = valueAt(root, path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return `${at}required key is missing; expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value' && value === undefined) {
    return `${at}required key is missing; expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  if (issue.code === 'invalid_union' && path[path.length - 1] === 'type') {
    return `${at}${JSON.stringify(value)} is not accepted: expected "numeric", "categorical" or "datetime"`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  const shown = value === undefined || issue.code === 'custom' ? '' : `${JSON.stringify(value)} is not accepted: `;
  return `${at}${shown}${message}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** 1-based line of the value at `path` (JSON is YAML, so the YAML parser gives positions). */
function lineOf(text: string, path: readonly PropertyKey[]): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  // For a missing key, point at the object that should hold it.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return counter.linePos(offset).line;
  }
  return undefined;
}

/** The schema as file text: keys in a fixed order, 2-space JSON, trailing newline. */
export function formatSchema(schema: DataSchema): string {
  return `${JSON.stringify(canonicalSchema(schema), null, 2)}\n`;
}

/** Check a schema and write it atomically (temp file + rename), creating the folder. Same schema → same bytes. */
export function writeSchema(path: string, schema: DataSchema): void {
  const result = dataSchemaSchema.safeParse(schema);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(path, keyOf(issue.path) || '(root)', `refusing to write an invalid schema: ${issue.message}`);
  }
  writeFileAtomic(path, formatSchema(result.data));
}

function canonicalSchema(schema: DataSchema): DataSchema {
  return {
    ...(schema.$comment === undefined ? {} : { $comment: schema.$comment }),
    schema_version: schema.schema_version,
    ...(schema.inferred_for === undefined ? {} : { inferred_for: schema.inferred_for }),
    columns: schema.columns.map(canonicalColumn),
  };
}

function canonicalColumn(column: SchemaColumn): SchemaColumn {
  const head = {
    name: column.name,
    type: column.type,
    ...(column.role === undefined ? {} : { role: column.role }),
    required: column.required,
    max_missing_fraction: column.max_missing_fraction,
  };
  const severity = column.severity;
  const tail =
    severity === undefined
      ? {}
      : {
          severity: Object.fromEntries(
            CONFIGURABLE_KINDS.filter((kind) => severity[kind] !== undefined).map((kind) => [kind, severity[kind]]),
          ),
        };
  switch (column.type) {
    case 'numeric':
      return {
        ...head,
        type: 'numeric',
        ...(column.min === undefined ? {} : { min: column.min }),
        ...(column.max === undefined ? {} : { max: column.max }),
        ...tail,
      };
    case 'categorical':
      return {
        ...head,
        type: 'categorical',
        ...(column.categories === undefined ? {} : { categories: [...column.categories] }),
        ...tail,
      };
    case 'datetime':
      return { ...head, type: 'datetime', ...tail };
  }
}
