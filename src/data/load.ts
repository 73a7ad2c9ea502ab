/**
 * loadData: glob → read each file (CSV/TSV, optionally gzipped, or Parquet) → one columnar Table.
 *
 * Files are read in path order (code-unit order of the cwd-relative path), so the table never depends on
 * how globs were written or how the file system lists directories. Columns are the union of all headers
 * in first-seen order; a file lacking a column gives missing values for its rows and a `missing_column`
 * issue. Column types are decided once all files are read (rules in column-builder.ts; CSV dialect in
 * csv.ts; Parquet type mapping in parquet.ts).
 *
 * Issues are counted in `issueCounts` under `kind:column` (type_mismatch, missing_column,
 * duplicate_header) or `kind:file` (ragged_row, empty_file); at most 20 per key are stored in `issues`.
 */
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { DataError } from '../errors.ts';
import { ColumnAccumulator, finishColumn } from './column-builder.ts';
import { type CsvFormat, readCsvFile } from './csv.ts';
import { IssueLog } from './issues.ts';
import { readParquetFile } from './parquet.ts';
import type { FileResult, ReadContext } from './read-context.ts';
import type { Column, LoadedData, LoadOptions, RowOrigin, SourceFile } from './types.ts';

/** Cell texts read as missing when `LoadOptions.missingValues` is not given (same as the config default). */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];

/** File name endings the loader reads. */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['.csv', '.tsv', '.csv.gz', '.tsv.gz', '.parquet'];

type FileKind = { readonly format: 'parquet' } | ({ readonly format: 'csv' } & CsvFormat);

/**
 * Load every file matched by `options.paths` (globs relative to `options.cwd`, default the process cwd)
 * into one table. Throws DataError when no file matches, a file has an unsupported extension, no header,
 * broken quoting or an unreadable Parquet structure; everything row-level is reported as a ReadIssue.
 */
export async function loadData(options: LoadOptions): Promise<LoadedData> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const paths = await expandPaths(options.paths, cwd);
  const kinds = paths.map((path) => fileKind(path, options));

  const issues = new IssueLog();
  const accumulators = new Map<string, ColumnAccumulator>();
  const drop = new Set(options.drop ?? []);
  const missingValues = new Set(options.missingValues ?? DEFAULT_MISSING_VALUES);
  const files: SourceFile[] = [];
  const fileLines: (Int32Array | null)[] = [];
  let rowCount = 0;

  for (let fileIndex = 0; fileIndex < paths.length; fileIndex++) {
    const path = paths[fileIndex]!;
    const kind = kinds[fileIndex]!;
    const ctx: ReadContext = {
      fileIndex,
      path,
      firstRow: rowCount,
      drop,
      missingValues,
      issues,
      column(name) {
        let acc = accumulators.get(name);
        if (acc === undefined) {
          acc = new ColumnAccumulator(name);
          accumulators.set(name, acc);
        }
        return acc;
      },
    };
    const absolute = resolve(cwd, path);
    const result: FileResult =
      kind.format === 'parquet' ? await readParquetFile(absolute, ctx) : await readCsvFile(absolute, kind, ctx);
    files.push({
      path,
      format: kind.format,
      sha256: result.sha256,
      bytes: result.bytes,
      rows: result.rows,
      firstRow: rowCount,
      columns: result.header,
    });
    fileLines.push(result.lines);
    rowCount += result.rows;
  }

  fillAbsentColumns(accumulators, files, issues);

  const rowOrigin = makeRowOrigin(files, fileLines, rowCount);
  const origin = (file: number, rowInFile: number): RowOrigin => {
    const lines = fileLines[file];
    return { file: files[file]!.path, line: lines ? lines[rowInFile]! : rowInFile + 1 };
  };
  const columnTypes = options.columnTypes ?? {};
  const columns: Column[] = [];
  for (const acc of accumulators.values()) {
    const forced = Object.hasOwn(columnTypes, acc.name) ? columnTypes[acc.name] : undefined;
    columns.push(finishColumn(acc, { rowCount, forced, issues, origin }));
    acc.segments.length = 0; // let the per-file arrays go before the next column is built
  }

  return {
    table: { rowCount, columns },
    files,
    issues: issues.issues,
    issueCounts: issues.counts,
    rowOrigin,
  };
}

/** Expand globs to sorted, de-duplicated cwd-relative paths with forward slashes. */
async function expandPaths(patterns: readonly string[], cwd: string): Promise<string[]> {
  if (patterns.length === 0) throw new DataError('no data paths given');
  const matched = await glob([...patterns], { cwd, onlyFiles: true, expandDirectories: false });
  const paths = [...new Set(matched.map((p) => p.replaceAll('\\', '/')))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (paths.length === 0) {
    const list = patterns.map((p) => JSON.stringify(p)).join(', ');
    throw new DataError(`no file matches ${list} (relative to ${cwd})`);
  }
  return paths;
}

function fileKind(path: string, options: LoadOptions): FileKind {
  const lower = path.toLowerCase();
  const text = (delimiter: string, gzip: boolean): FileKind => ({
    format: 'csv',
    delimiter: options.delimiter ?? delimiter,
    gzip,
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  if (lower.endsWith('.parquet')) return { format: 'parquet' };
  if (lower.endsWith('.csv')) return text(',', false);
  if (lower.endsWith('.tsv')) return text('\t', false);
  if (lower.endsWith('.csv.gz')) return text(',', true);
  if (lower.endsWith('.tsv.gz')) return text('\t', true);
  throw new DataError(`${path}: unsupported file type (expected one of ${SUPPORTED_EXTENSIONS.join(', ')})`);
}

/** Give every column an `absent` segment (and a missing_column issue) for each file that lacks it. */
function fillAbsentColumns(
  accumulators: Map<string, ColumnAccumulator>,
  files: readonly SourceFile[],
  issues: IssueLog,
): void {
  for (const acc of accumulators.values()) {
    if (acc.segments.length === files.length) continue;
    const present = new Set(acc.segments.map((s) => s.file));
    files.forEach((file, fileIndex) => {
      if (present.has(fileIndex)) return;
      acc.segments.push({ kind: 'absent', start: file.firstRow, file: fileIndex, length: file.rows });
      issues.add({ kind: 'missing_column', file: file.path, column: acc.name });
    });
  }
}

function makeRowOrigin(
  files: readonly SourceFile[],
  fileLines: readonly (Int32Array | null)[],
  rowCount: number,
): (row: number) => RowOrigin {
  return (row: number): RowOrigin => {
    if (!Number.isInteger(row) || row < 0 || row >= rowCount) {
      throw new RangeError(`row ${row} is outside the table (0–${rowCount - 1})`);
    }
    // Last file whose first row is ≤ row and that has rows: files occupy consecutive ranges.
    let lo = 0;
    let hi = files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (files[mid]!.firstRow <= row) lo = mid;
      else hi = mid - 1;
    }
    while (files[lo]!.rows === 0 || files[lo]!.firstRow > row) lo--;
    const file = files[lo]!;
    const lines = fileLines[lo];
    const rowInFile = row - file.firstRow;
    return { file: file.path, line: lines ? lines[rowInFile]! : rowInFile + 1 };
  };
}
