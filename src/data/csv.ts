/**
 * Streaming CSV/TSV reader: csv-parse hands over one record (an array of field strings) at a time and each
 * field is dictionary-encoded straight into its column's codes, so no per-row object outlives its record.
 *
 * Dialect: RFC 4180 quoting (`"` quotes, `""` escapes; quoted fields may hold delimiters, quotes and line
 * breaks), LF, CRLF or CR line ends, UTF-8 with an optional BOM, `.gz` files gunzipped on the fly. The first
 * record is the header (required); an empty header cell is named `column_<position>`. Blank lines are
 * skipped (a line of spaces is a record, so usually a ragged row); a stray quote inside an unquoted field is
 * kept as a character. Categorical values are kept exactly as written (no trimming); whitespace around
 * numbers and dates is allowed, and a cell is missing when its trimmed text is one of `missingValues`.
 *
 * Lines are physical file lines (CRLF counts once); a record whose quoted fields span lines is reported at
 * the line where it starts.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CsvError, type Info, type Options, Parser } from 'csv-parse';
import { DataError } from '../errors.ts';
import type { ColumnAccumulator } from './column-builder.ts';
import type { FileResult, ReadContext } from './read-context.ts';
import { NotTextError, textChecker } from './text-check.ts';

export interface CsvFormat {
  /** One character. */
  readonly delimiter: string;
  readonly gzip: boolean;
  /** WHATWG encoding label of the file's text (default utf-8). */
  readonly encoding?: string;
}

/** Delimiters recognised in a header that was read as one column. */
const OTHER_DELIMITERS = [';', '\t', '|', ','];

/**
 * One header column being read: its accumulator, the raw-text → code cache of this file, and its codes in
 * fixed-size blocks. All slots hold one code per kept row, so they share the row count and start new
 * blocks together: no per-cell bounds check or method call in the hot loop, and each code is copied once
 * (into the final array) instead of at every doubling.
 */
interface Slot {
  readonly acc: ColumnAccumulator;
  readonly codeOfText: Map<string, number>;
  readonly blocks: Int32Array[];
  block: Int32Array;
}

const BLOCK_ROWS = 65_536;

/** The first `rows` values of consecutive blocks as one array. */
function joinBlocks(blocks: readonly Int32Array[], rows: number): Int32Array {
  const out = new Int32Array(rows);
  blocks.forEach((block, i) => {
    const at = i * BLOCK_ROWS;
    if (at < rows) out.set(block.subarray(0, Math.min(BLOCK_ROWS, rows - at)), at);
  });
  return out;
}

/** Read one CSV/TSV file (`absolutePath`) into the context's column accumulators. */
export async function readCsvFile(absolutePath: string, format: CsvFormat, ctx: ReadContext): Promise<FileResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });

  let header: string[] | undefined;
  let slots: (Slot | null)[] = [];
  const lineBlocks: Int32Array[] = [];
  let lineBlock = new Int32Array(0);
  let rows = 0;
  let rowInBlock = BLOCK_ROWS; // forces a first block

  // Line bookkeeping, in csv-parse's counting: `info.lines` counts a record-ending CRLF once but every CR
  // and LF inside quotes once; `info.empty_lines` counts skipped blank lines. A record starts one line after
  // the previous one ended, plus the blank lines between. When a record spans lines, what its CR/LF
  // characters add beyond its real line breaks (CRLF = one) accumulates in `overcount`.
  let rawPreviousEnd = 0;
  let previousEmptyLines = 0;
  let overcount = 0;
  let lastEndLine = 0;

  const onRecord = (record: string[], info: Info): void => {
    const rawStart = rawPreviousEnd + 1 + (info.empty_lines - previousEmptyLines);
    const rawEnd = info.lines;
    const startLine = rawStart - overcount;
    if (rawEnd !== rawStart) {
      const { chars, breaks } = countLineBreaks(record);
      overcount += chars - breaks;
      lastEndLine = startLine + breaks;
    } else {
      lastEndLine = startLine;
    }
    rawPreviousEnd = rawEnd;
    previousEmptyLines = info.empty_lines;

    if (header === undefined) {
      if (record.length === 1) refuseOtherDelimiter(ctx.path, record[0]!, format.delimiter);
      header = record.map((name, i) => (name === '' ? `column_${i + 1}` : name));
      slots = openSlots(header, ctx);
      return;
    }
    if (record.length !== slots.length) {
      const key = `ragged_row:${ctx.path}`;
      if (ctx.issues.wouldStore(key)) {
        ctx.issues.add({
          kind: 'ragged_row',
          file: ctx.path,
          line: startLine,
          expectedFields: slots.length,
          actualFields: record.length,
        });
      } else {
        ctx.issues.countOnly(key);
      }
      return;
    }
    if (rowInBlock === BLOCK_ROWS) {
      lineBlock = new Int32Array(BLOCK_ROWS);
      lineBlocks.push(lineBlock);
      for (const slot of slots) {
        if (slot === null) continue;
        slot.block = new Int32Array(BLOCK_ROWS);
        slot.blocks.push(slot.block);
      }
      rowInBlock = 0;
    }
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j];
      if (slot === null) continue;
      const text = record[j]!;
      let code = slot.codeOfText.get(text);
      if (code === undefined) {
        code = ctx.missingValues.has(text) || ctx.missingValues.has(text.trim()) ? -1 : slot.acc.dictionary.add(text);
        slot.codeOfText.set(text, code);
      }
      slot.block[rowInBlock] = code;
    }
    lineBlock[rowInBlock] = startLine;
    rowInBlock++;
    rows++;
  };

  const parser = new RecordParser(
    {
      delimiter: format.delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    },
    onRecord,
  );
  const sink = new Writable({
    objectMode: true,
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const source = createReadStream(absolutePath, { highWaterMark: 1 << 20 });
  const text = textChecker(ctx.path, format.encoding ?? 'utf-8');
  try {
    if (format.gzip) await pipeline(source, tap, createGunzip(), text, parser, sink);
    else await pipeline(source, tap, text, parser, sink);
  } catch (error) {
    if (error instanceof DataError) throw error;
    if (error instanceof NotTextError) {
      const line = await lineAt(absolutePath, format.gzip, error.offset);
      throw new DataError(error.describe(line), { cause: error });
    }
    if (error instanceof CsvError) {
      throw new DataError(`${ctx.path}: in the record after line ${lastEndLine}: ${error.message}`, {
        cause: error,
      });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new DataError(`${ctx.path}: cannot read: ${detail}`, { cause: error });
  }

  if (header === undefined) throw new DataError(`${ctx.path}: no header row (the file has no records)`);
  if (rows === 0) ctx.issues.add({ kind: 'empty_file', file: ctx.path });
  for (const slot of slots) {
    if (slot !== null) {
      slot.acc.segments.push({
        kind: 'text',
        start: ctx.firstRow,
        file: ctx.fileIndex,
        codes: joinBlocks(slot.blocks, rows),
      });
    }
  }
  return { header, rows, lines: joinBlocks(lineBlocks, rows), sha256: hash.digest('hex'), bytes };
}

/**
 * csv-parse's stream parser, consuming each record the moment it is complete (instead of queueing it as
 * a stream chunk): `info` then still describes that record's position (`lines`, `empty_lines`), without
 * the per-record info object csv-parse's `on_record`/`info` options allocate (measured: most of the
 * CSV loading time).
 */
class RecordParser extends Parser {
  private readonly onRecord: (record: string[], info: Info) => void;
  constructor(options: Options, onRecord: (record: string[], info: Info) => void) {
    super(options);
    this.onRecord = onRecord;
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) return super.push(null);
    this.onRecord(chunk as string[], this.info);
    return true;
  }
}

/**
 * A header read as a single column that another delimiter splits into several: the file uses that delimiter
 * (a semicolon file from a spreadsheet in a comma-decimal locale, say). Refused, naming what was found.
 */
function refuseOtherDelimiter(path: string, header: string, delimiter: string): void {
  for (const other of OTHER_DELIMITERS) {
    if (other === delimiter) continue;
    const parts = header.split(other);
    if (parts.length < 2) continue;
    const shown = other === '\t' ? 'a tab' : JSON.stringify(other);
    const declared = other === '\t' ? '"\\t"' : JSON.stringify(other);
    throw new DataError(
      `${path}:1: the header reads as one column ${JSON.stringify(header.length > 80 ? `${header.slice(0, 80)}…` : header)} with the delimiter ${JSON.stringify(delimiter)}; ` +
        `it holds ${parts.length} names separated by ${shown}: declare data.delimiter: ${declared} in the config`,
    );
  }
}

/** 1-based line of byte `offset` of the (decompressed) file: line feeds before it, plus one. */
async function lineAt(absolutePath: string, gzip: boolean, offset: number): Promise<number> {
  let line = 1;
  let seen = 0;
  const source = createReadStream(absolutePath);
  const stream = gzip ? source.pipe(createGunzip()) : source;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const part = chunk.subarray(0, Math.max(0, Math.min(chunk.length, offset - seen)));
    for (let i = part.indexOf(10); i >= 0; i = part.indexOf(10, i + 1)) line++;
    seen += chunk.length;
    if (seen >= offset) break;
  }
  stream.destroy();
  source.destroy();
  return line;
}

/** Map header positions to columns; dropped and repeated names get no slot (the first occurrence wins). */
function openSlots(header: readonly string[], ctx: ReadContext): (Slot | null)[] {
  const positions = new Map<string, number[]>();
  const slots = header.map((name, i): Slot | null => {
    const seen = positions.get(name);
    if (seen !== undefined) {
      seen.push(i + 1);
      return null;
    }
    positions.set(name, [i + 1]);
    if (ctx.drop.has(name)) return null;
    return { acc: ctx.column(name), codeOfText: new Map(), blocks: [], block: new Int32Array(0) };
  });
  for (const [column, at] of positions) {
    if (at.length > 1) ctx.issues.add({ kind: 'duplicate_header', file: ctx.path, column, positions: at });
  }
  return slots;
}

/** CR and LF characters in a record's fields (`chars`), and the line breaks they make (CRLF = one). */
function countLineBreaks(record: readonly string[]): { chars: number; breaks: number } {
  let chars = 0;
  let breaks = 0;
  for (const field of record) {
    for (let i = 0; i < field.length; i++) {
      const c = field.charCodeAt(i);
      if (c === 13) {
        chars++;
        breaks++;
        if (field.charCodeAt(i + 1) === 10) {
          chars++;
          i++;
        }
      } else if (c === 10) {
        chars++;
        breaks++;
      }
    }
  }
  return { chars, breaks };
}
