/**
 * What the job summary and the step outputs show, read from a run folder. Every file is optional (a run that
 * failed at validate-data has no evaluation), and each is read through the schema of the stage that wrote it.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { type EvaluationReport, evaluationReportSchema } from '../evaluate/index.ts';
import { readJson } from '../lib/files.ts';
import { type RunRecord, readRunRecord } from '../pipeline/run-record.ts';
import { runLayout } from '../run/layout.ts';
import { type ValidationReport, validationReportSchema } from '../validate/index.ts';
import { type Blessing, blessingSchema } from '../validate-model/index.ts';

const dataSummarySchema = z.looseObject({
  files: z.array(z.looseObject({ path: z.string(), sha256: z.string(), rows: z.number() })),
  rows: z.number(),
  schema_file: z.string().optional(),
  schema_created: z.boolean().optional(),
});

const splitSummarySchema = z.looseObject({ digest: z.string() });

const registrationSchema = z.looseObject({
  name: z.string(),
  version: z.number(),
  created: z.boolean(),
  location: z.string(),
  backend: z.string(),
  aliases: z.array(z.looseObject({ alias: z.string(), from: z.number().nullable(), to: z.number() })),
});

const baselineSchema = z.looseObject({ version: z.string(), report: evaluationReportSchema });

export interface RunView {
  readonly dir: string;
  readonly modelName: string;
  readonly record: RunRecord;
  readonly data: z.infer<typeof dataSummarySchema> | null;
  readonly dataDigest: string | null;
  readonly validation: ValidationReport | null;
  readonly evaluation: EvaluationReport | null;
  readonly baseline: { readonly version: string; readonly report: EvaluationReport } | null;
  readonly blessing: Blessing | null;
  readonly registration: z.infer<typeof registrationSchema> | null;
}

/** Read what there is of a run folder; null when `dir` holds no run.json (the run was never created). */
export function readRunView(dir: string): RunView | null {
  const layout = runLayout(dir);
  if (!existsSync(layout.runJson)) return null;
  const config = optional(z.looseObject({ model: z.looseObject({ name: z.string() }) }), layout.configJson);
  return {
    dir,
    modelName: config?.model.name ?? 'model',
    record: readRunRecord(layout.runJson),
    data: optional(dataSummarySchema, layout.dataJson),
    dataDigest: optional(splitSummarySchema, layout.splitJson)?.digest ?? null,
    validation: optional(validationReportSchema, layout.validationJson),
    evaluation: optional(evaluationReportSchema, layout.evaluationJson),
    baseline: optional(baselineSchema, layout.baselineEvaluationJson),
    blessing: optional(blessingSchema, layout.blessingJson),
    registration: optional(registrationSchema, layout.registrationJson),
  };
}

function optional<T>(schema: z.ZodType<T>, path: string): T | null {
  if (!existsSync(path)) return null;
  const parsed = schema.safeParse(readJson(path, path));
  return parsed.success ? parsed.data : null;
}
