/**
 * Per-column accumulation while files are read, and the final type decision.
 *
 * Readers append one segment per file: raw CSV text (`text`, type still to infer), typed strings from
 * Parquet (`string`, always categorical unless forced), numbers or instants (`numeric` / `datetime`), or
 * `absent` when the file lacks the column. Text is dictionary-encoded as it streams, so inference and
 * parsing run once per distinct value.
 *
 * Type decision (`finishColumn`), when `columnTypes` does not force one:
 * - only `text` segments: numeric if every distinct text parses as a number, else datetime if every one
 *   parses as an ISO date/date-time, else categorical (a column with no value at all is numeric);
 * - any `string` segment: categorical;
 * - `numeric` (resp. `datetime`) segments, possibly with `text` ones: numeric (resp. datetime) when all the
 *   text parses as such, else categorical; numeric mixed with datetime: categorical.
 * Conversions: a forced numeric/datetime type parses text (a failure is missing + a `type_mismatch` issue);
 * numeric ↔ datetime keeps the float64 (epoch milliseconds); to categorical, numbers become their shortest
 * round-trip text and instants their ISO-8601 UTC text.
 */

import { TextDictionary } from '../lib/text-dictionary.ts';
import type { IssueLog } from './issues.ts';
import { datetimeText, numberText, parseDatetime, parseNumber } from './parse-value.ts';
import type { Column, ColumnType, RowOrigin } from './types.ts';

export type Segment =
  | { readonly kind: 'text' | 'string'; readonly start: number; readonly file: number; readonly codes: Int32Array }
  | {
      readonly kind: 'numeric' | 'datetime';
      readonly start: number;
      readonly file: number;
      readonly values: Float64Array;
    }
  | { readonly kind: 'absent'; readonly start: number; readonly file: number; readonly length: number };

export class ColumnAccumulator {
  readonly dictionary = new TextDictionary();
  readonly segments: Segment[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

export interface FinishContext {
  readonly rowCount: number;
  readonly forced: ColumnType | undefined;
  readonly issues: IssueLog;
  /** File and line of row `rowInFile` (0-based) of file number `file`. */
  origin(file: number, rowInFile: number): RowOrigin;
}

/** Decide the column's type and build its final typed array (see the module comment for the rules). */
export function finishColumn(acc: ColumnAccumulator, ctx: FinishContext): Column {
  const type = ctx.forced ?? inferType(acc);
  if (type === 'categorical') return buildCategorical(acc, ctx.rowCount);
  return { type, name: acc.name, values: buildFloat(acc, type, ctx) };
}

function inferType(acc: ColumnAccumulator): ColumnType {
  const kinds = new Set(acc.segments.map((s) => s.kind));
  kinds.delete('absent');
  if (kinds.has('string')) return 'categorical';
  const entries = acc.dictionary.entries;
  const hasText = kinds.has('text') && entries.length > 0;
  if (kinds.has('numeric') && kinds.has('datetime')) return 'categorical';
  if (kinds.has('numeric'))
    return !hasText || entries.every((t) => parseNumber(t) !== undefined) ? 'numeric' : 'categorical';
  if (kinds.has('datetime'))
    return !hasText || entries.every((t) => parseDatetime(t) !== undefined) ? 'datetime' : 'categorical';
  if (entries.every((t) => parseNumber(t) !== undefined)) return 'numeric';
  if (entries.every((t) => parseDatetime(t) !== undefined)) return 'datetime';
  return 'categorical';
}

function buildFloat(acc: ColumnAccumulator, type: 'numeric' | 'datetime', ctx: FinishContext): Float64Array {
  const only = acc.segments.length === 1 ? acc.segments[0]! : undefined;
  if ((only?.kind === 'numeric' || only?.kind === 'datetime') && only.values.length === ctx.rowCount) {
    return only.values; // one file already in final form: adopt, don't copy
  }
  const out = new Float64Array(ctx.rowCount);
  let parsed: { values: Float64Array; failures: number } | undefined;
  for (const segment of acc.segments) {
    if (segment.kind === 'absent') {
      out.fill(Number.NaN, segment.start, segment.start + segment.length);
    } else if ('values' in segment) {
      out.set(segment.values, segment.start);
    } else {
      parsed ??= parseEntries(acc.dictionary.entries, type);
      const values = parsed.values;
      const { codes, start } = segment;
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i]!;
        out[start + i] = code < 0 ? Number.NaN : values[code]!;
      }
      if (parsed.failures > 0) reportMismatches(acc, segment, values, type, ctx);
    }
  }
  return out;
}

/** Value of each dictionary entry as `type`; NaN where it does not parse (counted in `failures`). */
function parseEntries(
  entries: readonly string[],
  type: 'numeric' | 'datetime',
): { values: Float64Array; failures: number } {
  const parse = type === 'numeric' ? parseNumber : parseDatetime;
  const values = new Float64Array(entries.length);
  let failures = 0;
  for (let code = 0; code < entries.length; code++) {
    const value = parse(entries[code]!);
    if (value === undefined) failures++;
    values[code] = value ?? Number.NaN;
  }
  return { values, failures };
}

function reportMismatches(
  acc: ColumnAccumulator,
  segment: Extract<Segment, { kind: 'text' | 'string' }>,
  parsed: Float64Array,
  type: 'numeric' | 'datetime',
  ctx: FinishContext,
): void {
  const key = `type_mismatch:${acc.name}`;
  const { codes } = segment;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code < 0 || !Number.isNaN(parsed[code]!)) continue;
    if (!ctx.issues.wouldStore(key)) {
      ctx.issues.countOnly(key);
      continue;
    }
    const { file, line } = ctx.origin(segment.file, i);
    ctx.issues.add({
      kind: 'type_mismatch',
      file,
      line,
      column: acc.name,
      value: acc.dictionary.entries[code]!,
      expected: type,
    });
  }
}

function buildCategorical(acc: ColumnAccumulator, rowCount: number): Column {
  const { dictionary } = acc;
  const only = acc.segments.length === 1 ? acc.segments[0]! : undefined;
  if ((only?.kind === 'text' || only?.kind === 'string') && only.codes.length === rowCount) {
    return { type: 'categorical', name: acc.name, codes: only.codes, categories: dictionary.entries };
  }
  const codes = new Int32Array(rowCount);
  for (const segment of acc.segments) {
    if (segment.kind === 'absent') {
      codes.fill(-1, segment.start, segment.start + segment.length);
    } else if ('codes' in segment) {
      codes.set(segment.codes, segment.start);
    } else {
      // Numbers/instants → canonical text, once per distinct value.
      const toText = segment.kind === 'numeric' ? numberText : datetimeText;
      const seen = new Map<number, number>();
      const { values, start } = segment;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (Number.isNaN(value)) {
          codes[start + i] = -1;
          continue;
        }
        let code = seen.get(value);
        if (code === undefined) {
          code = dictionary.add(toText(value));
          seen.set(value, code);
        }
        codes[start + i] = code;
      }
    }
  }
  return { type: 'categorical', name: acc.name, codes, categories: dictionary.entries };
}
