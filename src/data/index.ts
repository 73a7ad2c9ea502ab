/** Data loading and table utilities: the one columnar representation every stage reads. */
export { columnRecord, ownValue } from '../lib/column-keys.ts';
export { canonicalOrder, dataDigest, hashUnit, rowKeys } from './digest.ts';
export { DEFAULT_MISSING_VALUES, loadData, SUPPORTED_EXTENSIONS } from './load.ts';
export { datetimeText, numberText, parseDatetime, parseNumber } from './parse-value.ts';
export { cellText, getColumn, selectColumns, selectRows, tableFromRecords } from './table.ts';
export { readTable, writeTable } from './table-io.ts';
export type * from './types.ts';
