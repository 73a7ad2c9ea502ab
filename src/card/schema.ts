/**
 * The model card (card.json): everything known about one registered model version — where it came from
 * (lineage), what it was trained on, how good it is, why it was blessed. One schema, read by the registry,
 * the server, the monitor and the reports.
 */
import { z } from 'zod';
import { configSchema } from '../config/schema.ts';
import { evaluationReportSchema } from '../evaluate/types.ts';
import { githubRunSchema, gitInfoSchema } from '../lib/lineage.ts';
import { signatureSchema } from '../model/serialize.ts';
import { dataProfileSchema, dataSchemaSchema } from '../validate/types.ts';
import { blessingSchema } from '../validate-model/types.ts';

export const CARD_VERSION = 1;

const digestSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.int().min(0) }).strict();

const tensorSchema = z
  .object({ name: z.string(), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) })
  .strict();

export const modelCardSchema = z
  .object({
    card_version: z.literal(CARD_VERSION),
    name: z.string(),
    version: z.int().min(1),
    description: z.string().optional(),
    created_at: z.iso.datetime({ offset: true }),
    /** Identifies the pipeline run; the registry uses it to make re-runs idempotent. */
    run_key: z.string(),
    /** The latest version registered before this one (null for the first). */
    parent_version: z.int().min(1).nullable(),
    conveyor_version: z.string(),
    git: gitInfoSchema,
    /** Set when trained in GitHub Actions. */
    github: githubRunSchema.nullable(),
    /** The pipeline image (`name@sha256:…`) the version was trained in; absent when trained from a checkout. */
    pipeline_image: z.string().optional(),
    config: configSchema,
    trainer: z
      .object({
        algorithm: z.enum(['gbdt', 'linear']),
        params: z.record(z.string(), z.unknown()),
        summary: z.record(z.string(), z.union([z.number(), z.string()])),
      })
      .strict(),
    data: z
      .object({
        paths: z.array(z.string()),
        files: z.array(
          z
            .object({ path: z.string(), format: z.string(), sha256: z.string(), bytes: z.number(), rows: z.number() })
            .strict(),
        ),
        /** sha256 over the canonical form of exactly the rows and columns used. */
        digest: z.string(),
        rows: z
          .object({ loaded: z.number(), train: z.number(), holdout: z.number(), dropped_missing_target: z.number() })
          .strict(),
        split: z.looseObject({ method: z.enum(['hash', 'time']), seed: z.number(), holdout_fraction: z.number() }),
      })
      .strict(),
    schema: dataSchemaSchema,
    /** Statistics of the training data: the reference the monitor and the next run's drift check compare with. */
    training_profile: dataProfileSchema,
    /** The model's predictions on its holdout rows, profiled (one column "prediction"): the monitor's prediction-drift reference. */
    holdout_predictions: dataProfileSchema.optional(),
    data_validation: z
      .object({ ok: z.boolean(), errors: z.number(), warnings: z.number(), messages: z.array(z.string()) })
      .strict(),
    evaluation: evaluationReportSchema,
    /** The production model's metrics on this version's holdout rows (null for the first model). */
    baseline: z.object({ version: z.string(), metrics: evaluationReportSchema.shape.metrics }).strict().nullable(),
    blessing: blessingSchema,
    parity: z
      .object({
        ok: z.boolean(),
        rows: z.number(),
        tolerance: z.number(),
        max_abs_diff: z.number(),
        label_mismatches: z.number(),
      })
      .strict(),
    /** The model signature (one schema with model.json and the ONNX metadata) and the ONNX graph's tensors. */
    signature: signatureSchema.extend({ inputs: z.array(tensorSchema), outputs: z.array(tensorSchema) }).strict(),
    assets: z
      .object({
        'model.onnx': digestSchema,
        'card.md': digestSchema.optional(),
        'golden.json': digestSchema.optional(),
      })
      .strict(),
    /**
     * sha256 of the model as exported before it got a version number (the run's export/model.onnx, which holds
     * the data digest and the commit in its metadata): two runs with the same data, config and code give the
     * same digest, which is how register recognises an unchanged model.
     */
    model_digest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Wall time of each pipeline stage, milliseconds. */
    stage_durations_ms: z.record(z.string(), z.number()),
  })
  .strict();

export type ModelCard = z.output<typeof modelCardSchema>;

/** Validate a card read from a registry or a file; `where` names it in the error. */
export function parseModelCard(value: unknown, where: string): ModelCard {
  const parsed = modelCardSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${where}: not a valid Conveyor model card: ${issue.path.join('.') || '(card)'}: ${issue.message}`);
  }
  return parsed.data;
}
