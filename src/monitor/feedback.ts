/**
 * Quality on feedback: labelled rows that arrive after serving (the same columns plus the target, or a request
 * id and the target, joined with the prediction log) scored with the production model and compared with the
 * model card's holdout metrics — the primary metric within `validation.model.tolerance`, each slice within
 * `slice_tolerance` (small slices are reported, not judged, as in blessing).
 */

import type { MetricName } from '../config/schema.ts';
import type { Column, Table } from '../data/types.ts';
import { DataError } from '../errors.ts';
import type { EvaluationReport } from '../evaluate/index.ts';
import type { ModelSignature } from '../model/types.ts';
import { datasetFromTable } from '../prepare/index.ts';
import type { Dataset } from '../train/types.ts';
import type { LogWindow } from './prediction-log.ts';
import type { FeedbackQuality, SliceQuality } from './types.ts';

export interface FeedbackRows {
  readonly dataset: Dataset;
  readonly skipped: { readonly missing_target: number; readonly unmatched_request: number };
  readonly joinedByRequestId: boolean;
}

/**
 * The feedback table as a Dataset for `signature`: rows without a target are left out; when the feedback lacks
 * any feature column, its rows are joined with the prediction log on `requestIdColumn` (the k-th feedback row of a
 * request takes the request's k-th logged row) and rows without a logged request are left out. Target labels the
 * model does not know are kept (they count as errors). DataError when neither the features nor the join are there.
 */
export function feedbackRows(
  feedback: Table,
  signature: ModelSignature,
  requestIdColumn: string,
  log: LogWindow | null,
  where: string,
): FeedbackRows {
  const byName = new Map(feedback.columns.map((c) => [c.name, c]));
  const target = byName.get(signature.target);
  if (!target) throw new DataError(`${where}: no target column "${signature.target}"`);
  const absent = signature.features.filter((f) => !byName.has(f.name)).map((f) => f.name);
  const idColumn = byName.get(requestIdColumn);
  let features: Column[];
  let keep: number[];
  let unmatched = 0;
  if (absent.length === 0) {
    features = signature.features.map((f) => byName.get(f.name)!);
    keep = [...Array(feedback.rowCount).keys()];
  } else {
    if (idColumn?.type !== 'categorical') {
      throw new DataError(
        `${where}: feature column(s) ${absent.join(', ')} missing, and no "${requestIdColumn}" column to join with the prediction log (monitor.request_id_column)`,
      );
    }
    if (!log) {
      throw new DataError(
        `${where}: feature column(s) ${absent.join(', ')} missing; joining on "${requestIdColumn}" needs the prediction log (--predictions)`,
      );
    }
    const rowsOfRequest = new Map<string, number[]>();
    log.requestIds.forEach((id, row) => {
      const rows = rowsOfRequest.get(id);
      if (rows) rows.push(row);
      else rowsOfRequest.set(id, [row]);
    });
    const used = new Map<string, number>();
    const logRows: number[] = [];
    keep = [];
    for (let r = 0; r < feedback.rowCount; r++) {
      const code = idColumn.codes[r];
      const id = code < 0 ? undefined : idColumn.categories[code];
      const rows = id === undefined ? undefined : rowsOfRequest.get(id);
      const k = id === undefined ? 0 : (used.get(id) ?? 0);
      if (!rows || k >= rows.length) {
        unmatched++;
        continue;
      }
      used.set(id!, k + 1);
      keep.push(r);
      logRows.push(rows[k]);
    }
    features = signature.features.map((f) => {
      const source = log.inputs.columns.find((c) => c.name === f.name)!;
      return gather(source, logRows);
    });
  }
  // Rows without a target are not feedback.
  const labelled = keep.filter((r) => !isMissing(target, r));
  const picked = keep.map((r, i) => (isMissing(target, r) ? -1 : i)).filter((i) => i >= 0);
  const targetColumn = gather(target, labelled);
  const extraColumns = feedback.columns.filter(
    (c) => c !== target && !signature.features.some((f) => f.name === c.name),
  );
  const table: Table = {
    rowCount: labelled.length,
    columns: [...features.map((c) => gather(c, picked)), ...extraColumns.map((c) => gather(c, labelled)), targetColumn],
  };
  const dataSignature: ModelSignature =
    signature.task === 'classification'
      ? { ...signature, classes: mergedClasses(signature.classes ?? [], targetColumn) }
      : signature;
  return {
    dataset: datasetFromTable(table, dataSignature),
    skipped: { missing_target: keep.length - labelled.length, unmatched_request: unmatched },
    joinedByRequestId: absent.length > 0,
  };
}

/**
 * The feedback verdict from the production model's evaluation on it and its card's holdout evaluation. `degraded`
 * when the primary metric is worse than the holdout's by more than `tolerance` (in the metric's direction).
 */
export function feedbackQuality(input: {
  readonly feedback: EvaluationReport;
  readonly holdout: EvaluationReport;
  readonly metric: MetricName;
  readonly tolerance: number;
  readonly sliceTolerance: number;
  readonly files: readonly string[];
  readonly rows: FeedbackRows;
}): FeedbackQuality {
  const { feedback, holdout, metric } = input;
  const higher = feedback.higher_is_better[metric] ?? true;
  const worse = (now: number | null | undefined, before: number | null | undefined, tolerance: number) =>
    now != null && before != null && (higher ? now < before - tolerance : now > before + tolerance);
  const slices: SliceQuality[] = [];
  for (const report of feedback.slices) {
    const reference = holdout.slices.find((s) => s.column === report.column);
    for (const value of report.values) {
      const before = reference?.values.find((v) => v.value === value.value);
      const now = value.metrics[metric] ?? null;
      const then = before?.metrics[metric] ?? null;
      slices.push({
        column: report.column,
        value: value.value,
        rows: value.rows,
        feedback: now,
        holdout: then,
        tolerance: input.sliceTolerance,
        degraded: !value.small && before !== undefined && !before.small && worse(now, then, input.sliceTolerance),
      });
    }
  }
  const now = feedback.metrics[metric] ?? null;
  const then = holdout.metrics[metric] ?? null;
  return {
    status: 'ok',
    files: input.files,
    rows: feedback.rows,
    skipped: input.rows.skipped,
    joined_by_request_id: input.rows.joinedByRequestId,
    metric,
    higher_is_better: higher,
    feedback: now,
    holdout: then,
    tolerance: input.tolerance,
    degraded: worse(now, then, input.tolerance),
    metrics: feedback.metrics,
    slices,
  };
}

function isMissing(column: Column, row: number): boolean {
  return column.type === 'categorical' ? column.codes[row] < 0 : Number.isNaN(column.values[row]);
}

/** Rows `rows` of `column` (a copy). */
function gather(column: Column, rows: readonly number[]): Column {
  if (column.type === 'categorical') {
    return { ...column, codes: Int32Array.from(rows, (r) => column.codes[r]) };
  }
  return { ...column, values: Float64Array.from(rows, (r) => column.values[r]) };
}

/** The model's classes followed by labels only the feedback has (sorted), so every target maps to a class. */
function mergedClasses(classes: readonly string[], target: Column): string[] {
  const labels = new Set<string>();
  if (target.type === 'categorical') {
    for (const code of target.codes) if (code >= 0) labels.add(target.categories[code]);
  } else {
    for (const v of target.values) if (!Number.isNaN(v)) labels.add(String(v));
  }
  const extra = [...labels].filter((l) => !classes.includes(l)).sort();
  return [...classes, ...extra];
}
