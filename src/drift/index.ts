export { binCount, binIndex } from './buckets.ts';
export { type ChiSquaredResult, chiSquaredSurvival, chiSquaredTest, MIN_EXPECTED } from './chi-squared.ts';
export {
  buildReport,
  categoricalReference,
  computeDriftFromCounts,
  type Distributions,
  type DriftColumnOptions,
  jensenShannonDistance,
  numericReference,
  PSI_EPSILON,
  populationStabilityIndex,
} from './report.ts';
