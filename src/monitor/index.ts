export { withLiveView } from './combine.ts';
export { decide } from './decision.ts';
export { inputDrift, predictionDrift } from './drift.ts';
export {
  confusionLabelProfile,
  inputDriftFromCounts,
  labelProfile,
  PREDICTION_COLUMN,
  predictionDriftFromCounts,
} from './drift-counts.ts';
export { type FeedbackRows, feedbackQuality, feedbackRows } from './feedback.ts';
export { feedbackLines, formatMonitorReport, inputDriftLines, predictionDriftLine } from './format.ts';
export {
  HEALTH_LABEL,
  type HealthEntry,
  healthIssueTitle,
  historyOf,
  type MonitorGitHub,
  type PublishOutcome,
  publishHealth,
  RETRAIN_EVENT,
  renderHealthIssue,
  reportSummary,
  retrainPayload,
} from './health-issue.ts';
export { type LiveModel, type LiveReport, LiveWindow, liveModelOf } from './live.ts';
export { registerLiveGauges } from './live-metrics.ts';
export { MONITOR_DIR, type MonitorInput, type MonitorResult, runMonitor } from './monitor.ts';
export { buildColumn, type LogWindow, orderLogFiles, readPredictionLog } from './prediction-log.ts';
export { holdoutPredictionProfile, predictionReference } from './reference.ts';
export * from './types.ts';
