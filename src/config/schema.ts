/**
 * The one definition of conveyor.yml. Everything else (defaults, the committed JSON Schema for editors,
 * README's key reference) derives from this file.
 */
import { z } from 'zod';
import { isKnownEncoding } from '../lib/text-encoding.ts';

const columnName = z.string().min(1, 'expected a column name');
const fraction = z.number().gt(0).lt(1);

export const featureTypeSchema = z.enum(['numeric', 'categorical']);

export const gbdtParamsSchema = z
  .object({
    n_trees: z.int().min(1).max(100_000).default(200).describe('Maximum number of boosting rounds (trees per class).'),
    learning_rate: z.number().gt(0).max(1).default(0.1).describe('Shrinkage applied to each tree.'),
    growth: z
      .enum(['depthwise', 'leafwise'])
      .default('leafwise')
      .describe('Grow level by level (XGBoost) or best leaf first (LightGBM).'),
    max_depth: z.int().min(1).max(32).default(8).describe('Maximum tree depth.'),
    max_leaves: z.int().min(2).max(4096).default(31).describe('Maximum leaves per tree.'),
    min_samples_leaf: z.int().min(1).default(5).describe('Minimum training rows in a leaf.'),
    min_hessian_leaf: z.number().min(0).default(1e-3).describe('Minimum sum of hessians in a leaf.'),
    l2: z.number().min(0).default(1).describe('L2 regularisation of leaf values (lambda).'),
    l1: z.number().min(0).default(0).describe('L1 regularisation of leaf values (alpha).'),
    min_split_gain: z.number().min(0).default(0).describe('Minimum loss reduction to make a split.'),
    subsample: z.number().gt(0).max(1).default(1).describe('Fraction of rows sampled for each tree.'),
    colsample: z.number().gt(0).max(1).default(1).describe('Fraction of features sampled for each tree.'),
    max_bins: z
      .int()
      .min(2)
      .max(255)
      .default(255)
      .describe('Histogram bins per feature (a further bin holds missing values).'),
    categorical_splits: z
      .enum(['partition', 'ordinal'])
      .default('partition')
      .describe(
        'Split a categorical feature by any set of its categories, chosen per node (partition: LightGBM, XGBoost), or by a threshold on one fixed order of them (ordinal).',
      ),
    max_cat_threshold: z
      .int()
      .min(1)
      .max(255)
      .default(32)
      .describe('Partition splits: at most this many categories (bins) on the side a split lists.'),
    cat_smooth: z
      .number()
      .min(0)
      .default(1)
      .describe('Partition splits: added to the hessian sum when categories are ordered by G/(H + cat_smooth).'),
    cat_l2: z.number().min(0).default(10).describe('Partition splits: extra L2 regularisation of both children.'),
    min_data_per_group: z
      .int()
      .min(1)
      .default(10)
      .describe('Partition splits: categories with fewer rows in a node stay together on the right.'),
    early_stopping_rounds: z
      .int()
      .min(0)
      .default(20)
      .describe('Stop when the validation loss has not improved for this many rounds (0 = off).'),
    validation_fraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0.1)
      .describe('Share of the training rows held out for early stopping (0 = none).'),
    threads: z.int().min(0).max(64).default(0).describe('Training threads, the main one included (0 = one per core).'),
  })
  .strict();

export const linearParamsSchema = z
  .object({
    l2: z.number().min(0).default(1e-4).describe('L2 penalty on the weights (per row, on standardised features).'),
    max_iter: z.int().min(1).default(500).describe('Maximum optimiser iterations.'),
    tolerance: z.number().gt(0).default(1e-7).describe('Stop when the relative loss change falls below this.'),
  })
  .strict();

export const classificationMetricSchema = z.enum(['accuracy', 'balanced_accuracy', 'log_loss', 'roc_auc', 'macro_f1']);
export const regressionMetricSchema = z.enum(['rmse', 'mae', 'r2']);
export const metricNameSchema = z.union([classificationMetricSchema, regressionMetricSchema]);

const boundsSchema = z
  .object({
    min: z.number().optional().describe('The metric must be at least this.'),
    max: z.number().optional().describe('The metric must be at most this.'),
  })
  .strict();

const severitySchema = z.enum(['error', 'warning']);

export const configSchema = z
  .object({
    model: z
      .object({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected lowercase letters, digits, ".", "_" or "-" (at most 63)')
          .describe('Registry name of the model.'),
        description: z.string().optional().describe('One line for the model card.'),
      })
      .strict(),
    data: z
      .object({
        path: z
          .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
          .describe('Glob(s) of CSV or Parquet files, relative to the repository root.'),
        target: columnName.describe('Column to predict.'),
        task: z.enum(['classification', 'regression']).optional().describe('Inferred from the target when absent.'),
        features: z
          .record(z.string(), featureTypeSchema)
          .default({})
          .describe('Per-column type overrides; every column but the target (and `drop`) is a feature.'),
        drop: z.array(columnName).default([]).describe('Columns to ignore (ids, leaks).'),
        missing_values: z
          .array(z.string())
          .default(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'])
          .describe('Cell texts read as missing.'),
        encoding: z
          .string()
          .refine(isKnownEncoding, 'expected an encoding label such as utf-8, latin1, windows-1252 or utf-16le')
          .default('utf-8')
          .describe(
            'Text encoding of CSV/TSV files. Bytes that are not valid in it stop the run with the file and line (never replaced).',
          ),
        delimiter: z
          .string()
          .length(1, 'expected one character, e.g. ";" or "\\t"')
          .refine((c) => !['"', '\n', '\r'].includes(c), 'a quote or line break cannot separate fields')
          .optional()
          .describe('Field delimiter of every CSV/TSV file. Default: "," for .csv, tab for .tsv.'),
        schema: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Data schema file: inferred on the first run, then edited and committed. Default: data/<model.name>.schema.json, so each pipeline has its own.',
          ),
      })
      .strict(),
    split: z
      .object({
        holdout: fraction.default(0.2).describe('Share of rows held out for evaluation.'),
        time_column: columnName
          .optional()
          .describe('Hold out the latest rows by this column instead of a random (hash) split.'),
        seed: z.int().min(0).default(42).describe('Seed of every random choice in the pipeline.'),
      })
      .strict()
      .prefault({}),
    trainer: z
      .discriminatedUnion('algorithm', [
        // `algorithm` may be left out: gbdt is the default, so `trainer: {params: {...}}` means gbdt.
        z.object({ algorithm: z.literal('gbdt').default('gbdt'), params: gbdtParamsSchema.prefault({}) }).strict(),
        z.object({ algorithm: z.literal('linear'), params: linearParamsSchema.prefault({}) }).strict(),
      ])
      .prefault({ algorithm: 'gbdt' }),
    evaluation: z
      .object({
        slices: z.array(columnName).default([]).describe('Categorical columns whose values get their own metrics.'),
      })
      .strict()
      .prefault({}),
    validation: z
      .object({
        data: z
          .object({
            unseen_category_max_fraction: z
              .number()
              .min(0)
              .max(1)
              .default(0.01)
              .describe('Share of rows with a category the schema does not list above which it is an anomaly.'),
            severity: z
              .object({
                out_of_range: severitySchema
                  .default('warning')
                  .describe(
                    'A number outside the schema min/max (inferred from the first data: new data may go a little beyond it).',
                  ),
                unseen_category: severitySchema
                  .default('warning')
                  .describe('Categories the schema does not list, above unseen_category_max_fraction.'),
                too_many_missing: severitySchema
                  .default('error')
                  .describe("More missing values than the schema's max_missing_fraction."),
                type_mismatch: severitySchema
                  .default('error')
                  .describe('A value that does not parse as the schema type.'),
                drift: severitySchema
                  .default('warning')
                  .describe('The data set drifted from the production reference.'),
              })
              .strict()
              .prefault({})
              .describe('What each anomaly kind does: error stops the pipeline, warning is reported.'),
            drift: z
              .object({
                psi_threshold: z.number().gt(0).default(0.2).describe('Numeric columns: PSI above this is drift.'),
                js_threshold: z
                  .number()
                  .gt(0)
                  .max(1)
                  .default(0.1)
                  .describe('Categorical columns: Jensen-Shannon distance above this is drift.'),
                bins: z.int().min(2).max(100).default(10).describe('Quantile bins of the reference for PSI.'),
                dataset_share: z
                  .number()
                  .gt(0)
                  .max(1)
                  .default(0.5)
                  .describe('The data set drifts when at least this share of columns drift.'),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
        model: z
          .object({
            primary_metric: metricNameSchema
              .optional()
              .describe('Metric compared with production (default macro_f1 / rmse).'),
            tolerance: z
              .number()
              .min(0)
              .default(0.01)
              .describe('How much worse than production the primary metric may be.'),
            slice_tolerance: z
              .number()
              .min(0)
              .default(0.05)
              .describe('How much worse than production any slice may be on the primary metric.'),
            beat_naive_baseline: z
              .boolean()
              .default(true)
              .describe(
                'The primary metric must be better than that of a model ignoring the features (majority class / training mean), on the same holdout.',
              ),
            thresholds: z
              .partialRecord(metricNameSchema, boundsSchema)
              .default({})
              .describe('Absolute bounds per metric, e.g. {accuracy: {min: 0.9}}.'),
            parity_tolerance: z
              .number()
              .gt(0)
              .default(1e-5)
              .describe('Largest allowed |ONNX - TypeScript| difference of probabilities/values.'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    registry: z
      .object({
        backend: z
          .enum(['local', 'github'])
          .default('local')
          .describe('local: a folder (registry.path); github: Releases of this repository.'),
        path: z.string().default('models').describe('Local registry folder.'),
        promote_on_register: z
          .array(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'expected an alias like production or staging'))
          .default(['production'])
          .describe(
            'Aliases moved to each newly registered (blessed) version by a local run. CT and tune register with promote: none; cd moves staging and production once the serving image passed infra validation.',
          ),
        github: z
          .object({
            owner: z.string().optional().describe('Default: from GITHUB_REPOSITORY.'),
            repo: z.string().optional().describe('Default: from GITHUB_REPOSITORY.'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    serve: z
      .object({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Interface the server listens on (0.0.0.0 to accept other machines, as in a container).'),
        port: z.int().min(0).max(65535).default(8080).describe('TCP port of the server (0 = any free port).'),
        body_limit: z
          .int()
          .min(1024)
          .default(8 * 1024 * 1024)
          .describe('Largest request body in bytes; a larger one is answered 413.'),
        threads: z.int().min(0).max(64).default(0).describe('onnxruntime threads per session run (0 = one per core).'),
        session_thread: z
          .boolean()
          .default(false)
          .describe(
            'Run onnxruntime in a worker thread so the HTTP thread keeps parsing while a batch runs (helps large models on machines with spare cores; see bench/README.md).',
          ),
        idle_gc: z
          .boolean()
          .default(true)
          .describe(
            "Collect V8's young generation in the gaps between requests, so its pauses do not land on requests in flight (see bench/README.md).",
          ),
        max_batch_size: z.int().min(1).default(64).describe('Largest batch the dynamic batcher forms.'),
        max_queue_delay_ms: z
          .number()
          .min(0)
          .default(1)
          .describe('Longest a request waits for others to join its batch (0 = batching off).'),
        max_rows: z
          .int()
          .min(1)
          .default(10_000)
          .describe(
            'Most rows one request may carry; a larger one is answered 413 (big requests run 1,024 rows at a time).',
          ),
        drain_timeout_ms: z
          .int()
          .min(0)
          .max(600_000)
          .default(20_000)
          .describe(
            "On SIGTERM, longest wait for requests in flight (bodies still arriving included) before their connections are closed and the server exits 0; below Kubernetes' 30 s grace period.",
          ),
        prediction_log: z
          .object({
            path: z.string().default('logs/predictions.jsonl').describe('Prediction log (JSON lines) for monitoring.'),
            sample_rate: z.number().min(0).max(1).default(1).describe('Share of requests logged.'),
            max_bytes: z
              .int()
              .min(1024)
              .default(50 * 1024 * 1024)
              .describe('Rotate the log at this size.'),
            max_files: z.int().min(1).default(5).describe('Rotated files kept.'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    monitor: z
      .object({
        feedback: z
          .union([z.string().min(1), z.array(z.string().min(1))])
          .default(['data/feedback/*.csv'])
          .describe(
            'Glob(s) of labelled rows that arrive after serving: the features (or a request id) and the target.',
          ),
        request_id_column: columnName
          .default('request_id')
          .describe('Feedback column joined with the prediction log when the feedback lacks feature columns.'),
        window: z
          .int()
          .min(1)
          .default(10_000)
          .describe('Most recent rows of live inputs compared with the training profile (CLI and server).'),
        min_rows: z
          .int()
          .min(1)
          .default(50)
          .describe('Fewer rows than this in a window or in the feedback gives "not enough data", not a verdict.'),
        small_window_rows: z
          .int()
          .min(1)
          .default(1000)
          .describe('Below this many rows, drift is tested with chi-squared p-values instead of PSI / Jensen-Shannon.'),
        p_value: fraction
          .default(0.01)
          .describe('Small windows: a column drifts when its chi-squared p-value is below this.'),
        psi_threshold: z.number().gt(0).default(0.2).describe('Numeric columns: PSI above this is drift.'),
        js_threshold: z
          .number()
          .gt(0)
          .max(1)
          .default(0.1)
          .describe('Categorical columns and predicted labels: Jensen-Shannon distance above this is drift.'),
        missing_rate_change: z
          .number()
          .gt(0)
          .max(1)
          .default(0.1)
          .describe('A column drifts when its share of missing values moves by more than this.'),
        dataset_share: z
          .number()
          .gt(0)
          .max(1)
          .default(0.5)
          .describe('Input drift (a retrain reason) when at least this share of columns drift.'),
        live: z
          .boolean()
          .default(true)
          .describe(
            'The server keeps a rolling window of `window` rows and serves its drift at /v2/models/{name}/monitor.',
          ),
      })
      .strict()
      .prefault({}),
    runs_dir: z.string().default('runs').describe('Folder of run folders.'),
  })
  .strict();

/** conveyor.yml after validation, with every default filled in. */
export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type GbdtParams = z.output<typeof gbdtParamsSchema>;
export type LinearParams = z.output<typeof linearParamsSchema>;
export type TrainerConfig = Config['trainer'];
export type MetricName = z.output<typeof metricNameSchema>;
export type FeatureType = z.output<typeof featureTypeSchema>;

/** The data schema file of a pipeline: `data.schema`, else data/<model.name>.schema.json (one per pipeline). */
export function dataSchemaFile(config: Pick<Config, 'model' | 'data'>): string {
  return config.data.schema ?? `data/${config.model.name}.schema.json`;
}
