export { datasetFromTable, inferTask, prepareData } from './prepare.ts';
export type { PreparedData, PrepareOptions, SplitSummary } from './types.ts';
