/**
 * prepare: choose features, fix the task and classes, drop rows without a target, split train/holdout
 * and put rows in canonical order. Pure: a Table in, Datasets out.
 */
import { canonicalOrder, dataDigest, rowKeys, selectColumns, selectRows } from '../data/index.ts';
import type { Column, Table } from '../data/types.ts';
import { ConfigError, type ConfigProblem, DataError } from '../errors.ts';
import type { FeatureSpec, ModelSignature, Task } from '../model/types.ts';
import type { Dataset } from '../train/types.ts';
import { holdoutMask } from './holdout.ts';
import type { PreparedData, PrepareOptions, SplitSummary } from './types.ts';

/** Fewest rows each side of the split must have for training and evaluation to mean anything. */
const MIN_SPLIT_ROWS = 5;

export function prepareData(table: Table, options: PrepareOptions): PreparedData {
  const { configFile } = options;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const names = () => table.columns.map((c) => JSON.stringify(c.name)).join(', ');
  // Every column the config names is checked before anything throws, so all problems are reported at once.
  const problems: ConfigProblem[] = [];
  const target = byName.get(options.target);
  if (!target)
    problems.push({ key: 'data.target', detail: `column "${options.target}" not found; columns are: ${names()}` });
  // `drop` columns are usually gone already (the loader does not read them); those still here are not features.
  for (const column of options.slices) {
    const found = byName.get(column);
    if (!found) {
      problems.push({ key: 'evaluation.slices', detail: `column "${column}" not found; columns are: ${names()}` });
    } else if (found.type !== 'categorical') {
      problems.push({
        key: 'evaluation.slices',
        detail: `column "${column}" is ${found.type}; slices need a categorical column`,
      });
    }
  }
  if (options.timeColumn !== undefined) {
    const time = byName.get(options.timeColumn);
    if (!time) {
      problems.push({
        key: 'split.time_column',
        detail: `column "${options.timeColumn}" not found; columns are: ${names()}`,
      });
    } else if (time.type === 'categorical') {
      problems.push({
        key: 'split.time_column',
        detail: `column "${options.timeColumn}" holds text; expected dates or numbers`,
      });
    }
  }
  if (problems.length > 0 || !target) throw ConfigError.of(configFile, problems);

  const task = options.task ?? inferTask(target);
  if (task === 'regression' && target.type !== 'numeric') {
    throw new ConfigError(
      configFile,
      'data.task',
      `regression needs a numeric target; "${target.name}" is ${target.type}`,
    );
  }
  if (target.type === 'datetime') {
    throw new ConfigError(
      configFile,
      'data.target',
      `column "${target.name}" holds dates; expected a class or a number`,
    );
  }

  const excluded = new Set([options.target, ...options.drop]);
  const features: FeatureSpec[] = [];
  for (const column of table.columns) {
    if (excluded.has(column.name) || column.type === 'datetime' || column.name === options.timeColumn) continue;
    features.push({ name: column.name, type: column.type });
  }
  if (features.length === 0) {
    throw new ConfigError(configFile, 'data.drop', `no feature columns left besides the target "${options.target}"`);
  }

  const { values: targetValues, classes, missing } = encodeTarget(target, task);
  const warnings: string[] = [];
  if (task === 'classification' && classes!.length < 2) {
    throw new DataError(`target "${target.name}" has ${classes!.length} class(es); classification needs at least 2`);
  }
  const keptRows: number[] = [];
  for (let row = 0; row < table.rowCount; row++) if (!Number.isNaN(targetValues[row]!)) keptRows.push(row);
  if (missing > 0) warnings.push(`${missing} row(s) have no value for the target "${target.name}" and are not used`);

  const signature: ModelSignature = { task, target: target.name, features, ...(classes ? { classes } : {}) };
  const usedColumns = [...features.map((f) => f.name), target.name];
  const extraColumns = options.slices.filter((s) => !usedColumns.includes(s));
  const timeColumns =
    options.timeColumn !== undefined && !usedColumns.includes(options.timeColumn) ? [options.timeColumn] : [];
  const columns = [...usedColumns, ...extraColumns, ...timeColumns];

  const kept = selectColumns(selectRows(table, Uint32Array.from(keptRows)), columns);
  const keptTarget = Float64Array.from(keptRows, (row) => targetValues[row]!);
  const keys = rowKeys(kept, usedColumns);
  const digest = dataDigest(kept, usedColumns);

  const batchOfRow = batchIndex(options.batches, table.rowCount);
  const batch = Int32Array.from(keptRows, (row) => batchOfRow[row]!);
  const stratum = task === 'classification' ? Int32Array.from(keptTarget) : null;
  const { trainRows, holdoutRows, summary } = splitRows(kept, keys, usedColumns, options, { batch, stratum });
  const split: SplitSummary = { ...summary, dropped_missing_target: missing };
  if (trainRows.length < MIN_SPLIT_ROWS || holdoutRows.length < MIN_SPLIT_ROWS) {
    throw new DataError(
      `split gives ${trainRows.length} training and ${holdoutRows.length} holdout rows; each needs at least ${MIN_SPLIT_ROWS} (have ${kept.rowCount} rows with a target)`,
    );
  }
  const dataset = (rows: Uint32Array): Dataset => ({
    signature,
    table: selectRows(kept, rows),
    target: Float64Array.from(rows, (row) => keptTarget[row]!),
  });
  return {
    signature,
    train: dataset(trainRows),
    holdout: dataset(holdoutRows),
    split,
    digest,
    columns: columns.filter((c) => !timeColumns.includes(c)),
    warnings,
  };
}

/** Classification for text targets and for numeric targets with exactly two values (0/1 labels); else regression. */
export function inferTask(target: Column): Task {
  if (target.type === 'categorical') return 'classification';
  if (target.type === 'numeric') {
    const distinct = new Set<number>();
    for (const v of target.values) {
      if (!Number.isNaN(v)) distinct.add(v);
      if (distinct.size > 2) return 'regression';
    }
    return distinct.size === 2 ? 'classification' : 'regression';
  }
  return 'regression';
}

/** Target as numbers: class index into sorted class labels, or the value; NaN where missing. */
function encodeTarget(target: Column, task: Task): { values: Float64Array; classes?: string[]; missing: number } {
  const n = target.type === 'categorical' ? target.codes.length : target.values.length;
  const values = new Float64Array(n);
  let missing = 0;
  if (task === 'regression' && target.type === 'numeric') {
    for (let i = 0; i < n; i++) {
      values[i] = target.values[i]!;
      if (Number.isNaN(values[i]!)) missing++;
    }
    return { values, missing };
  }
  // Labels as text, so a numeric 0/1 target and a "0"/"1" text target give the same classes.
  const labelOf: (i: number) => string | null =
    target.type === 'categorical'
      ? (i) => (target.codes[i]! < 0 ? null : target.categories[target.codes[i]!]!)
      : (i) => (Number.isNaN(target.values[i]!) ? null : String(target.values[i]!));
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const label = labelOf(i);
    if (label !== null) seen.add(label);
  }
  const classes = [...seen].sort(compareLabels);
  const index = new Map(classes.map((c, k) => [c, k]));
  for (let i = 0; i < n; i++) {
    const label = labelOf(i);
    if (label === null) {
      values[i] = Number.NaN;
      missing++;
    } else values[i] = index.get(label)!;
  }
  return { values, classes, missing };
}

/** Numeric-looking labels in numeric order ("2" before "10"), others by code point; deterministic across locales. */
function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Batch index of every table row from the rows per batch (all rows in batch 0 when not given). */
function batchIndex(batches: readonly number[] | undefined, rowCount: number): Int32Array {
  const index = new Int32Array(rowCount);
  if (!batches) return index;
  const total = batches.reduce((a, b) => a + b, 0);
  if (total !== rowCount) throw new Error(`prepare: batches hold ${total} rows, the table ${rowCount}`);
  let row = 0;
  batches.forEach((rows, b) => {
    index.fill(b, row, row + rows);
    row += rows;
  });
  return index;
}

function splitRows(
  table: Table,
  keys: { hi: Uint32Array; lo: Uint32Array },
  usedColumns: readonly string[],
  options: PrepareOptions,
  streams: { readonly batch: Int32Array; readonly stratum: Int32Array | null },
): { trainRows: Uint32Array; holdoutRows: Uint32Array; summary: Omit<SplitSummary, 'dropped_missing_target'> } {
  // Canonical order over the columns the model sees: the model does not depend on file or row order.
  const order = canonicalOrder(table, usedColumns, keys);
  const base = { seed: options.seed, holdout_fraction: options.holdout };
  const share = (train: number, holdout: number) => (train + holdout === 0 ? 0 : holdout / (train + holdout));
  if (options.timeColumn === undefined) {
    const held = holdoutMask({ keys, ...streams, share: options.holdout, seed: options.seed });
    const train: number[] = [];
    const holdout: number[] = [];
    for (const row of order) (held[row] === 1 ? holdout : train).push(row);
    return {
      trainRows: Uint32Array.from(train),
      holdoutRows: Uint32Array.from(holdout),
      summary: {
        method: 'hash',
        ...base,
        train_rows: train.length,
        holdout_rows: holdout.length,
        holdout_share: share(train.length, holdout.length),
      },
    };
  }
  const time = table.columns.find((c) => c.name === options.timeColumn)!;
  if (time.type === 'categorical') throw new Error('unreachable: checked above');
  const times = time.values;
  // Stable sort of the canonical order by time: equal instants keep content order.
  const byTime = Array.from(order).sort((a, b) => compareTime(times[a]!, times[b]!));
  const holdoutCount = Math.max(1, Math.round(byTime.length * options.holdout));
  const cut = byTime.length - holdoutCount;
  const boundary = times[byTime[cut]!]!;
  // Rows at the boundary instant all go to holdout, so no instant is on both sides.
  let first = cut;
  while (first > 0 && times[byTime[first - 1]!] === boundary) first--;
  const trainSet = new Set(byTime.slice(0, first));
  const trainRows = Uint32Array.from(Array.from(order).filter((r) => trainSet.has(r)));
  const holdoutRows = Uint32Array.from(Array.from(order).filter((r) => !trainSet.has(r)));
  return {
    trainRows,
    holdoutRows,
    summary: {
      method: 'time',
      ...base,
      train_rows: trainRows.length,
      holdout_rows: holdoutRows.length,
      holdout_share: share(trainRows.length, holdoutRows.length),
      time_boundary: time.type === 'datetime' ? new Date(boundary).toISOString() : String(boundary),
    },
  };
}

function compareTime(a: number, b: number): number {
  // Missing instants sort first (into training), never into the "future" holdout.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/**
 * Rebuild a Dataset from a prepared table (target column included) and its signature, as stored in the
 * run folder: class labels map back to their index; a row without a target is an error.
 */
export function datasetFromTable(table: Table, signature: ModelSignature): Dataset {
  const column = table.columns.find((c) => c.name === signature.target);
  if (!column) throw new DataError(`prepared table has no target column "${signature.target}"`);
  const target = new Float64Array(table.rowCount);
  if (signature.task === 'regression') {
    if (column.type !== 'numeric') throw new DataError(`target "${column.name}" must be numeric for regression`);
    target.set(column.values);
  } else {
    const index = new Map((signature.classes ?? []).map((c, k) => [c, k]));
    for (let row = 0; row < table.rowCount; row++) {
      const label =
        column.type === 'categorical'
          ? column.codes[row]! < 0
            ? undefined
            : column.categories[column.codes[row]!]
          : Number.isNaN(column.values[row]!)
            ? undefined
            : String(column.values[row]!);
      const k = label === undefined ? undefined : index.get(label);
      if (k === undefined)
        throw new DataError(`prepared row ${row}: target ${JSON.stringify(label)} is not a known class`);
      target[row] = k;
    }
  }
  for (let row = 0; row < target.length; row++) {
    if (Number.isNaN(target[row]!)) throw new DataError(`prepared row ${row}: target is missing`);
  }
  return { signature, table, target };
}
