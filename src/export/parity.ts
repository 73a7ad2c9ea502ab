/**
 * The parity gate: run the exported ONNX file in onnxruntime-node on real rows and compare with the
 * TypeScript predictions of the model it was exported from. Labels must be identical and every
 * probability / value within `tolerance` (absolute).
 */
import type { Table } from '../data/types.ts';
import { InputError, ParityError } from '../errors.ts';
import { loadOnnxSession, runOnnx } from '../model/onnx.ts';
import type { Model, Predictions } from '../model/types.ts';
import type { MismatchedRow, ParityReport } from './types.ts';

/** How many mismatched rows a report lists. */
export const PARITY_ROWS_SHOWN = 10;

/** [rows, trees] elements per run for tree ensembles (float + int64 + double intermediates: ~80 MB). */
const ELEMENTS_PER_RUN = 2 ** 22;
const MAX_BATCH_ROWS = 65_536;

export interface ParityInput {
  readonly model: Model;
  /** The exported file's bytes. */
  readonly onnx: Uint8Array;
  readonly table: Table;
  /** Largest allowed absolute difference (> 0), e.g. evaluation.parity_tolerance. */
  readonly tolerance: number;
  /** The TypeScript model's predictions on `table` (predict(model, table)). */
  readonly reference: Predictions;
}

/**
 * Runs the exported model on every row of `table` (in batches of up to 64k rows) and compares with
 * `reference`. Throws ParityError if the file's signature differs from the model's; row differences are
 * reported (ok = false), see assertParity.
 */
export async function checkParity(input: ParityInput): Promise<ParityReport> {
  const { model, table, tolerance, reference } = input;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new InputError(`parity tolerance must be a positive number, got ${tolerance}`);
  }
  if (table.rowCount === 0) throw new InputError('parity needs at least one row; the table is empty');
  if (reference.rowCount !== table.rowCount) {
    throw new InputError(`parity reference has ${reference.rowCount} rows, the table has ${table.rowCount}`);
  }
  const loaded = await loadOnnxSession(input.onnx, { name: 'exported ONNX model' });
  try {
    const fileSignature = canonical(loaded.info.signature);
    const modelSignature = canonical(model.signature);
    if (fileSignature !== modelSignature) {
      throw new ParityError(`exported ONNX signature ${fileSignature} differs from the model's ${modelSignature}`);
    }
    const trees = model.kind === 'gbdt' ? Math.max(1, model.trees.length) : 1;
    const batchRows = Math.max(1024, Math.min(MAX_BATCH_ROWS, Math.floor(ELEMENTS_PER_RUN / trees)));
    const actual = await runOnnx(loaded.session, model.signature, table, { batchRows });
    return compare(model, reference, actual, tolerance);
  } finally {
    await loaded.session.release();
  }
}

function canonical(signature: Model['signature']): string {
  return JSON.stringify({
    task: signature.task,
    target: signature.target,
    features: signature.features.map((f) => ({ name: f.name, type: f.type })),
    classes: signature.classes ?? null,
  });
}

/** Absolute difference where NaN equals NaN and NaN against a number is Infinity. */
function absDiff(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  if (a === b) return 0; // also equal infinities
  return Math.abs(a - b);
}

function compare(model: Model, ts: Predictions, onnx: Predictions, tolerance: number): ParityReport {
  const rows = ts.rowCount;
  const classes = model.signature.classes ?? [];
  const classification = model.signature.task === 'classification';
  const width = classification ? classes.length : 1;
  const tsValues = classification ? ts.probabilities : ts.values;
  const onnxValues = classification ? onnx.probabilities : onnx.values;
  if (!tsValues || tsValues.length !== rows * width || (classification && ts.labelIndex?.length !== rows)) {
    throw new InputError(
      `parity reference does not hold ${classification ? 'probabilities and labels' : 'values'} for ${rows} rows`,
    );
  }
  let maxAbsDiff = 0;
  let labelMismatches = 0;
  let mismatchedCount = 0;
  const mismatched: MismatchedRow[] = [];
  for (let row = 0; row < rows; row++) {
    let rowDiff = 0;
    for (let k = 0; k < width; k++)
      rowDiff = Math.max(rowDiff, absDiff(tsValues[row * width + k]!, onnxValues![row * width + k]!));
    maxAbsDiff = Math.max(maxAbsDiff, rowDiff);
    const tsLabel = classification ? ts.labelIndex![row]! : -1;
    const onnxLabel = classification ? onnx.labelIndex![row]! : -1;
    if (tsLabel !== onnxLabel) labelMismatches += 1;
    if (rowDiff <= tolerance && tsLabel === onnxLabel) continue;
    mismatchedCount += 1;
    if (mismatched.length < PARITY_ROWS_SHOWN) {
      mismatched.push({
        row,
        ts: Array.from(tsValues.subarray(row * width, (row + 1) * width)),
        onnx: Array.from(onnxValues!.subarray(row * width, (row + 1) * width)),
        ...(classification ? { ts_label: classes[tsLabel], onnx_label: classes[onnxLabel] } : {}),
        abs_diff: rowDiff,
      });
    }
  }
  return {
    ok: mismatchedCount === 0,
    rows,
    tolerance,
    max_abs_diff: maxAbsDiff,
    label_mismatches: labelMismatches,
    mismatched_count: mismatchedCount,
    mismatched_rows: mismatched,
  };
}

/** Throws ParityError naming the rows that differ (the first PARITY_ROWS_SHOWN) when the report is not ok. */
export function assertParity(report: ParityReport): void {
  if (report.ok) return;
  const format = (values: readonly number[]) => `[${values.map((v) => Number(v.toPrecision(10))).join(', ')}]`;
  const shown = report.mismatched_rows
    .map((r) => {
      const labels = r.ts_label === undefined ? '' : ` label ${JSON.stringify(r.ts_label)}`;
      const onnxLabels = r.onnx_label === undefined ? '' : ` label ${JSON.stringify(r.onnx_label)}`;
      return `row ${r.row}: ts ${format(r.ts)}${labels} vs onnx ${format(r.onnx)}${onnxLabels}`;
    })
    .join('; ');
  const more =
    report.mismatched_count > report.mismatched_rows.length ? ` (first ${report.mismatched_rows.length} shown)` : '';
  throw new ParityError(
    `the exported ONNX model disagrees with the TypeScript model on ${report.mismatched_count} of ${report.rows} rows ` +
      `(tolerance ${report.tolerance}, max |diff| ${report.max_abs_diff}, ${report.label_mismatches} label mismatches)${more}: ${shown}`,
  );
}
