/**
 * What stands between a CSV file's bytes and the CSV parser: the bytes must be text in the declared encoding.
 *
 * - Binary files (a workbook, a Parquet or gzip file renamed `.csv`) are refused with what they look like: known
 *   magic numbers first, else a NUL byte near the start (text in UTF-8 or a single-byte encoding has none).
 * - UTF-8 (the default) is checked, not decoded: invalid bytes would become U+FFFD in the parser and change the
 *   data silently, so the first one is refused with its line and the encoding to declare instead. The check runs
 *   on whole chunks with `isUtf8` (native), keeping a multi-byte character split across chunks for the next one.
 * - Any other encoding (`data.encoding`: latin1, windows-1252, utf-16le, ...) is decoded with a fatal TextDecoder
 *   and handed on as UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { DataError } from '../errors.ts';

/** Bytes examined for a binary signature or NUL bytes. */
const SNIFF_BYTES = 8192;

/** Leading bytes of file formats that turn up renamed `.csv`, and what to tell the user. */
const SIGNATURES: readonly { readonly bytes: readonly number[]; readonly what: string }[] = [
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file (name it .parquet)' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive, e.g. an Excel .xlsx workbook (save the sheet as CSV)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel .xls workbook (save the sheet as CSV)' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed data (name it .csv.gz)' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

/** Encoding labels that are UTF-8 (checked, passed through unchanged). */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/** Where the first bad byte was, for the caller to turn into a line number (it may need to re-read the file). */
export class NotTextError extends Error {
  readonly offset: number;
  readonly describe: (line: number) => string;
  constructor(offset: number, describe: (line: number) => string) {
    super(describe(0));
    this.offset = offset;
    this.describe = describe;
  }
}

/**
 * A transform from the file's bytes to UTF-8 bytes for the parser, refusing binary data and bytes that are not
 * valid in `encoding`. Throws (through the stream) DataError for binary files and NotTextError for bad bytes.
 */
export function textChecker(path: string, encoding: string): Transform {
  const label = encoding.trim().toLowerCase();
  const utf8 = UTF8_LABELS.has(label);
  const wide = label.startsWith('utf-16') || label === 'unicode' || label === 'ucs-2';
  const decoder = utf8 ? null : new TextDecoder(label, { fatal: true });
  let offset = 0; // bytes of the file before the current chunk
  let sniffed = false;
  let carry: Buffer | null = null;

  const badByte = (at: number, bytes: Buffer): NotTextError => {
    const shown = [...bytes.subarray(0, 4)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`);
    return new NotTextError(at, (line) =>
      utf8
        ? `${path}:${line}: byte ${shown[0]} (byte ${at + 1} of the file) is not UTF-8; the file is in another encoding (often latin1 or windows-1252): declare it as data.encoding in the config`
        : `${path}:${line}: the bytes ${shown.join(' ')} (from byte ${at + 1}) are not valid ${decoder!.encoding}; check data.encoding`,
    );
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        if (!sniffed) {
          sniffed = true;
          refuseBinary(path, chunk.subarray(0, SNIFF_BYTES), wide);
        }
        if (decoder) {
          let text: string;
          try {
            text = decoder.decode(chunk, { stream: true });
          } catch {
            const at = firstBadOffset(chunk, decoder.encoding);
            throw badByte(offset + at, chunk.subarray(at));
          }
          offset += chunk.length;
          callback(null, Buffer.from(text, 'utf8'));
          return;
        }
        const bytes: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
        const start = offset - (carry?.length ?? 0);
        const complete = completeUtf8Length(bytes);
        const body = bytes.subarray(0, complete);
        if (!isUtf8(body)) {
          const at = firstInvalidUtf8(body);
          throw badByte(start + at, body.subarray(at));
        }
        carry = complete < bytes.length ? Buffer.from(bytes.subarray(complete)) : null;
        offset += chunk.length;
        callback(null, body);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (decoder) {
          let rest: string;
          try {
            rest = decoder.decode();
          } catch {
            throw new NotTextError(
              Math.max(0, offset - 1),
              (line) => `${path}:${line}: the file ends inside a ${decoder.encoding} character; check data.encoding`,
            );
          }
          callback(null, rest ? Buffer.from(rest, 'utf8') : null);
          return;
        }
        if (carry) throw badByte(offset - carry.length, carry); // the file ends inside a character
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

function refuseBinary(path: string, head: Buffer, wide: boolean): void {
  for (const { bytes, what } of SIGNATURES) {
    if (bytes.every((b, i) => head[i] === b)) throw new DataError(`${path}: not CSV text: the file is ${what}`);
  }
  const nul = wide ? -1 : head.indexOf(0);
  if (nul >= 0) {
    throw new DataError(
      `${path}: not CSV text: a NUL byte at byte ${nul + 1} means binary data (or UTF-16 text: then declare data.encoding: utf-16le)`,
    );
  }
}

/** Length of the prefix of `bytes` that does not end inside a multi-byte UTF-8 character. */
function completeUtf8Length(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead byte
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (only called once a chunk failed). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Offset in `chunk` where the character a fresh fatal decoder refuses begins: bytes are fed one at a time, and
 * the last offset after which the decoder had produced text (so held no partial character) is the start.
 */
function firstBadOffset(chunk: Buffer, encoding: string): number {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let boundary = 0;
  for (let i = 0; i < chunk.length; i++) {
    try {
      if (decoder.decode(chunk.subarray(i, i + 1), { stream: true }).length > 0) boundary = i + 1;
    } catch {
      return boundary;
    }
  }
  return boundary;
}
