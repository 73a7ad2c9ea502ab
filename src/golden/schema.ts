/**
 * The golden set (infra validation, as TFX's InfraValidator): a few raw input rows and the predictions the
 * TypeScript model made for them at export. It ships with the model version (registry asset `golden.json`);
 * a serving image must answer these rows with these predictions before CD pushes it.
 */
import { z } from 'zod';

/** The registry asset's file name (defined with the registry's other asset names). */
export { GOLDEN_FILE } from '../registry/types.ts';
export const GOLDEN_FORMAT = 'conveyor-golden/1';
/** Rows taken from the holdout set (the first ones, in holdout order: deterministic). */
export const GOLDEN_ROWS = 16;

const featureSchema = z.object({ name: z.string().min(1), type: z.enum(['numeric', 'categorical']) });

const classificationExpected = z.object({ label: z.string(), probabilities: z.array(z.number()).min(1) });
const regressionExpected = z.object({ value: z.number() });

export const goldenSetSchema = z
  .object({
    format: z.literal(GOLDEN_FORMAT),
    /** The model name the server serves it under (the infer URL's {name}). */
    model: z.string().min(1),
    task: z.enum(['classification', 'regression']),
    features: z.array(featureSchema).min(1),
    /** Classification: labels in probability order. */
    classes: z.array(z.string()).optional(),
    /** Largest accepted |served - expected| for a probability or value (the parity gate's tolerance). */
    tolerance: z.number().nonnegative(),
    /** One object per row: feature name → number, string, or null for a missing value. */
    rows: z.array(z.record(z.string(), z.union([z.number(), z.string(), z.null()]))).min(1),
    expected: z.array(z.union([classificationExpected, regressionExpected])).min(1),
  })
  .refine((set) => set.rows.length === set.expected.length, {
    message: 'rows and expected must have the same length',
    path: ['expected'],
  })
  .refine((set) => set.task === 'regression' || (set.classes?.length ?? 0) > 0, {
    message: 'a classification golden set names its classes',
    path: ['classes'],
  });

export type GoldenSet = z.infer<typeof goldenSetSchema>;
export type GoldenExpected = GoldenSet['expected'][number];
