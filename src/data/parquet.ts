/**
 * Parquet reader: flat (top-level, non-nested) columns decoded page by page straight into typed arrays.
 *
 * hyparquet parses the footer, page headers and page bodies (every encoding and, with
 * hyparquet-compressors, every codec); this module replaces only its last step. hyparquet's public
 * `parquetRead` re-assembles every page through its generic nested-list (Dremel) assembly into plain JS
 * arrays of boxed values (and `Date`s), which took ~5 s of the ~5 s for the 3M-row flights file
 * (bench/load.ts). Here a page's definition levels and values (or dictionary indices) are written
 * directly into a Float64Array / Int32Array, and a dictionary page is converted once (strings decoded and
 * dictionary-encoded once, timestamps turned into epoch ms once), not per row.
 *
 * Type mapping: integers, floats, decimals (÷10^scale), unsigned ints and TIME (ms since midnight) →
 * numeric (int64 via Number(); beyond 2^53 precision is lost); DATE, TIMESTAMP (any unit) and INT96 →
 * datetime (epoch ms; timestamps not adjusted to UTC are read as UTC wall time, like CSV dates without an
 * offset); strings/ENUM/JSON → categorical; BOOLEAN → categorical "true"/"false"; UUID → categorical
 * 8-4-4-4-12 hex; other fixed-length binary → categorical hex; nulls → missing. A non-finite float
 * (±Infinity, NaN) is missing; ±Infinity also yields a `type_mismatch` issue. Nested columns (struct, list,
 * map) and geospatial/variant columns cannot be read and must be dropped.
 */
import { readFile } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import type {
  ColumnChunk,
  CompressionCodec,
  Compressors,
  DataPageHeader,
  DecodedArray,
  FileMetaData,
  SchemaTree,
} from 'hyparquet';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS, parseDecimal, parseFloat16 } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { compressors as jsCompressors } from 'hyparquet-compressors';
import { DataError } from '../errors.ts';
import { sha256Hex } from '../lib/files.ts';
import type { ColumnAccumulator } from './column-builder.ts';
import type { FileResult, ReadContext } from './read-context.ts';

const MS_PER_DAY = 86_400_000;

/** Native zlib where Node has the codec (much faster than the pure-JS decoders), JS decoders otherwise. */
const compressors: Compressors = (() => {
  const native: Compressors = {
    ...jsCompressors,
    GZIP: (input) => zlib.gunzipSync(input),
    BROTLI: (input) => zlib.brotliDecompressSync(input),
  };
  // zstd is in node:zlib from Node 22.15 / 23.8 on.
  const zstd = (zlib as unknown as { zstdDecompressSync?: (input: Uint8Array) => Uint8Array }).zstdDecompressSync;
  if (typeof zstd === 'function') native.ZSTD = (input) => zstd(input);
  return native;
})();

/** How a column's physical values become table values. */
type ValueMapping =
  | { readonly target: 'numeric' | 'datetime'; readonly toNumber: (raw: never) => number; readonly float: boolean }
  | { readonly target: 'string'; readonly toText: (raw: never) => string };

type ColumnDecoder = Parameters<typeof readDataPageV2>[2];

interface ColumnPlan {
  readonly name: string;
  readonly chunkIndex: number;
  readonly mapping: ValueMapping;
  readonly maxDefinitionLevel: number;
  readonly decoder: Omit<ColumnDecoder, 'codec'>;
  readonly acc: ColumnAccumulator;
  readonly floats: Float64Array | null;
  readonly codes: Int32Array | null;
}

/** Read one Parquet file (`absolutePath`) into the context's column accumulators. */
export async function readParquetFile(absolutePath: string, ctx: ReadContext): Promise<FileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolutePath);
  } catch (error) {
    throw new DataError(`${ctx.path}: cannot read: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const sha256 = sha256Hex(bytes);
  // hyparquet wants an ArrayBuffer of exactly the file; copy only when the Buffer is a view into a larger one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer;

  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw new DataError(`${ctx.path}: not a readable Parquet file: ${describe(error)}`, { cause: error });
  }
  const rowCount = Number(metadata.num_rows);
  const schema = parquetSchema(metadata);
  const header = schema.children.map((child) => child.element.name);
  const plans = planColumns(metadata, schema, rowCount, ctx);

  const view = new DataView(buffer);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    for (const plan of plans) {
      const chunk = group.columns[plan.chunkIndex];
      const path = chunk?.meta_data?.path_in_schema;
      if (path?.length !== 1 || path[0] !== plan.name) {
        throw new DataError(`${ctx.path}: a row group does not hold column "${plan.name}" where the schema puts it`);
      }
      try {
        readColumnChunk(view, chunk!, plan, groupStart, groupRows, ctx);
      } catch (error) {
        if (error instanceof DataError) throw error;
        throw new DataError(
          `${ctx.path}: column "${plan.name}", row group from row ${groupStart + 1}: ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    groupStart += groupRows;
  }
  if (groupStart !== rowCount) {
    throw new DataError(`${ctx.path}: row groups hold ${groupStart} rows but the footer says ${rowCount}`);
  }

  for (const plan of plans) {
    const base = { start: ctx.firstRow, file: ctx.fileIndex };
    if (plan.mapping.target === 'string') plan.acc.segments.push({ kind: 'string', ...base, codes: plan.codes! });
    else plan.acc.segments.push({ kind: plan.mapping.target, ...base, values: plan.floats! });
  }
  if (rowCount === 0) ctx.issues.add({ kind: 'empty_file', file: ctx.path });
  return { header, rows: rowCount, lines: null, sha256, bytes: bytes.byteLength };
}

function planColumns(metadata: FileMetaData, schema: SchemaTree, rowCount: number, ctx: ReadContext): ColumnPlan[] {
  const leafIndex = new Map<string, number>();
  metadata.row_groups[0]?.columns.forEach((chunk, i) => {
    const path = chunk.meta_data?.path_in_schema;
    if (path?.length === 1) leafIndex.set(path[0]!, i);
  });
  const positions = new Map<string, number[]>();
  const plans: ColumnPlan[] = [];
  schema.children.forEach((child, i) => {
    const { name } = child.element;
    const seen = positions.get(name);
    if (seen !== undefined) {
      seen.push(i + 1);
      return;
    }
    positions.set(name, [i + 1]);
    if (ctx.drop.has(name)) return;
    const mapping = mapValues(child, ctx.path);
    const chunkIndex = leafIndex.get(name);
    if (chunkIndex === undefined && metadata.row_groups.length > 0) {
      throw new DataError(`${ctx.path}: no column chunk for column "${name}"`);
    }
    const element = child.element;
    plans.push({
      name,
      chunkIndex: chunkIndex ?? -1,
      mapping,
      maxDefinitionLevel: element.repetition_type === 'REQUIRED' ? 0 : 1,
      decoder: {
        pathInSchema: [name],
        type: element.type!,
        element,
        schemaPath: [schema, child],
        parsers: DEFAULT_PARSERS,
        compressors,
        utf8: true,
      },
      acc: ctx.column(name),
      floats: mapping.target === 'string' ? null : new Float64Array(rowCount),
      codes: mapping.target === 'string' ? new Int32Array(rowCount) : null,
    });
  });
  for (const [column, at] of positions) {
    if (at.length > 1) ctx.issues.add({ kind: 'duplicate_header', file: ctx.path, column, positions: at });
  }
  return plans;
}

/** The value mapping of a top-level column, or a DataError when it cannot be a table column. */
function mapValues(node: SchemaTree, file: string): ValueMapping {
  const element = node.element;
  const logical = element.logical_type;
  const converted = element.converted_type;
  const unsupported = (what: string): DataError =>
    new DataError(`${file}: column "${element.name}" is ${what}, which cannot be read as a table column; drop it`);
  if (node.children.length > 0 || element.repetition_type === 'REPEATED' || element.type === undefined) {
    return throwing(unsupported(`nested (${logical?.type ?? converted ?? 'group'})`));
  }
  const physical = element.type;
  const kind = logical?.type;
  if (kind === 'GEOMETRY' || kind === 'GEOGRAPHY' || kind === 'VARIANT' || kind === 'INTERVAL' || kind === 'FILE') {
    return throwing(unsupported(kind));
  }
  if (converted === 'BSON' || converted === 'INTERVAL' || kind === 'BSON')
    return throwing(unsupported('BSON/INTERVAL'));

  const numeric = (toNumber: (raw: never) => number): ValueMapping => ({
    target: 'numeric',
    toNumber,
    float: physical === 'FLOAT' || physical === 'DOUBLE',
  });
  const datetime = (toNumber: (raw: never) => number): ValueMapping => ({ target: 'datetime', toNumber, float: false });

  if (converted === 'DECIMAL' || kind === 'DECIMAL') {
    const scale = element.scale ?? (logical?.type === 'DECIMAL' ? logical.scale : 0) ?? 0;
    const factor = 10 ** scale;
    if (physical === 'INT32') return numeric((v: number) => v / factor);
    if (physical === 'INT64') return numeric((v: bigint) => Number(v) / factor);
    return numeric((v: Uint8Array) => parseDecimal(v) / factor);
  }
  if (converted === 'DATE' || kind === 'DATE') return datetime((v: number) => v * MS_PER_DAY);
  if (kind === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') {
    const unit = logical?.type === 'TIMESTAMP' ? logical.unit : converted === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS';
    const divisor = unit === 'MILLIS' ? 1 : unit === 'MICROS' ? 1e3 : 1e6;
    return datetime((v: bigint) => Number(v) / divisor);
  }
  if (kind === 'TIME' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS') {
    const unit = logical?.type === 'TIME' ? logical.unit : converted === 'TIME_MILLIS' ? 'MILLIS' : 'MICROS';
    if (physical === 'INT32') return numeric((v: number) => v);
    const divisor = unit === 'MILLIS' ? 1 : unit === 'MICROS' ? 1e3 : 1e6;
    return numeric((v: bigint) => Number(v) / divisor);
  }
  if (physical === 'INT96') return datetime(int96ToMs);
  const unsigned =
    converted === 'UINT_8' ||
    converted === 'UINT_16' ||
    converted === 'UINT_32' ||
    converted === 'UINT_64' ||
    (logical?.type === 'INTEGER' && !logical.isSigned);
  switch (physical) {
    case 'BOOLEAN':
      return { target: 'string', toText: (v: boolean) => (v ? 'true' : 'false') };
    case 'INT32':
      return numeric(unsigned ? (v: number) => v >>> 0 : (v: number) => v);
    case 'INT64':
      return numeric(unsigned ? (v: bigint) => Number(BigInt.asUintN(64, v)) : (v: bigint) => Number(v));
    case 'FLOAT':
    case 'DOUBLE':
      return numeric((v: number) => v);
    case 'BYTE_ARRAY': {
      const decoder = new TextDecoder();
      return { target: 'string', toText: (v: Uint8Array) => decoder.decode(v) };
    }
    case 'FIXED_LEN_BYTE_ARRAY':
      if (kind === 'FLOAT16') return numeric((v: Uint8Array) => parseFloat16(v) ?? Number.NaN);
      if (kind === 'UUID') return { target: 'string', toText: uuidText };
      return { target: 'string', toText: hexText };
  }
}

function throwing(error: Error): never {
  throw error;
}

function readColumnChunk(
  view: DataView,
  chunk: ColumnChunk,
  plan: ColumnPlan,
  groupStart: number,
  groupRows: number,
  ctx: ReadContext,
): void {
  const meta = chunk.meta_data;
  if (meta === undefined || chunk.file_path !== undefined) {
    throw new DataError(`${ctx.path}: column "${plan.name}" is stored in another file or encrypted`);
  }
  const codec: CompressionCodec = meta.codec;
  const decoder: ColumnDecoder = { ...plan.decoder, codec };
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  if (end > view.byteLength) throw new DataError(`${ctx.path}: column "${plan.name}" runs past the end of the file`);
  const reader = { view, offset: start };
  let dictionary: Float64Array | Int32Array | undefined;
  let row = 0;
  while (row < groupRows && reader.offset < end) {
    const header = parquetHeader(reader);
    const pageBytes = new Uint8Array(view.buffer, view.byteOffset + reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const dph = header.dictionary_page_header!;
      const page = decompressPage(pageBytes, header.uncompressed_page_size, codec, compressors);
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const raw = readPlain(pageReader, decoder.type, dph.num_values, decoder.element.type_length);
      dictionary = convertDictionary(raw, plan);
    } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
      let levels: Uint8Array | undefined;
      let values: DecodedArray;
      let encoding: string;
      let rows: number;
      if (header.type === 'DATA_PAGE') {
        const daph = header.data_page_header!;
        const page = decompressPage(pageBytes, header.uncompressed_page_size, codec, compressors);
        ({ levels, values } = decodeDataPageV1(page, daph, decoder, plan.maxDefinitionLevel));
        encoding = daph.encoding;
        rows = daph.num_values;
      } else {
        const daph2 = header.data_page_header_v2!;
        const decoded = readDataPageV2(pageBytes, header, decoder);
        levels = presenceOf(decoded.definitionLevels, plan.maxDefinitionLevel);
        values = decoded.dataPage;
        encoding = daph2.encoding;
        rows = daph2.num_rows;
      }
      if (row + rows > groupRows) throw new Error(`page holds ${rows} rows past the row group's ${groupRows}`);
      const usesDictionary = encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
      if (usesDictionary && dictionary === undefined) throw new Error('dictionary-encoded page without a dictionary');
      if (usesDictionary && !(values instanceof Int32Array)) values = Int32Array.from(values as ArrayLike<number>);
      writePage(plan, groupStart + row, rows, levels, values, usesDictionary ? dictionary : undefined, ctx);
      row += rows;
    }
    // Index pages carry no rows.
  }
  if (row !== groupRows) throw new Error(`column chunk holds ${row} rows, the row group ${groupRows}`);
}

/**
 * Decode a (decompressed) v1 data page of a flat column into typed arrays: definition levels as a
 * Uint8Array (undefined when no row is null) and PLAIN values or dictionary indices (Int32Array).
 * Other encodings go through hyparquet's general decoder.
 */
function decodeDataPageV1(
  page: Uint8Array,
  daph: DataPageHeader,
  decoder: ColumnDecoder,
  maxDefinitionLevel: number,
): { levels: Uint8Array | undefined; values: DecodedArray } {
  const { encoding } = daph;
  const dictionaryEncoded = encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
  if (encoding !== 'PLAIN' && !dictionaryEncoded) {
    const { definitionLevels, dataPage } = readDataPage(page, daph, decoder);
    return { levels: presenceOf(definitionLevels, maxDefinitionLevel), values: dataPage };
  }
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const reader = { view, offset: 0 };
  const rows = daph.num_values;
  let levels: Uint8Array | undefined;
  let nulls = 0;
  if (maxDefinitionLevel > 0) {
    levels = new Uint8Array(rows);
    readRleBitPackedHybrid(reader, 1, levels);
    for (let i = 0; i < rows; i++) nulls += levels[i]! ^ 1;
    if (nulls === 0) levels = undefined;
  }
  const count = rows - nulls;
  if (!dictionaryEncoded) {
    return { levels, values: readPlain(reader, decoder.type, count, decoder.element.type_length) };
  }
  const bitWidth = view.getUint8(reader.offset++);
  const indices = new Int32Array(count); // bit width 0: every index is 0
  if (bitWidth > 0 && count > 0) readRleBitPackedHybrid(reader, bitWidth, indices, view.byteLength - reader.offset);
  return { levels, values: indices };
}

/** Definition levels from hyparquet's general decoders as presence flags (undefined: all present). */
function presenceOf(definitionLevels: number[] | undefined, maxDefinitionLevel: number): Uint8Array | undefined {
  if (definitionLevels === undefined || definitionLevels.length === 0 || maxDefinitionLevel === 0) return undefined;
  const levels = new Uint8Array(definitionLevels.length);
  for (let i = 0; i < levels.length; i++) levels[i] = definitionLevels[i] === maxDefinitionLevel ? 1 : 0;
  return levels;
}

/** A dictionary page's entries as table values: numbers, or codes in the column's text dictionary. */
function convertDictionary(raw: DecodedArray, plan: ColumnPlan): Float64Array | Int32Array {
  const mapping = plan.mapping;
  if (mapping.target === 'string') {
    const codes = new Int32Array(raw.length);
    const toText = mapping.toText as (v: unknown) => string;
    for (let i = 0; i < raw.length; i++) codes[i] = plan.acc.dictionary.add(toText(raw[i]));
    return codes;
  }
  const toNumber = mapping.toNumber as (v: unknown) => number;
  const numbers = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) numbers[i] = toNumber(raw[i]);
  return numbers;
}

/**
 * Write `rows` rows of one page into the plan's arrays at `at`. `levels` (1 = value present) is undefined
 * when every row has a value; a dictionary-encoded page holds indices in `values`.
 */
function writePage(
  plan: ColumnPlan,
  at: number,
  rows: number,
  levels: Uint8Array | undefined,
  values: DecodedArray,
  dictionary: Float64Array | Int32Array | undefined,
  ctx: ReadContext,
): void {
  const mapping = plan.mapping;
  if (mapping.target === 'string') {
    const out = plan.codes!;
    if (dictionary !== undefined) gatherCodes(out, at, rows, levels, values as Int32Array, dictionary as Int32Array);
    else {
      const toText = mapping.toText as (v: unknown) => string;
      const dict = plan.acc.dictionary;
      let v = 0;
      for (let i = 0; i < rows; i++) {
        out[at + i] = levels !== undefined && levels[i] === 0 ? -1 : dict.add(toText(values[v++]));
      }
    }
    return;
  }
  const out = plan.floats!;
  if (dictionary !== undefined) gatherFloats(out, at, rows, levels, values as Int32Array, dictionary as Float64Array);
  else {
    const toNumber = mapping.toNumber as (v: unknown) => number;
    let v = 0;
    for (let i = 0; i < rows; i++) {
      out[at + i] = levels !== undefined && levels[i] === 0 ? Number.NaN : toNumber(values[v++]);
    }
  }
  if (mapping.float) rejectInfinities(out, at, rows, plan.name, ctx);
}

// The two hot loops, kept monomorphic (typed arrays only) so V8 compiles them tight.
function gatherFloats(
  out: Float64Array,
  at: number,
  rows: number,
  levels: Uint8Array | undefined,
  indices: Int32Array,
  dictionary: Float64Array,
): void {
  if (levels === undefined) {
    for (let i = 0; i < rows; i++) out[at + i] = dictionary[indices[i]!]!;
    return;
  }
  let v = 0;
  for (let i = 0; i < rows; i++) out[at + i] = levels[i] === 1 ? dictionary[indices[v++]!]! : Number.NaN;
}

function gatherCodes(
  out: Int32Array,
  at: number,
  rows: number,
  levels: Uint8Array | undefined,
  indices: Int32Array,
  dictionary: Int32Array,
): void {
  if (levels === undefined) {
    for (let i = 0; i < rows; i++) out[at + i] = dictionary[indices[i]!]!;
    return;
  }
  let v = 0;
  for (let i = 0; i < rows; i++) out[at + i] = levels[i] === 1 ? dictionary[indices[v++]!]! : -1;
}

/** ±Infinity is not a usable number: make it missing and report it like an unparsable value. `out` is per file. */
function rejectInfinities(out: Float64Array, at: number, rows: number, column: string, ctx: ReadContext): void {
  for (let i = at; i < at + rows; i++) {
    const value = out[i]!;
    if (value !== Number.POSITIVE_INFINITY && value !== Number.NEGATIVE_INFINITY) continue;
    out[i] = Number.NaN;
    ctx.issues.add({
      kind: 'type_mismatch',
      file: ctx.path,
      line: i + 1,
      column,
      value: String(value),
      expected: 'numeric',
    });
  }
}

function int96ToMs(value: bigint): number {
  // INT96: nanoseconds of the day (low 64 bits), then the Julian day number (high 32 bits).
  const julianDay = Number(value >> 64n);
  const nanos = Number(value & 0xffffffffffffffffn);
  return (julianDay - 2_440_588) * MS_PER_DAY + nanos / 1e6;
}

function hexText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

function uuidText(bytes: Uint8Array): string {
  const hex = hexText(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
