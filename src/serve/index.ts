/** The prediction service: Open Inference Protocol v2 over HTTP on onnxruntime, with dynamic batching. */
export { type BatchEvent, Batcher } from './batcher.ts';
export { serveCli } from './cli.ts';
export type { ModelOutputs, OipTensor, Prediction, RowBlock } from './codec.ts';
export type { InferResponse, PredictResponse, ServerMetadata } from './data-plane.ts';
export {
  InvalidRequestError,
  ModelConflictError,
  ModelLoadError,
  ModelNotFoundError,
  ModelNotReadyError,
  ServeError,
  statusOf,
  TooManyRowsError,
} from './errors.ts';
export type { ModelMetadata, TensorMetadata } from './model.ts';
export {
  formatLine,
  PredictionLog,
  type PredictionLogLine,
  type PredictionRecord,
  predictionLogFiles,
} from './prediction-log.ts';
export {
  DEFAULT_BATCHING,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_ROWS,
  DEFAULT_PORT,
  serveOptionsFromConfig,
  startServer,
} from './server.ts';
export type * from './types.ts';
