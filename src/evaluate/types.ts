/**
 * The evaluation report (evaluation.json): what later stages (model validation, the model card,
 * reports) read. One schema, used to write and to read it back.
 */
import { z } from 'zod';
import { metricNameSchema } from '../config/schema.ts';

const metricValue = z.number().nullable();
/** Metric name → value (null where undefined, e.g. AUC of a slice with one class). */
export const metricValuesSchema = z.partialRecord(metricNameSchema, metricValue);

export const sliceValueSchema = z
  .object({
    /** The category, or null for rows where the column is missing. */
    value: z.string().nullable(),
    rows: z.int().min(0),
    /** Fewer rows than `min_rows`: its metrics are noisy and blessing does not gate on it. */
    small: z.boolean(),
    metrics: metricValuesSchema,
  })
  .strict();

export const sliceReportSchema = z
  .object({
    column: z.string(),
    min_rows: z.int().min(1),
    values: z.array(sliceValueSchema),
  })
  .strict();

export const evaluationReportSchema = z
  .object({
    task: z.enum(['classification', 'regression']),
    target: z.string(),
    model_kind: z.enum(['gbdt', 'linear']),
    rows: z.int().min(0),
    /** Class labels in model output order; null for regression. */
    classes: z.array(z.string()).nullable(),
    metrics: metricValuesSchema,
    /** For each reported metric: true when higher is better. */
    higher_is_better: z.partialRecord(metricNameSchema, z.boolean()),
    /** Probability clipping of log_loss; null for regression. */
    log_loss_eps: z.number().nullable(),
    classification: z
      .object({
        per_class: z.array(
          z
            .object({
              class: z.string(),
              precision: z.number(),
              recall: z.number(),
              f1: z.number(),
              support: z.int().min(0),
            })
            .strict(),
        ),
        /** matrix[actual][predicted] = rows; labels name both axes. */
        confusion_matrix: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.int().min(0))) }).strict(),
      })
      .strict()
      .nullable(),
    regression: z
      .object({
        /** Distribution of actual − predicted. */
        residuals: z
          .object({
            mean: z.number(),
            std: z.number(),
            min: z.number(),
            p05: z.number(),
            p25: z.number(),
            median: z.number(),
            p75: z.number(),
            p95: z.number(),
            max: z.number(),
          })
          .strict()
          .nullable(),
      })
      .strict()
      .nullable(),
    slices: z.array(sliceReportSchema),
    /**
     * A model that ignores the features, scored on the same rows (see naive.ts); null when the training target was
     * not at hand (a production model scored on a newer holdout). Absent in reports written before it existed.
     */
    naive_baseline: z
      .object({
        strategy: z.enum(['prior', 'mean']),
        description: z.string(),
        metrics: metricValuesSchema,
      })
      .strict()
      .nullable()
      .optional(),
    importance: z
      .object({
        /** total_gain: split gain summed per feature (GBDT); mean_abs_contribution: mean |weight × standardised value| (linear). */
        method: z.enum(['total_gain', 'mean_abs_contribution']),
        /** Sorted by importance, largest first; importances sum to 1 (all 0 when the model uses no feature). */
        features: z.array(z.object({ feature: z.string(), importance: z.number().min(0) }).strict()),
      })
      .strict(),
  })
  .strict();

export type EvaluationReport = z.output<typeof evaluationReportSchema>;
export type SliceReport = z.output<typeof sliceReportSchema>;
export type SliceValue = z.output<typeof sliceValueSchema>;
