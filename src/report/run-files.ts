/**
 * Reading a run folder for its report: every file a stage wrote, each optional (a run that stopped early
 * still gets a report of what it did). Files with a schema elsewhere are parsed through it; the few stage
 * outputs without one get a loose schema here naming only the fields the report shows.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { type Config, configSchema } from '../config/schema.ts';
import { readTable } from '../data/table.ts';
import { InputError } from '../errors.ts';
import { type EvaluationReport, evaluationReportSchema } from '../evaluate/index.ts';
import { readJson } from '../lib/files.ts';
import { predict } from '../model/predict.ts';
import { readRunModel } from '../pipeline/model-file.ts';
import { readSplit } from '../pipeline/prepared.ts';
import { type RunRecord, readRunRecord } from '../pipeline/run-record.ts';
import { datasetFromTable } from '../prepare/index.ts';
import { type RunLayout, runLayout } from '../run/layout.ts';
import { type ValidationReport, validationReportSchema } from '../validate/index.ts';
import { type Blessing, blessingSchema } from '../validate-model/index.ts';

const dataFilesSchema = z.looseObject({
  paths: z.array(z.string()),
  files: z.array(z.looseObject({ path: z.string(), sha256: z.string(), bytes: z.number(), rows: z.number() })),
});

const trainFileSchema = z.looseObject({
  algorithm: z.string(),
  params: z.record(z.string(), z.unknown()),
  rows: z.number(),
  seconds: z.number(),
  summary: z.record(z.string(), z.union([z.number(), z.string()])),
  history: z.array(z.looseObject({ iteration: z.number(), trainLoss: z.number(), validLoss: z.number().optional() })),
});

const parityFileSchema = z.looseObject({
  ok: z.boolean(),
  rows: z.number(),
  tolerance: z.number(),
  max_abs_diff: z.number(),
  label_mismatches: z.number(),
});

const registrationFileSchema = z.looseObject({
  name: z.string(),
  version: z.number(),
  created: z.boolean(),
  location: z.string(),
  backend: z.string(),
  aliases: z.array(z.looseObject({ alias: z.string(), from: z.number().nullable(), to: z.number() })),
});

/** validate-model's record of the production model's evaluation on this run's holdout. */
const baselineFileSchema = z.object({ version: z.string(), report: evaluationReportSchema });

/** Fields of run.json the report may show beyond the run record (set by triggers that know why they ran). */
const runExtrasSchema = z.looseObject({ reason: z.string().optional(), image: z.string().optional() });

export type DataFiles = z.output<typeof dataFilesSchema>;
export type TrainFile = z.output<typeof trainFileSchema>;
export type ParityFile = z.output<typeof parityFileSchema>;
export type RegistrationFile = z.output<typeof registrationFileSchema>;

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

function optional<T>(path: string, schema: z.ZodType<T>, what: string): T | null {
  if (!existsSync(path)) return null;
  const parsed = schema.safeParse(readJson(path, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${path}: not a valid ${what} (${issue?.path.join('.') || '(root)'}: ${issue?.message})`);
  }
  return parsed.data;
}

/** Read a run folder; InputError when it is not one or a file in it is malformed. */
export function readRunFiles(dir: string): RunFiles {
  const layout = runLayout(dir);
  if (!existsSync(layout.runJson)) throw new InputError(`${dir}: not a run folder (no run.json)`);
  const record = readRunRecord(layout.runJson);
  const extras = runExtrasSchema.parse(readJson(layout.runJson, 'run record'));
  const prepared = existsSync(layout.splitJson) ? readSplit(layout) : null;
  return {
    dir,
    record,
    reason: extras.reason ?? null,
    image: extras.image ?? null,
    config: optional(layout.configJson, configSchema, 'run config'),
    data: optional(layout.dataJson, dataFilesSchema, 'data file list'),
    validation: optional(layout.validationJson, validationReportSchema, 'data validation report'),
    digest: prepared?.digest ?? null,
    split: prepared
      ? {
          method: prepared.split.method,
          train_rows: prepared.split.train_rows,
          holdout_rows: prepared.split.holdout_rows,
        }
      : null,
    train: optional(layout.trainJson, trainFileSchema, 'training record'),
    evaluation: optional(layout.evaluationJson, evaluationReportSchema, 'evaluation report'),
    parity: optional(layout.parityJson, parityFileSchema, 'parity report'),
    blessing: optional(layout.blessingJson, blessingSchema, 'blessing'),
    baseline: optional(layout.baselineEvaluationJson, baselineFileSchema, 'baseline evaluation')?.report ?? null,
    registration: optional(layout.registrationJson, registrationFileSchema, 'registration record'),
    predictions: prepared ? holdoutPredictions(layout, prepared.signature) : null,
  };
}

/** The candidate's holdout predictions, recomputed from model.json (the same predictor evaluate used). */
function holdoutPredictions(layout: RunLayout, signature: ReturnType<typeof readSplit>['signature']) {
  if (!existsSync(layout.modelJson) || !existsSync(layout.holdoutTable)) return null;
  const model = readRunModel(layout);
  const data = datasetFromTable(readTable(layout.holdoutTable), signature);
  const predictions = predict(model, data.table);
  return {
    task: signature.task,
    classes: signature.classes ?? null,
    actual: data.target,
    probabilities: predictions.probabilities ?? null,
    predicted: predictions.values ?? null,
  } satisfies HoldoutPredictions;
}
