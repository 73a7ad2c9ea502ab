/**
 * Reading the server's prediction log (format: src/serve/prediction-log.ts) into a window of live rows: the
 * inputs as a Table over the model's features, the predicted label / value per row, and each row's request id
 * (for joining feedback).
 *
 * Rotation is followed: `log.jsonl.3`, `log.jsonl.2`, `log.jsonl.1`, then `log.jsonl` are read in that order
 * (oldest first), so the window's last rows are the newest. A line that is not a JSON object of the expected
 * shape is counted and skipped (`malformed`); a last line without its newline that does not parse is a write cut
 * short (`truncated`); lines of another model are counted (`other_model`). Only a source with no usable line at
 * all is an error.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Column, Table } from '../data/types.ts';
import { DataError } from '../errors.ts';
import { TextDictionary } from '../lib/text-dictionary.ts';
import type { ModelSignature } from '../model/types.ts';

export interface LogWindow {
  /** Inputs, one column per signature feature (in signature order). */
  readonly inputs: Table;
  /** Classification: predicted labels ("" never occurs); regression: empty. */
  readonly labels: readonly string[];
  /** Regression: predicted values; classification: empty. */
  readonly values: readonly number[];
  /** Request id of each row. */
  readonly requestIds: readonly string[];
  readonly rowsRead: number;
  readonly lines: { read: number; malformed: number; truncated: number; other_model: number };
  /** One message per kind of skipped line, with the first place it happened. */
  readonly warnings: readonly string[];
}

/**
 * Rotated log files in reading order: grouped by their base name (`x.jsonl` for `x.jsonl.2`), each group oldest
 * first (highest suffix first, the unsuffixed file last); groups in name order.
 */
export function orderLogFiles(files: readonly string[]): string[] {
  const keyed = files.map((file) => {
    const match = /^(.*)\.(\d+)$/.exec(file);
    return { file, base: match ? match[1] : file, generation: match ? Number(match[2]) : 0 };
  });
  return keyed
    .sort((a, b) => (a.base === b.base ? b.generation - a.generation : a.base < b.base ? -1 : 1))
    .map((k) => k.file);
}

/**
 * The last `maxRows` rows of `model`'s predictions in `files` (already in reading order, see orderLogFiles).
 * Throws DataError when a file cannot be read or when no line of any file is usable.
 */
export function readPredictionLog(
  files: readonly string[],
  signature: ModelSignature,
  model: string,
  maxRows: number,
): LogWindow {
  const features = signature.features;
  const classification = signature.task === 'classification';
  const columns: (number | string | null)[][] = features.map(() => []);
  const labels: string[] = [];
  const values: number[] = [];
  const requestIds: string[] = [];
  const lines = { read: 0, malformed: 0, truncated: 0, other_model: 0 };
  const firstProblem = new Map<string, string>();
  const note = (kind: string, where: string, detail: string) => {
    if (!firstProblem.has(kind)) firstProblem.set(kind, `${where}: ${detail}`);
  };

  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new DataError(
        `${file}: cannot read the prediction log (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    const fileLines = text.split('\n');
    const complete = text.endsWith('\n');
    if (complete) fileLines.pop();
    fileLines.forEach((line, index) => {
      if (line.trim() === '') return;
      lines.read++;
      const where = `${basename(file)} line ${index + 1}`;
      const parsed = parseLine(line, signature);
      if (typeof parsed === 'string') {
        const cutShort = !complete && index === fileLines.length - 1 && parsed === NOT_JSON;
        if (cutShort) {
          lines.truncated++;
          note('truncated', where, 'the last line is cut short (a write in progress or a crash); skipped');
        } else {
          lines.malformed++;
          note('malformed', where, `${parsed}; skipped`);
        }
        return;
      }
      if (parsed.model_name !== model) {
        lines.other_model++;
        note('other', where, `a prediction of model "${parsed.model_name}", not "${model}"; skipped`);
        return;
      }
      for (let r = 0; r < parsed.rows; r++) {
        features.forEach((feature, j) => {
          columns[j].push(parsed.inputs[feature.name][r] ?? null);
        });
        requestIds.push(parsed.request_id);
        if (classification) labels.push((parsed.outputs as { label: string[] }).label[r]);
        else values.push((parsed.outputs as { value: number[] }).value[r]);
      }
    });
  }
  const rowsRead = requestIds.length;
  const warnings = [...firstProblem.entries()].map(([kind, message]) => {
    const count = kind === 'truncated' ? lines.truncated : kind === 'malformed' ? lines.malformed : lines.other_model;
    return `${count} ${kind === 'other' ? 'line(s) of other models' : `${kind} line(s)`} skipped (first: ${message})`;
  });
  if (rowsRead === 0 && lines.read > 0 && lines.other_model < lines.read) {
    throw new DataError(
      `${files.join(', ')}: no usable prediction log line (${lines.malformed} malformed, ${lines.truncated} truncated, ${lines.other_model} of other models); first problem: ${[...firstProblem.values()][0]}`,
    );
  }
  const start = Math.max(0, rowsRead - maxRows);
  const inputs: Table = {
    rowCount: rowsRead - start,
    columns: features.map((feature, j) => buildColumn(feature.name, feature.type, columns[j].slice(start))),
  };
  return {
    inputs,
    labels: labels.slice(start),
    values: values.slice(start),
    requestIds: requestIds.slice(start),
    rowsRead,
    lines,
    warnings,
  };
}

const NOT_JSON = 'not JSON';

interface ParsedLine {
  readonly request_id: string;
  readonly model_name: string;
  readonly rows: number;
  readonly inputs: Record<string, (number | string | null)[]>;
  readonly outputs: { label: string[] } | { value: number[] };
}

/** The line's record, or what is wrong with it. */
function parseLine(line: string, signature: ModelSignature): ParsedLine | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_JSON;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const rows = record.rows;
  if (!Number.isInteger(rows) || (rows as number) < 0) return '"rows" is not a count';
  if (typeof record.model_name !== 'string') return 'no "model_name"';
  if (typeof record.request_id !== 'string') return 'no "request_id"';
  const inputs = record.inputs as Record<string, unknown> | undefined;
  if (typeof inputs !== 'object' || inputs === null) return 'no "inputs" object';
  for (const feature of signature.features) {
    const column = inputs[feature.name];
    if (!Array.isArray(column) || column.length !== rows) return `"inputs.${feature.name}" is not ${rows} values`;
    const kind = feature.type === 'numeric' ? 'number' : 'string';
    if (column.some((v) => v !== null && typeof v !== kind)) return `"inputs.${feature.name}" holds a non-${kind}`;
  }
  const outputs = record.outputs as Record<string, unknown> | undefined;
  if (typeof outputs !== 'object' || outputs === null) return 'no "outputs" object';
  const predicted = signature.task === 'classification' ? outputs.label : outputs.value;
  const kind = signature.task === 'classification' ? 'string' : 'number';
  if (!Array.isArray(predicted) || predicted.length !== rows || predicted.some((v) => typeof v !== kind)) {
    return `"outputs.${signature.task === 'classification' ? 'label' : 'value'}" is not ${rows} ${kind}s`;
  }
  return value as ParsedLine;
}

/** A numeric or categorical column from logged values (null = missing). */
export function buildColumn(
  name: string,
  type: 'numeric' | 'categorical',
  values: readonly (number | string | null)[],
): Column {
  if (type === 'numeric') {
    return { type, name, values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : Number.NaN)) };
  }
  const dictionary = new TextDictionary();
  const codes = Int32Array.from(values, (v) => (typeof v !== 'string' || v === '' ? -1 : dictionary.add(v)));
  return { type, name, codes, categories: dictionary.entries };
}
