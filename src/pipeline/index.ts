/**
 * The public API of the pipeline: the stage table (the stage contract as data), running a stage or the whole
 * pipeline, and typed access to a run folder's files. Adapters (the CLI, the GitHub actions, CD, reports,
 * monitoring) import only from here. Importing it loads no stage executor (no onnxruntime, no Parquet reader,
 * no trainer): the table loads them on first use.
 */
export {
  artifactPath,
  hasArtifact,
  readArtifact,
  readArtifactIfPresent,
  removeArtifact,
  writeArtifact,
} from './artifact-io.ts';
export {
  type ArtifactCodec,
  type ArtifactName,
  type ArtifactSpec,
  type ArtifactValue,
  artifactNames,
  artifacts,
} from './artifacts.ts';
export {
  type CreateRunOptions,
  createRun,
  LATEST_RUN_FILE,
  type OpenRunOptions,
  openRun,
  type RunContext,
} from './context.ts';
export { type PipelineOptions, type PipelineResult, runPipeline } from './pipeline.ts';
export { PRODUCTION_ALIAS } from './production.ts';
export { formatProgress, type ProgressSink, type ProgressUpdate, periodicProgress } from './progress.ts';
export type { RunRecord, StageRecord } from './run-record.ts';
export { runStage } from './run-stage.ts';
export { isStageName, type StageName, stageNames } from './stage-names.ts';
export {
  type ExternalInput,
  type StageExecutor,
  type StageOptions,
  type StageOutcome,
  type StageOutcomes,
  type StageSpec,
  stageSpecs,
} from './stage-table.ts';
