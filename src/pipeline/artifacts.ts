/**
 * The run folder's files as data: for each artifact its path inside the run folder, what it is, which stage
 * writes it and how it is read and written (JSON checked by its zod schema, a columnar table, bytes, text).
 * This is the one place that names those paths; `readArtifact`/`writeArtifact` (artifact-io.ts) go through it.
 *
 * To add an artifact: add an entry here, list it in the `writes` of the stage that produces it and in the
 * `reads` of the stages that use it (stage-table.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { modelCardSchema } from '../card/index.ts';
import { configSchema } from '../config/index.ts';
import type { Table } from '../data/types.ts';
import { evaluationReportSchema } from '../evaluate/types.ts';
import { parityReportSchema } from '../export/types.ts';
import { goldenSetSchema } from '../golden/schema.ts';
import { describeIssues, readJsonFile, writeFileAtomic } from '../lib/files.ts';
import { modelFromJson, modelToJson, signatureSchema } from '../model/serialize.ts';
import type { Model } from '../model/types.ts';
import { aliasChangeSchema } from '../registry/types.ts';
import { dataProfileSchema, dataSchemaSchema, validationReportSchema } from '../validate/types.ts';
import { blessingSchema } from '../validate-model/types.ts';
import { runRecordSchema } from './run-record.ts';
import type { StageName } from './stage-names.ts';

/** How an artifact is stored. `read` throws InputError when the content is not what is expected. */
export interface ArtifactCodec<T> {
  /** What the file must hold, for error messages ("JSON", "a Conveyor table folder"). */
  readonly format: string;
  read(file: string, what: string): Promise<T>;
  /** Throws before writing anything when `value` does not follow the contract. */
  write(file: string, value: T): Promise<void>;
}

export interface ArtifactSpec<T> {
  /** Path inside the run folder (POSIX separators). */
  readonly path: string;
  /** What it is, in words ("evaluation report"). */
  readonly what: string;
  /**
   * The stage that writes it; `run` for the files a run is created with; `report` for the run report, written
   * after the stages however the run ended (runPipeline, `conveyor report`).
   */
  readonly writtenBy: StageName | 'run' | 'report';
  /** Absent in some runs (e.g. the baseline evaluation before a first model exists). */
  readonly optional?: boolean;
  readonly codec: ArtifactCodec<T>;
}

/**
 * JSON checked against `schema` when read, and before it is written as it will be read back (JSON turns
 * Infinity into null, drops undefined), so what a stage writes is always readable by the next.
 */
export function jsonCodec<S extends z.ZodType>(schema: S): ArtifactCodec<z.output<S>> {
  return {
    format: 'JSON',
    read: async (file, what) => readJsonFile(file, schema, what),
    write: async (file, value) => {
      const text = `${JSON.stringify(value, null, 2)}\n`;
      const back = schema.safeParse(JSON.parse(text));
      if (!back.success) throw new Error(`it does not follow the contract: ${describeIssues(back.error.issues)}`);
      writeFileAtomic(file, text);
    },
  };
}

const bytesCodec: ArtifactCodec<Uint8Array> = {
  format: 'bytes',
  read: async (file) => new Uint8Array(readFileSync(file)),
  write: async (file, value) => writeFileAtomic(file, value),
};

const textCodec: ArtifactCodec<string> = {
  format: 'UTF-8 text',
  read: async (file) => readFileSync(file, 'utf8'),
  write: async (file, value) => writeFileAtomic(file, value),
};

// Tables and models load their modules on first use, so importing the contract stays cheap (no hyparquet).
const tableCodec: ArtifactCodec<Table> = {
  format: 'a Conveyor table folder',
  read: async (file) => (await import('../data/index.ts')).readTable(file),
  write: async (file, value) => (await import('../data/index.ts')).writeTable(file, value),
};

const modelCodec: ArtifactCodec<Model> = {
  format: 'Conveyor model JSON',
  read: async (file) => modelFromJson(readFileSync(file, 'utf8'), file),
  write: async (file, value) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, modelToJson(value));
  },
};
/** data/data.json: which files were read, how many rows, which schema checked them. */
export const dataSummarySchema = z.looseObject({
  paths: z.array(z.string()),
  files: z.array(
    z.looseObject({ path: z.string(), format: z.string(), sha256: z.string(), bytes: z.number(), rows: z.number() }),
  ),
  rows: z.int().min(0),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  /** The schema file in the working tree (relative to the repository root). */
  schema_file: z.string(),
  /** True when this run inferred the schema (it is written to schema_file only when the run succeeds). */
  schema_created: z.boolean(),
});

/** prepared/split.json: the model signature, the split and the data digest. */
export const splitFileSchema = z.object({
  signature: signatureSchema,
  split: z.looseObject({
    method: z.enum(['hash', 'time']),
    seed: z.number(),
    holdout_fraction: z.number(),
    train_rows: z.int().min(0),
    holdout_rows: z.int().min(0),
    holdout_share: z.number().min(0).max(1),
    dropped_missing_target: z.int().min(0),
  }),
  digest: z.string(),
  columns: z.array(z.string()),
  warnings: z.array(z.string()),
});

/** model/train.json: parameters, summary and loss history of training. */
export const trainingSummarySchema = z.looseObject({
  algorithm: z.enum(['gbdt', 'linear']),
  params: z.record(z.string(), z.unknown()),
  rows: z.int().min(0),
  seconds: z.number(),
  summary: z.record(z.string(), z.union([z.number(), z.string()])),
  history: z.unknown(),
});

/** validate-model/baseline-evaluation.json: the production model's evaluation on this run's holdout. */
export const baselineEvaluationSchema = z.object({ version: z.string(), report: evaluationReportSchema });

/** register/registration.json: what register did. */
export const registrationSchema = z.looseObject({
  name: z.string(),
  /** The registered version, or production's version when `unchanged`. */
  version: z.int().min(1),
  /** false when nothing new was published (a re-run, or `unchanged`). */
  created: z.boolean(),
  /** The model is identical to production (same data digest, config and code): nothing was registered. */
  unchanged: z.boolean(),
  location: z.string(),
  backend: z.enum(['local', 'github']),
  aliases: z.array(aliasChangeSchema),
});

const artifact = <T>(spec: ArtifactSpec<T>): ArtifactSpec<T> => spec;

/** Every file of a run folder. Keys are the names `readArtifact`/`writeArtifact` take. */
export const artifacts = {
  run: artifact({ path: 'run.json', what: 'run record', writtenBy: 'run', codec: jsonCodec(runRecordSchema) }),
  config: artifact({
    path: 'config.json',
    what: 'run config (defaults filled in)',
    writtenBy: 'run',
    codec: jsonCodec(configSchema),
  }),
  data: artifact({
    path: 'data/data.json',
    what: 'data summary (files, sha256, rows)',
    writtenBy: 'validate-data',
    codec: jsonCodec(dataSummarySchema),
  }),
  schema: artifact({
    path: 'data/schema.json',
    what: 'data schema the run was checked against',
    writtenBy: 'validate-data',
    codec: jsonCodec(dataSchemaSchema),
  }),
  profile: artifact({
    path: 'data/profile.json',
    what: 'data profile (statistics)',
    writtenBy: 'validate-data',
    codec: jsonCodec(dataProfileSchema),
  }),
  validation: artifact({
    path: 'data/validation.json',
    what: 'data validation report (anomalies, drift)',
    writtenBy: 'validate-data',
    codec: jsonCodec(validationReportSchema),
  }),
  table: artifact({ path: 'data/table', what: 'loaded data table', writtenBy: 'validate-data', codec: tableCodec }),
  split: artifact({
    path: 'prepared/split.json',
    what: 'split summary (signature, split, data digest)',
    writtenBy: 'prepare',
    codec: jsonCodec(splitFileSchema),
  }),
  'train-table': artifact({
    path: 'prepared/train',
    what: 'training rows',
    writtenBy: 'prepare',
    codec: tableCodec,
  }),
  'holdout-table': artifact({
    path: 'prepared/holdout',
    what: 'holdout rows',
    writtenBy: 'prepare',
    codec: tableCodec,
  }),
  model: artifact({ path: 'model/model.json', what: 'trained model', writtenBy: 'train', codec: modelCodec }),
  training: artifact({
    path: 'model/train.json',
    what: 'training summary (parameters, loss history, duration)',
    writtenBy: 'train',
    codec: jsonCodec(trainingSummarySchema),
  }),
  evaluation: artifact({
    path: 'evaluation/evaluation.json',
    what: 'evaluation report',
    writtenBy: 'evaluate',
    codec: jsonCodec(evaluationReportSchema),
  }),
  'holdout-predictions': artifact({
    path: 'evaluation/holdout-predictions.json',
    what: "profile of the model's holdout predictions (the monitor's prediction-drift reference)",
    writtenBy: 'evaluate',
    codec: jsonCodec(dataProfileSchema),
  }),
  onnx: artifact({ path: 'export/model.onnx', what: 'exported ONNX model', writtenBy: 'export', codec: bytesCodec }),
  parity: artifact({
    path: 'export/parity.json',
    what: 'parity report',
    writtenBy: 'export',
    codec: jsonCodec(parityReportSchema),
  }),
  golden: artifact({
    path: 'export/golden.json',
    what: 'golden requests (raw holdout rows and their predictions) for infra validation',
    writtenBy: 'export',
    // Runs exported before golden sets existed have none; their versions register without one.
    optional: true,
    codec: jsonCodec(goldenSetSchema),
  }),
  blessing: artifact({
    path: 'validate-model/blessing.json',
    what: 'blessing',
    writtenBy: 'validate-model',
    codec: jsonCodec(blessingSchema),
  }),
  'baseline-evaluation': artifact({
    path: 'validate-model/baseline-evaluation.json',
    what: "production model's evaluation on this run's holdout",
    writtenBy: 'validate-model',
    optional: true,
    codec: jsonCodec(baselineEvaluationSchema),
  }),
  card: artifact({
    path: 'register/card.json',
    what: 'model card',
    writtenBy: 'register',
    codec: jsonCodec(modelCardSchema),
  }),
  'card-md': artifact({
    path: 'register/card.md',
    what: 'model card (Markdown)',
    writtenBy: 'register',
    codec: textCodec,
  }),
  registration: artifact({
    path: 'register/registration.json',
    what: 'registration outcome',
    writtenBy: 'register',
    codec: jsonCodec(registrationSchema),
  }),
  'report-md': artifact({
    path: 'report/report.md',
    what: 'run report for GitHub (Markdown)',
    writtenBy: 'report',
    optional: true,
    codec: textCodec,
  }),
  'report-html': artifact({
    path: 'report/report.html',
    what: 'run report (one self-contained HTML page)',
    writtenBy: 'report',
    optional: true,
    codec: textCodec,
  }),
} as const;

export type ArtifactName = keyof typeof artifacts;
/** The value an artifact holds. */
export type ArtifactValue<N extends ArtifactName> = (typeof artifacts)[N] extends ArtifactSpec<infer T> ? T : never;

/**
 * What writeArtifact accepts: the value with every part readonly (stage results are readonly) and without the
 * index signatures of loose objects (extra keys are allowed but not required).
 */
export type ArtifactInput<N extends ArtifactName> = DeepReadonly<ArtifactValue<N>>;
type DeepReadonly<T> = T extends ArrayBufferView | ((...args: never[]) => unknown)
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T as string extends K ? never : K]: DeepReadonly<T[K]> }
      : T;

export const artifactNames = Object.keys(artifacts) as ArtifactName[];
