/** Data loading and table utilities: the one columnar representation every stage reads. */
export { columnRecord, ownValue } from '../lib/column-keys.ts';
export { canonicalOrder, dataDigest, hashUnit, rowKeys } from './digest.ts';
export { datetimeText, numberText, parseDatetime, parseNumber } from './parse-value.ts';
export { cellText, getColumn, selectColumns, selectRows, tableFromRecords } from './table.ts';
export { readTable, writeTable } from './table-io.ts';
export type * from './types.ts';

import type { LoadedData, LoadOptions } from './types.ts';

/**
 * Load the configured data files into one table. The CSV and Parquet readers are imported on first use, so the
 * rest of this API (tables, digests) is cheap to import.
 */
export async function loadData(options: LoadOptions): Promise<LoadedData> {
  return (await import('./load.ts')).loadData(options);
}
