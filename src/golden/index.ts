export type { GoldenMismatch, GoldenReport } from './check.ts';
export { assertGolden, checkGoldenAt, compareGolden, GOLDEN_MISMATCHES_SHOWN, goldenRequest } from './check.ts';
export type { ImageCheckOptions, ImageCheckResult } from './container.ts';
export { checkImage, probe } from './container.ts';
export { readGoldenSet, serializeGoldenSet, writeGoldenSet } from './file.ts';
export type { GoldenInput } from './golden-set.ts';
export { buildGoldenSet } from './golden-set.ts';
export type { GoldenExpected, GoldenSet } from './schema.ts';
export { GOLDEN_FILE, GOLDEN_FORMAT, GOLDEN_ROWS, goldenSetSchema } from './schema.ts';
