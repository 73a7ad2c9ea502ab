import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../src/errors.ts';
import {
  computeProfile,
  type DataSchema,
  formatSchema,
  inferSchema,
  missingAllowance,
  parseSchema,
  readSchema,
  SCHEMA_COMMENT,
  writeSchema,
} from '../../src/validate/index.ts';
import { penguins, syntheticTable, tableFrom } from './helpers.ts';

const FIXTURES = 'test/fixtures/validate';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('inferSchema', () => {
  it('infers the penguins schema: types, roles, required, missing allowance, ranges, categories', () => {
    const schema = inferSchema(computeProfile(penguins().table), { target: 'species' });
    expect(schema.$comment).toBe(SCHEMA_COMMENT);
    expect(schema.schema_version).toBe(1);
    expect(schema.columns).toEqual([
      {
        name: 'species',
        type: 'categorical',
        role: 'target',
        required: true,
        max_missing_fraction: 0.05,
        categories: ['Adelie', 'Chinstrap', 'Gentoo'],
      },
      {
        name: 'island',
        type: 'categorical',
        role: 'feature',
        required: true,
        max_missing_fraction: 0.05,
        categories: ['Biscoe', 'Dream', 'Torgersen'],
      },
      // 2 of 344 missing: not required; max(0.05, 2 × 0.0058) = 0.05. Ranges are the observed ones, not widened.
      {
        name: 'bill_length_mm',
        type: 'numeric',
        role: 'feature',
        required: false,
        max_missing_fraction: 0.05,
        min: 32.1,
        max: 59.6,
      },
      {
        name: 'bill_depth_mm',
        type: 'numeric',
        role: 'feature',
        required: false,
        max_missing_fraction: 0.05,
        min: 13.1,
        max: 21.5,
      },
      {
        name: 'flipper_length_mm',
        type: 'numeric',
        role: 'feature',
        required: false,
        max_missing_fraction: 0.05,
        min: 172,
        max: 231,
      },
      {
        name: 'body_mass_g',
        type: 'numeric',
        role: 'feature',
        required: false,
        max_missing_fraction: 0.05,
        min: 2700,
        max: 6300,
      },
      // 10 of 344 missing (2.9%): 2 × 0.029 = 0.058, rounded up to 0.06. "." is a real value in this data set.
      {
        name: 'sex',
        type: 'categorical',
        role: 'feature',
        required: false,
        max_missing_fraction: 0.06,
        categories: ['.', 'FEMALE', 'MALE'],
      },
    ]);
  });

  it('rounds the missing allowance up to 2 decimals with a 5% floor', () => {
    expect(missingAllowance(0)).toBe(0.05);
    expect(missingAllowance(0.024)).toBe(0.05);
    expect(missingAllowance(0.035)).toBe(0.07);
    expect(missingAllowance(0.0351)).toBe(0.08);
    expect(missingAllowance(0.3)).toBe(0.6);
    expect(missingAllowance(0.8)).toBe(1);
  });

  it('marks dropped, time and datetime columns, and lists no categories beyond the profile top list', () => {
    const table = tableFrom({
      id: ['a', 'b', 'c'],
      at: [new Date(0), new Date(1000), null],
      y: [1, 2, 3],
    });
    const schema = inferSchema(computeProfile(table), { target: 'y', drop: ['id'] });
    expect(schema.columns).toEqual([
      { name: 'id', type: 'categorical', role: 'dropped', required: false, max_missing_fraction: 1 },
      { name: 'at', type: 'datetime', role: 'time', required: false, max_missing_fraction: 0.67 },
      { name: 'y', type: 'numeric', role: 'target', required: true, max_missing_fraction: 0.05, min: 1, max: 3 },
    ]);
    const wide = inferSchema(computeProfile(syntheticTable({ rows: 3000, seed: 2 })), { target: 'x' });
    const city = wide.columns.find((column) => column.name === 'city');
    expect(city).toEqual({
      name: 'city',
      type: 'categorical',
      role: 'feature',
      required: true,
      max_missing_fraction: 0.05,
    });
    expect(wide.columns.find((column) => column.name === 'segment')).toMatchObject({
      categories: ['bronze', 'gold', 'platinum', 'silver'],
    });
  });

  it('refuses a target that is not in the data, and data with no rows', () => {
    const profile = computeProfile(penguins().table);
    const error = thrown(() => inferSchema(profile, { target: 'Species' }));
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      'target column "Species" is not in the data (columns: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex)',
    );
    expect(() => inferSchema(computeProfile(tableFrom({ y: [] })), { target: 'y' })).toThrow(DataError);
  });
});

describe('writeSchema / readSchema', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-schema-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the inferred schema, with stable bytes and no temp file left behind', () => {
    const schema = inferSchema(computeProfile(penguins().table), { target: 'species' });
    const path = join(dir, 'nested', 'schema.json');
    writeSchema(path, schema);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(`  "$comment": ${JSON.stringify(SCHEMA_COMMENT)},`);
    expect(readSchema(path)).toEqual(schema);
    writeSchema(path, readSchema(path));
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['schema.json']);
  });

  it('reads a hand-edited schema in any key order and writes it back in the canonical order', () => {
    const schema = readSchema(join(FIXTURES, 'schema-edited.json'));
    expect(schema.columns[1]).toEqual({
      name: 'bill_length_mm',
      type: 'numeric',
      required: false,
      max_missing_fraction: 0.1,
      min: 30,
      max: 65,
      severity: { drift: 'error', out_of_range: 'warning' },
    });
    const text = formatSchema(schema);
    const keys = Object.keys(JSON.parse(text).columns[1]);
    expect(keys).toEqual(['name', 'type', 'required', 'max_missing_fraction', 'min', 'max', 'severity']);
    expect(Object.keys(JSON.parse(text))).toEqual(['$comment', 'schema_version', 'columns']);
    expect(Object.keys(JSON.parse(text).columns[1].severity)).toEqual(['out_of_range', 'drift']);
    const path = join(dir, 'schema.json');
    writeSchema(path, schema);
    expect(readSchema(path)).toEqual(schema);
  });

  it('names the file, key, column and line of a bad field in a hand-edited schema', () => {
    const file = join(FIXTURES, 'schema-bad-fraction.json');
    const error = thrown(() => readSchema(file));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ file, key: 'columns[2].max_missing_fraction' });
    expect((error as Error).message).toBe(
      `${file}: columns[2].max_missing_fraction: (column "bill_length_mm", line 26) "5%" is not accepted: expected number, received string`,
    );
  });

  it('points out a misspelt key', () => {
    const file = join(FIXTURES, 'schema-typo.json');
    expect(() => readSchema(file)).toThrow(
      `${file}: columns[1].max_mising_fraction: (column "body_mass_g", line 15) unknown key; did you mean "max_missing_fraction"?`,
    );
  });

  const base = { name: 'x', required: true, max_missing_fraction: 0.05 };
  const text = (columns: unknown[]) => JSON.stringify({ schema_version: 1, columns }, null, 2);
  it.each([
    ['not JSON', '{"schema_version": 1,', '(json)', /not valid JSON/],
    [
      'a bad type',
      text([{ ...base, type: 'number' }]),
      'columns[0].type',
      /"number" is not accepted: expected "numeric", "categorical" or "datetime"/,
    ],
    [
      'min on a categorical column',
      text([{ ...base, type: 'categorical', min: 1 }]),
      'columns[0].min',
      /min\/max apply to numeric columns only, this one is categorical/,
    ],
    ['min above max', text([{ ...base, type: 'numeric', min: 5, max: 1 }]), 'columns[0].min', /min 5 is above max 1/],
    [
      'a repeated column',
      text([
        { ...base, type: 'numeric' },
        { ...base, type: 'datetime' },
      ]),
      'columns[1].name',
      /column "x" is listed twice/,
    ],
    [
      'a repeated category',
      text([{ ...base, type: 'categorical', categories: ['a', 'b', 'a'] }]),
      'columns[0].categories[2]',
      /category "a" is listed twice/,
    ],
    [
      'a missing key',
      text([{ name: 'x', type: 'numeric', max_missing_fraction: 0 }]),
      'columns[0].required',
      /required key is missing; expected boolean/,
    ],
    [
      'a fraction above 1',
      text([{ ...base, type: 'numeric', max_missing_fraction: 5 }]),
      'columns[0].max_missing_fraction',
      /5 is not accepted: Too big: expected number to be <=1/,
    ],
    [
      'an unknown severity kind',
      text([{ ...base, type: 'numeric', severity: { ragged_row: 'warning' } }]),
      'columns[0].severity.ragged_row',
      /expected one of out_of_range, unseen_category, too_many_missing, type_mismatch, drift/,
    ],
    [
      'a bad severity',
      text([{ ...base, type: 'numeric', severity: { drift: 'fatal' } }]),
      'columns[0].severity.drift',
      /"fatal" is not accepted/,
    ],
    [
      'no version',
      JSON.stringify({ columns: [{ ...base, type: 'numeric' }] }),
      'schema_version',
      /^\(line 1\) required key is missing; expected 1$/,
    ],
  ])('rejects %s', (_what, source, key, message) => {
    const error = thrown(() => parseSchema(source, 'data/schema.json'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).detail).toMatch(message);
  });

  it('reports every problem of a hand-edited schema at once, a misspelling once', () => {
    const source = text([
      { ...base, type: 'number' },
      { name: 'y', type: 'numeric', required: true, max_mising_fraction: 0.1 },
      { ...base, name: 'z', type: 'numeric', max_missing_fraction: 5 },
    ]);
    const error = thrown(() => parseSchema(source, 'data/schema.json')) as ConfigError;
    expect(error.problems.map((p) => p.key).sort()).toEqual([
      'columns[0].type',
      'columns[1].max_mising_fraction',
      'columns[2].max_missing_fraction',
    ]);
    expect(error.message).toMatch(/^data\/schema\.json: 3 problems:\n/);
  });

  it('reports a missing file as a ConfigError naming it', () => {
    const path = join(dir, 'absent.json');
    expect(() => readSchema(path)).toThrow(`${path}: (file): schema file not found`);
  });

  it('refuses to write an invalid schema', () => {
    const bad = { schema_version: 1, columns: [{ ...base, type: 'numeric', min: 2, max: 1 }] } as DataSchema;
    const path = join(dir, 'schema.json');
    expect(() => writeSchema(path, bad)).toThrow(
      /columns\[0\]\.min: refusing to write an invalid schema: min 2 is above max 1/,
    );
    writeFileSync(join(dir, 'keep'), '');
    expect(readdirSync(dir)).toEqual(['keep']);
  });
});
