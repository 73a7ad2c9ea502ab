export { type EvaluateInput, evaluateModel, MIN_SLICE_ROWS, type ModelIdentity } from './evaluate.ts';
export { formatEvaluation } from './format.ts';
export { type FeatureImportance, featureImportance } from './importance.ts';
export {
  accuracy,
  balancedAccuracy,
  binaryAuc,
  type ClassificationOutcome,
  type ClassScores,
  classificationMetrics,
  confusionMatrix,
  defaultPrimaryMetric,
  LOG_LOSS_EPS,
  logLoss,
  METRICS,
  type MetricValues,
  macroF1,
  metricsFor,
  perClassScores,
  type ResidualSummary,
  regressionMetrics,
  residualSummary,
  rocAuc,
} from './metrics.ts';
export { type NaiveBaseline, naivePredictions } from './naive.ts';
export {
  type EvaluationReport,
  evaluationReportSchema,
  metricValuesSchema,
  type SliceReport,
  type SliceValue,
} from './types.ts';
