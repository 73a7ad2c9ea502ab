/**
 * Data shapes of data validation: the statistics profile, the data schema, anomalies, drift and the report.
 * Each is a zod schema (the one definition; files are read back through it) with its TypeScript type beside it.
 * Everything here is plain JSON: numbers are finite or `null`, no `NaN`, no typed arrays.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.ts';

// ---------------------------------------------------------------------------------------------------------------
// Profile (statistics of one table)

/** Version of the profile layout; bump when a field changes meaning. */
export const PROFILE_VERSION = 1;

/** Quantiles stored for numeric columns (probabilities 0.01 … 0.99). */
export const QUANTILES = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;

const count = z.int().min(0);
const fraction = z.number().min(0).max(1);

const quantilesSchema = z
  .object({
    p01: z.number(),
    p05: z.number(),
    p25: z.number(),
    p50: z.number(),
    p75: z.number(),
    p95: z.number(),
    p99: z.number(),
  })
  .strict();

/**
 * Counts of a numeric column over bins. `edges` are ascending, distinct; with k edges there are max(1, k - 1) bins,
 * and the first and last bins are open-ended (a value below edges[0] counts in bin 0), so values from other data
 * always land in a bin. Bin i holds edges[i] <= v < edges[i + 1] for the interior edges.
 */
export const histogramSchema = z
  .object({
    edges: z.array(z.number()),
    counts: z.array(count),
    missing: count,
  })
  .strict();

const columnCounts = {
  name: z.string().min(1),
  /** Non-missing values. */
  count,
  /** Missing values; count + missing = row_count. */
  missing: count,
  missing_fraction: fraction,
};

export const numericColumnProfileSchema = z
  .object({
    ...columnCounts,
    type: z.literal('numeric'),
    min: z.number().nullable(),
    max: z.number().nullable(),
    mean: z.number().nullable(),
    /** Population standard deviation (divides by n). */
    std: z.number().nullable(),
    zeros: count,
    quantiles: quantilesSchema.nullable(),
    histogram: histogramSchema,
  })
  .strict();

export const categoricalColumnProfileSchema = z
  .object({
    ...columnCounts,
    type: z.literal('categorical'),
    /** Distinct categories seen (not only those in `top`). */
    distinct: count,
    /**
     * Most frequent categories, by count descending then value; at most `max_categories`, plus — in a profile made
     * against a reference — the reference's categories not among them (count 0 when absent).
     */
    top: z.array(z.object({ value: z.string(), count }).strict()),
    /** Non-missing values whose category is not in `top`. */
    other_count: count,
  })
  .strict();

export const datetimeColumnProfileSchema = z
  .object({
    ...columnCounts,
    type: z.literal('datetime'),
    /** ISO 8601 (UTC). */
    min: z.string().nullable(),
    max: z.string().nullable(),
  })
  .strict();

export const columnProfileSchema = z.discriminatedUnion('type', [
  numericColumnProfileSchema,
  categoricalColumnProfileSchema,
  datetimeColumnProfileSchema,
]);

export const dataProfileSchema = z
  .object({
    profile_version: z.literal(PROFILE_VERSION),
    row_count: count,
    /** Requested quantile bins of numeric histograms (fewer remain when edges coincide). */
    bins: z.int().min(1),
    /** Longest `top` list of categorical columns. */
    max_categories: z.int().min(1),
    /** In table (header) order. */
    columns: z.array(columnProfileSchema),
  })
  .strict();

export type Histogram = z.output<typeof histogramSchema>;
export type NumericColumnProfile = z.output<typeof numericColumnProfileSchema>;
export type CategoricalColumnProfile = z.output<typeof categoricalColumnProfileSchema>;
export type DatetimeColumnProfile = z.output<typeof datetimeColumnProfileSchema>;
export type ColumnProfile = z.output<typeof columnProfileSchema>;
export type DataProfile = z.output<typeof dataProfileSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Data schema (the committed, user-editable data/<model.name>.schema.json)

export const SCHEMA_VERSION = 1;

export const severitySchema = z.enum(['error', 'warning']);
export type Severity = z.output<typeof severitySchema>;

type SeverityConfig = Config['validation']['data']['severity'];
/** Anomaly kinds whose severity is configurable (config `validation.data.severity`, per column in the schema). */
export const CONFIGURABLE_KINDS = [
  'out_of_range',
  'unseen_category',
  'too_many_missing',
  'type_mismatch',
  'drift',
] as const satisfies readonly (keyof SeverityConfig)[];
export type ConfigurableKind = (typeof CONFIGURABLE_KINDS)[number];
// Fails to compile if the config gains a severity key this list does not have.
const _allKindsListed: Record<keyof SeverityConfig, true> = {
  out_of_range: true,
  unseen_category: true,
  too_many_missing: true,
  type_mismatch: true,
  drift: true,
} satisfies Record<ConfigurableKind, true>;
void _allKindsListed;

export const columnRoleSchema = z.enum(['feature', 'target', 'dropped', 'time']);
export type ColumnRole = z.output<typeof columnRoleSchema>;

const severityOverridesSchema = z
  .object({
    out_of_range: severitySchema.optional(),
    unseen_category: severitySchema.optional(),
    too_many_missing: severitySchema.optional(),
    type_mismatch: severitySchema.optional(),
    drift: severitySchema.optional(),
  })
  .strict();

const schemaColumnCommon = {
  name: z.string().min(1, 'expected a column name'),
  /** The column must be in every file's header. */
  required: z.boolean(),
  /** Informational; `dropped` columns get no value checks. */
  role: columnRoleSchema.optional(),
  max_missing_fraction: fraction,
  /** Per-column severity overrides of config `validation.data.severity`. */
  severity: severityOverridesSchema.optional(),
};

export const numericSchemaColumnSchema = z
  .object({
    ...schemaColumnCommon,
    type: z.literal('numeric'),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();

export const categoricalSchemaColumnSchema = z
  .object({
    ...schemaColumnCommon,
    type: z.literal('categorical'),
    /** Known categories; absent = any category is accepted. */
    categories: z.array(z.string()).optional(),
  })
  .strict();

export const datetimeSchemaColumnSchema = z
  .object({
    ...schemaColumnCommon,
    type: z.literal('datetime'),
  })
  .strict();

export const schemaColumnSchema = z.discriminatedUnion('type', [
  numericSchemaColumnSchema,
  categoricalSchemaColumnSchema,
  datetimeSchemaColumnSchema,
]);

export const dataSchemaSchema = z
  .object({
    $comment: z.string().optional(),
    schema_version: z.literal(SCHEMA_VERSION),
    /** The pipeline whose data the schema was inferred from; a schema is never applied to another's data. */
    inferred_for: z
      .object({ model: z.string(), target: z.string(), data: z.array(z.string()) })
      .strict()
      .optional(),
    columns: z.array(schemaColumnSchema).min(1, 'expected at least one column'),
  })
  .strict()
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    schema.columns.forEach((column, index) => {
      if (seen.has(column.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index, 'name'],
          message: `column "${column.name}" is listed twice`,
        });
      }
      seen.add(column.name);
      if (
        column.type === 'numeric' &&
        column.min !== undefined &&
        column.max !== undefined &&
        column.min > column.max
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index, 'min'],
          message: `min ${column.min} is above max ${column.max}`,
        });
      }
      if (column.type === 'categorical' && column.categories) {
        const categories = new Set<string>();
        column.categories.forEach((category, position) => {
          if (categories.has(category)) {
            ctx.addIssue({
              code: 'custom',
              path: ['columns', index, 'categories', position],
              message: `category ${JSON.stringify(category)} is listed twice`,
            });
          }
          categories.add(category);
        });
      }
    });
  });

export type SchemaColumn = z.output<typeof schemaColumnSchema>;
export type NumericSchemaColumn = z.output<typeof numericSchemaColumnSchema>;
export type CategoricalSchemaColumn = z.output<typeof categoricalSchemaColumnSchema>;
export type DataSchema = z.output<typeof dataSchemaSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Drift

export const columnDriftSchema = z
  .object({
    column: z.string(),
    /** psi / jensen_shannon: a distance; chi_squared (small samples): the test's p-value. */
    method: z.enum(['psi', 'jensen_shannon', 'chi_squared']),
    score: z.number().min(0),
    threshold: z.number(),
    /** psi, jensen_shannon: score > threshold; chi_squared: score < threshold; or the missing rate moved too far. */
    drifted: z.boolean(),
    /** Share of missing values in the reference and the current data (when a missing-rate threshold is set). */
    missing: z
      .object({ reference: fraction, current: fraction, threshold: z.number(), drifted: z.boolean() })
      .strict()
      .optional(),
  })
  .strict();

export const driftReportSchema = z
  .object({
    /** Compared columns, in reference order. */
    columns: z.array(columnDriftSchema),
    /** Columns of the reference that could not be compared, and why. */
    skipped: z.array(z.object({ column: z.string(), reason: z.string() }).strict()),
    drifted_columns: count,
    /** drifted_columns / columns.length (0 when nothing was compared). */
    share: fraction,
    dataset_share: fraction,
    /** share >= dataset_share (and at least one column compared). */
    dataset_drift: z.boolean(),
  })
  .strict();

export type ColumnDrift = z.output<typeof columnDriftSchema>;
export type DriftReport = z.output<typeof driftReportSchema>;
/** Thresholds of drift (config `validation.data.drift` without `bins`). */
export type DriftOptions = Pick<
  Config['validation']['data']['drift'],
  'psi_threshold' | 'js_threshold' | 'dataset_share'
> & {
  /**
   * Below `rows` current rows, test with chi-squared at `p_value` instead of PSI / Jensen-Shannon (whose
   * sampling noise grows as the sample shrinks). Absent: the distances at any size.
   */
  readonly small_sample?: { readonly rows: number; readonly p_value: number };
  /** A column also drifts when its share of missing values moves by more than this (absolute). */
  readonly missing_rate_change?: number;
};

// ---------------------------------------------------------------------------------------------------------------
// Anomalies and the report

export const ANOMALY_KINDS = [
  'empty_data',
  'empty_target',
  'duplicate_header',
  'ragged_row',
  'missing_column',
  'type_mismatch',
  'too_many_missing',
  'out_of_range',
  'unseen_category',
  'unknown_column',
  'drift',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const anomalySchema = z
  .object({
    kind: z.enum(ANOMALY_KINDS),
    severity: severitySchema,
    column: z.string().optional(),
    file: z.string().optional(),
    line: z.int().min(1).optional(),
    /** One line naming the file, line or column and what was expected. */
    message: z.string(),
    expected: z.union([z.string(), z.number()]).optional(),
    actual: z.union([z.string(), z.number()]).optional(),
    /** Rows/values/issues this anomaly stands for. */
    count: count.optional(),
    /** A few offending values with where they are (unseen_category). */
    examples: z.array(z.object({ value: z.string(), file: z.string(), line: z.int().min(1) }).strict()).optional(),
  })
  .strict();

export type Anomaly = z.output<typeof anomalySchema>;

export const validationReportSchema = z
  .object({
    /** No anomaly of severity `error`. */
    ok: z.boolean(),
    errors: count,
    warnings: count,
    anomalies: z.array(anomalySchema),
    drift: driftReportSchema.nullable(),
    profile: dataProfileSchema,
  })
  .strict();

export type ValidationReport = z.output<typeof validationReportSchema>;

/** Config `validation.data`: severities, unseen-category threshold, drift thresholds and bins. */
export type DataValidationOptions = Config['validation']['data'];
