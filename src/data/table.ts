/** Small operations on a Table: look up, gather, project, build from JSON records, print a cell. */

import { InputError } from '../errors.ts';
import { ownValue } from '../lib/column-keys.ts';
import { getColumn } from '../lib/columns.ts';
import { TextDictionary } from '../lib/text-dictionary.ts';
import { datetimeText, numberText, parseDatetime } from './parse-value.ts';
import type { Column, ColumnType, Table } from './types.ts';

export { readTable, writeTable } from './table-io.ts';
export { getColumn };

/**
 * The rows at `rows` (table indices, in that order; repeats allowed), all columns. Categorical columns keep
 * their category list, so codes stay comparable with the source table.
 */
export function selectRows(table: Table, rows: Uint32Array | readonly number[]): Table {
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= table.rowCount) {
      throw new InputError(`selectRows: row ${row} (position ${i}) is outside the table (0–${table.rowCount - 1})`);
    }
  }
  const columns = table.columns.map((column): Column => {
    if (column.type === 'categorical') {
      const codes = new Int32Array(n);
      const source = column.codes;
      for (let i = 0; i < n; i++) codes[i] = source[rows[i]!]!;
      return { type: 'categorical', name: column.name, codes, categories: column.categories };
    }
    const values = new Float64Array(n);
    const source = column.values;
    for (let i = 0; i < n; i++) values[i] = source[rows[i]!]!;
    return { type: column.type, name: column.name, values };
  });
  return { rowCount: n, columns };
}

/** The named columns, in the order given (arrays shared, not copied). */
export function selectColumns(table: Table, names: readonly string[]): Table {
  const seen = new Set<string>();
  const columns: Column[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    columns.push(getColumn(table, name));
  }
  return { rowCount: table.rowCount, columns };
}

export type RecordValue = string | number | boolean | null | undefined;

/**
 * Build a table from JSON-like records (tests, the server's JSON endpoint). Columns are the record keys in
 * first-seen order; a key absent from a record or null/undefined is missing. Without a type in `types`:
 * numbers → numeric; strings and booleans ("true"/"false") → categorical; a column mixing numbers with
 * strings/booleans is an InputError. Forced types: numeric takes numbers; categorical takes strings,
 * booleans and finite numbers (as their shortest text); datetime takes ISO-8601 strings or epoch-ms
 * numbers. A value of another kind, or ±Infinity, is an InputError naming the record index and column.
 * NaN is missing. `types` entries for keys that no record has are ignored.
 */
export function tableFromRecords(
  records: readonly Record<string, RecordValue>[],
  types: Readonly<Record<string, ColumnType>> = {},
): Table {
  const names: string[] = [];
  const seen = new Set<string>();
  records.forEach((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new InputError(`record ${index} is not an object`);
    }
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  });
  const columns = names.map((name) => {
    const forced = Object.hasOwn(types, name) ? types[name] : undefined;
    return buildRecordColumn(records, name, forced ?? inferRecordType(records, name));
  });
  return { rowCount: records.length, columns };
}

function inferRecordType(records: readonly Record<string, RecordValue>[], name: string): ColumnType {
  let type: ColumnType | undefined;
  let first = -1;
  records.forEach((record, index) => {
    const value = ownValue(record, name);
    if (value === null || value === undefined) return;
    const kind: ColumnType = typeof value === 'number' ? 'numeric' : 'categorical';
    if (type === undefined) {
      type = kind;
      first = index;
    } else if (kind !== type) {
      throw new InputError(
        `record ${index}, column "${name}": ${describeValue(value)} but record ${first} holds ${type === 'numeric' ? 'a number' : 'a string'}; give the column a type`,
      );
    }
  });
  return type ?? 'numeric';
}

function buildRecordColumn(records: readonly Record<string, RecordValue>[], name: string, type: ColumnType): Column {
  const n = records.length;
  const wrongKind = (index: number, value: RecordValue, expected: string): InputError =>
    new InputError(`record ${index}, column "${name}": expected ${expected}, got ${describeValue(value)}`);
  if (type === 'categorical') {
    const codes = new Int32Array(n);
    const dictionary = new TextDictionary();
    for (let i = 0; i < n; i++) {
      const value = ownValue(records[i]!, name);
      let text: string;
      if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
        codes[i] = -1;
        continue;
      }
      if (typeof value === 'string') text = value;
      else if (typeof value === 'boolean') text = value ? 'true' : 'false';
      else if (typeof value === 'number' && Number.isFinite(value)) text = numberText(value);
      else throw wrongKind(i, value, 'a string');
      codes[i] = dictionary.add(text);
    }
    return { type, name, codes, categories: dictionary.entries };
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = ownValue(records[i]!, name);
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
      values[i] = Number.NaN;
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      values[i] = value;
    } else if (type === 'datetime' && typeof value === 'string' && parseDatetime(value) !== undefined) {
      values[i] = parseDatetime(value)!;
    } else {
      throw wrongKind(
        i,
        value,
        type === 'numeric' ? 'a finite number' : 'an ISO-8601 date/time string or epoch milliseconds',
      );
    }
  }
  return { type, name, values };
}

function describeValue(value: RecordValue): string {
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Text of one cell for messages: the category, the number, the ISO-8601 instant, or `(missing)`. */
export function cellText(table: Table, column: string, row: number): string {
  if (!Number.isInteger(row) || row < 0 || row >= table.rowCount) {
    throw new InputError(`row ${row} is outside the table (0–${table.rowCount - 1})`);
  }
  const col = getColumn(table, column);
  if (col.type === 'categorical') {
    const code = col.codes[row]!;
    return code < 0 ? '(missing)' : col.categories[code]!;
  }
  const value = col.values[row]!;
  if (Number.isNaN(value)) return '(missing)';
  return col.type === 'datetime' ? datetimeText(value) : numberText(value);
}
