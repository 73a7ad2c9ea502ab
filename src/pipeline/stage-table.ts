/**
 * The stage contract as data (after TFX's component specs): for each stage, the run-folder artifacts it reads
 * and writes, what else it touches, and its executor. The CLI's stage commands, `runPipeline` and the GitHub
 * actions all dispatch through this one table. Executors are loaded on first use, so importing the table does
 * not load onnxruntime, the Parquet reader or the trainer.
 */
import type { ArtifactName } from './artifacts.ts';
import type { RunContext } from './context.ts';
import type { StageName } from './stage-names.ts';
import type { EvaluateOutcome } from './stages/evaluate.ts';
import type { ExportOutcome } from './stages/export.ts';
import type { PrepareOutcome } from './stages/prepare.ts';
import type { RegisterOptions, RegistrationOutcome } from './stages/register.ts';
import type { TrainOutcome } from './stages/train.ts';
import type { ValidateDataOutcome } from './stages/validate-data.ts';
import type { ValidateModelOutcome } from './stages/validate-model.ts';

export { type StageName, stageNames } from './stage-names.ts';

/** What each stage returns. */
export interface StageOutcomes {
  'validate-data': ValidateDataOutcome;
  prepare: PrepareOutcome;
  train: TrainOutcome;
  evaluate: EvaluateOutcome;
  export: ExportOutcome;
  'validate-model': ValidateModelOutcome;
  register: RegistrationOutcome;
}
export type StageOutcome<N extends StageName = StageName> = StageOutcomes[N];

/** Options a stage run may take (only register has any today). */
export interface StageOptions {
  readonly register?: RegisterOptions;
}

export type StageExecutor<N extends StageName> = (ctx: RunContext, options: StageOptions) => Promise<StageOutcomes[N]>;

/** Inputs from outside the run folder. */
export type ExternalInput = 'data files' | 'schema file' | 'registry';

export interface StageSpec<N extends StageName = StageName> {
  readonly name: N;
  /** One line for `--help` and action descriptions. */
  readonly summary: string;
  /** Run-folder artifacts read (the stage fails with an InputError naming the file when one is missing). */
  readonly reads: readonly ArtifactName[];
  /** Run-folder artifacts written. */
  readonly writes: readonly ArtifactName[];
  /** What it reads or changes outside the run folder. */
  readonly external: readonly ExternalInput[];
  readonly load: () => Promise<StageExecutor<N>>;
}

const spec = <N extends StageName>(s: StageSpec<N>): StageSpec<N> => s;

export const stageSpecs: { readonly [N in StageName]: StageSpec<N> } = {
  'validate-data': spec({
    name: 'validate-data',
    summary: 'load the data, infer or check the schema, profile, find anomalies and drift',
    reads: ['config'],
    writes: ['data', 'schema', 'profile', 'validation', 'table'],
    external: ['data files', 'schema file', 'registry'],
    load: async () => (await import('./stages/validate-data.ts')).validateDataStage,
  }),
  prepare: spec({
    name: 'prepare',
    summary: 'split train/holdout',
    reads: ['config', 'data', 'table'],
    writes: ['split', 'train-table', 'holdout-table'],
    external: [],
    load: async () => (await import('./stages/prepare.ts')).prepareStage,
  }),
  train: spec({
    name: 'train',
    summary: 'fit the model',
    reads: ['config', 'split', 'train-table'],
    writes: ['model', 'training'],
    external: [],
    load: async () => (await import('./stages/train.ts')).trainStage,
  }),
  evaluate: spec({
    name: 'evaluate',
    summary: 'holdout metrics, slices, feature importance',
    reads: ['config', 'split', 'train-table', 'holdout-table', 'model'],
    writes: ['evaluation', 'holdout-predictions'],
    external: [],
    load: async () => (await import('./stages/evaluate.ts')).evaluateStage,
  }),
  export: spec({
    name: 'export',
    summary: 'write model.onnx, run the parity gate, record the golden requests',
    reads: ['run', 'config', 'split', 'holdout-table', 'model'],
    writes: ['onnx', 'parity', 'golden'],
    external: [],
    load: async () => (await import('./stages/export.ts')).exportStage,
  }),
  'validate-model': spec({
    name: 'validate-model',
    summary: 'compare with production and decide blessing',
    reads: ['config', 'split', 'holdout-table', 'evaluation', 'parity', 'validation'],
    writes: ['blessing', 'baseline-evaluation'],
    external: ['registry'],
    load: async () => (await import('./stages/validate-model.ts')).validateModelStage,
  }),
  register: spec({
    name: 'register',
    summary: 'publish the blessed model to the registry',
    reads: [
      'run',
      'config',
      'data',
      'schema',
      'profile',
      'validation',
      'split',
      'holdout-table',
      'model',
      'training',
      'evaluation',
      'holdout-predictions',
      'onnx',
      'blessing',
      'baseline-evaluation',
      'golden',
    ],
    writes: ['card', 'card-md', 'registration'],
    external: ['registry'],
    load: async () => (await import('./stages/register.ts')).registerStage,
  }),
};
