/**
 * The blessing (blessing.json): whether a candidate model may be registered, with every number
 * behind the decision.
 */
import { z } from 'zod';
import { metricNameSchema } from '../config/schema.ts';

export const blessingCheckSchema = z
  .object({
    /** Stable identifier, e.g. `threshold:accuracy:min`, `baseline:macro_f1`, `slice:island=Dream:macro_f1`. */
    name: z.string(),
    kind: z.enum(['data', 'parity', 'threshold', 'naive_baseline', 'baseline', 'slice']),
    passed: z.boolean(),
    /** The candidate's value (null for pass/fail gates, or when the metric is undefined). */
    candidate: z.number().nullable(),
    /** The production model's value on the same rows (baseline and slice checks), or the naive model's. */
    baseline: z.number().nullable().optional(),
    /** The bound the candidate was held to (for baseline checks: baseline ∓ tolerance). */
    threshold: z.number().nullable(),
    message: z.string(),
  })
  .strict();

export const blessingSchema = z
  .object({
    blessed: z.boolean(),
    primary_metric: metricNameSchema,
    /** Whether a larger primary metric is better. */
    higher_is_better: z.boolean(),
    /** Registry version of the production model compared against; null for the first model. */
    baseline_version: z.string().nullable(),
    tolerance: z.number(),
    slice_tolerance: z.number(),
    checks: z.array(blessingCheckSchema),
    /** Why it was (not) blessed: the failed checks' messages, or what was checked when blessed. */
    reasons: z.array(z.string()),
    /** What was not gated and why (small slices, metrics undefined on the baseline, ...). */
    notes: z.array(z.string()),
  })
  .strict();

export type Blessing = z.output<typeof blessingSchema>;
export type BlessingCheck = z.output<typeof blessingCheckSchema>;
