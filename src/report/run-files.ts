import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import type { EvaluationReport } from '../evaluate/index.ts';
import { predict } from '../model/predict.ts';
import {
  type ArtifactValue,
  artifactPath,
  hasArtifact,
  type RunRecord,
  readArtifact,
  readArtifactIfPresent,
} from '../pipeline/index.ts';
import { datasetFromTable } from '../prepare/index.ts';
import type { ValidationReport } from '../validate/index.ts';
import type { Blessing } from '../validate-model/index.ts';

/** Who reads, in the contract's error messages. */
const READER = 'report';

/** The training record's loss history (train.json keeps it as written by the trainer). */
const historySchema = z.array(
  z.looseObject({ iteration: z.number(), trainLoss: z.number(), validLoss: z.number().optional() }),
);

export type DataFiles = ArtifactValue<'data'>;
export interface TrainFile {
  readonly algorithm: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, number | string>>;
  readonly history: z.output<typeof historySchema>;
}
export type ParityFile = ArtifactValue<'parity'>;
export type RegistrationFile = ArtifactValue<'registration'>;

/** Holdout predictions of the candidate, row for row with the holdout's targets (for curves and scatter plots). */
export interface HoldoutPredictions {
  readonly task: 'classification' | 'regression';
  readonly classes: readonly string[] | null;
  /** Classification: class index; regression: the value. */
  readonly actual: Float64Array;
  /** Classification: rows × classes probabilities. */
  readonly probabilities: Float64Array | null;
  /** Regression: predicted values. */
  readonly predicted: Float64Array | null;
}

/** Everything a run folder holds that its report shows; null where the stage did not write it. */
export interface RunFiles {
  readonly dir: string;
  readonly record: RunRecord;
  readonly reason: string | null;
  readonly image: string | null;
  readonly config: Config | null;
  readonly data: DataFiles | null;
  readonly validation: ValidationReport | null;
  readonly digest: string | null;
  readonly split: { readonly method: string; readonly train_rows: number; readonly holdout_rows: number } | null;
  readonly train: TrainFile | null;
  readonly evaluation: EvaluationReport | null;
  readonly parity: ParityFile | null;
  readonly blessing: Blessing | null;
  readonly baseline: EvaluationReport | null;
  readonly registration: RegistrationFile | null;
  readonly predictions: HoldoutPredictions | null;
}

/** Read a run folder; InputError (ArtifactError) naming the file when it is not one or a file is malformed. */
export async function readRunFiles(dir: string): Promise<RunFiles> {
  if (!hasArtifact(dir, 'run')) throw new InputError(`${dir}: not a run folder (no run.json)`);
  const record = await readArtifact(dir, 'run', READER);
  const split = await readArtifactIfPresent(dir, 'split', READER);
  const training = await readArtifactIfPresent(dir, 'training', READER);
  let train: TrainFile | null = null;
  if (training) {
    const history = historySchema.safeParse(training.history);
    if (!history.success) {
      throw new InputError(
        `${artifactPath(dir, 'training')}: history is not a list of {iteration, trainLoss, validLoss}`,
      );
    }
    train = {
      algorithm: training.algorithm,
      params: training.params,
      summary: training.summary,
      history: history.data,
    };
  }
  return {
    dir,
    record,
    reason: record.github?.reason ?? null,
    image: record.pipeline_image ?? null,
    config: await readArtifactIfPresent(dir, 'config', READER),
    data: await readArtifactIfPresent(dir, 'data', READER),
    validation: await readArtifactIfPresent(dir, 'validation', READER),
    digest: split?.digest ?? null,
    split: split
      ? { method: split.split.method, train_rows: split.split.train_rows, holdout_rows: split.split.holdout_rows }
      : null,
    train,
    evaluation: await readArtifactIfPresent(dir, 'evaluation', READER),
    parity: await readArtifactIfPresent(dir, 'parity', READER),
    blessing: await readArtifactIfPresent(dir, 'blessing', READER),
    baseline: (await readArtifactIfPresent(dir, 'baseline-evaluation', READER))?.report ?? null,
    registration: await readArtifactIfPresent(dir, 'registration', READER),
    predictions: split ? await holdoutPredictions(dir, split.signature) : null,
  };
}

/** The candidate's holdout predictions, recomputed from model.json (the same predictor evaluate used). */
async function holdoutPredictions(
  dir: string,
  signature: ArtifactValue<'split'>['signature'],
): Promise<HoldoutPredictions | null> {
  if (!hasArtifact(dir, 'model') || !hasArtifact(dir, 'holdout-table')) return null;
  const model = await readArtifact(dir, 'model', READER);
  const data = datasetFromTable(await readArtifact(dir, 'holdout-table', READER), signature);
  const predictions = predict(model, data.table);
  return {
    task: signature.task,
    classes: signature.classes ?? null,
    actual: data.target,
    probabilities: predictions.probabilities ?? null,
    predicted: predictions.values ?? null,
  };
}
