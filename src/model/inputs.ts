/**
 * Reading model inputs from a table by column name, exactly as the ONNX graph receives them:
 * numbers as float32, categories as strings matched against the model's list.
 */

import type { Column, Table } from '../data/types.ts';
import { InputError } from '../errors.ts';
import { getColumn } from '../lib/columns.ts';

/** The input column called `name` (InputError listing the columns when there is none). */
export function findColumn(table: Table, name: string): Column {
  return getColumn(table, name, 'input column');
}

/** A numeric feature as float32 values (stored in float64 for arithmetic); NaN where missing. */
export function numericInput(table: Table, name: string): Float64Array {
  const column = findColumn(table, name);
  if (column.type !== 'numeric') {
    throw new InputError(`input column "${name}" must be numeric, got ${column.type}`);
  }
  const out = new Float64Array(table.rowCount);
  const values = column.values;
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(values[i]!);
  return out;
}

/**
 * A categorical feature as indices into `categories` (the model's list); -1 for a missing value or a
 * category the model has not seen. Matching is by exact string, as the graph's string lookup does.
 */
export function categoryInput(table: Table, name: string, categories: readonly string[]): Int32Array {
  const column = findColumn(table, name);
  if (column.type !== 'categorical') {
    throw new InputError(`input column "${name}" must be categorical (strings), got ${column.type}`);
  }
  const index = new Map<string, number>();
  categories.forEach((category, i) => {
    if (!index.has(category)) index.set(category, i);
  });
  // Translate the table's dictionary once, then map codes.
  const translate = new Int32Array(column.categories.length);
  column.categories.forEach((category, code) => {
    translate[code] = index.get(category) ?? -1;
  });
  const out = new Int32Array(table.rowCount);
  const codes = column.codes;
  for (let i = 0; i < out.length; i++) {
    const code = codes[i]!;
    out[i] = code < 0 ? -1 : translate[code]!;
  }
  return out;
}
