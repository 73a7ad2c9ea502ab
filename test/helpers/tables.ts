/** In-memory columns and tables for tests. */
import type { CategoricalColumn, Column, NumericColumn, Table } from '../../src/data/types.ts';

export function numericColumn(name: string, values: ArrayLike<number>): NumericColumn {
  return { type: 'numeric', name, values: Float64Array.from(values) };
}

/** Categorical column from strings; null is missing. Dictionary in first-seen order. */
export function categoricalColumn(name: string, values: readonly (string | null)[]): CategoricalColumn {
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = Int32Array.from(values, (v) => {
    if (v === null) return -1;
    let code = index.get(v);
    if (code === undefined) {
      code = categories.length;
      categories.push(v);
      index.set(v, code);
    }
    return code;
  });
  return { type: 'categorical', name, codes, categories };
}

export function tableOf(columns: Column[]): Table {
  const first = columns[0]!;
  return { rowCount: first.type === 'categorical' ? first.codes.length : first.values.length, columns };
}
