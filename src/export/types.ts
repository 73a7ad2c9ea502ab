/** Types of the export stage: what goes into the ONNX file besides the graph, and the parity report. */
import { z } from 'zod';

export type { OnnxMetadata } from '../model/onnx.ts';

/** One row on which the ONNX model and the TypeScript model disagree. */
export interface MismatchedRow {
  /** Row index in the table checked. */
  readonly row: number;
  /** Probabilities (classification) or the value (regression) from TypeScript. */
  readonly ts: readonly number[];
  readonly onnx: readonly number[];
  readonly ts_label?: string;
  readonly onnx_label?: string;
  /** Largest |ts - onnx| on this row (Infinity when exactly one side is NaN). */
  readonly abs_diff: number;
}

/** Outcome of running the exported file on rows and comparing with the TypeScript predictions. */
export interface ParityReport {
  readonly ok: boolean;
  readonly rows: number;
  /** Largest allowed absolute difference of probabilities/values. */
  readonly tolerance: number;
  readonly max_abs_diff: number;
  readonly label_mismatches: number;
  /** Rows over tolerance or with a different label. */
  readonly mismatched_count: number;
  /** The first few mismatched rows (see PARITY_ROWS_SHOWN). */
  readonly mismatched_rows: readonly MismatchedRow[];
}

/** parity.json as written by the export stage and read back by later stages. */
export const parityReportSchema = z
  .object({
    ok: z.boolean(),
    rows: z.int().min(0),
    tolerance: z.number(),
    max_abs_diff: z.number().nullable(),
    label_mismatches: z.int().min(0),
    mismatched_count: z.int().min(0),
    mismatched_rows: z.array(
      z.looseObject({ row: z.int().min(0), ts: z.array(z.number().nullable()), onnx: z.array(z.number().nullable()) }),
    ),
  })
  .strict();
