export { type ChiSquaredResult, chiSquaredSurvival, chiSquaredTest, MIN_EXPECTED } from '../drift/chi-squared.ts';
export {
  RAGGED_ROWS_LISTED,
  UNSEEN_EXAMPLES,
  unusableData,
  type ValidateDataInput,
  validateData,
} from './anomalies.ts';
export {
  bucketCounts,
  computeDrift,
  computeDriftFromCounts,
  computeDriftFromProfiles,
  type DriftColumnOptions,
  jensenShannonDistance,
  PSI_EPSILON,
  populationStabilityIndex,
} from './drift.ts';
export { assertValidData, DataValidationError } from './errors.ts';
export { formatDrift, formatValidationReport } from './format.ts';
export {
  binCount,
  binIndex,
  computeProfile,
  DEFAULT_BINS,
  DEFAULT_MAX_CATEGORIES,
  type ProfileOptions,
  quantileSorted,
} from './profile.ts';
export {
  formatSchema,
  type InferSchemaOptions,
  inferSchema,
  MIN_MISSING_ALLOWANCE,
  missingAllowance,
  parseSchema,
  readSchema,
  SCHEMA_COMMENT,
  writeSchema,
} from './schema.ts';
export * from './types.ts';
