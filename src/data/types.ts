/**
 * In-memory tabular data: columnar, typed arrays, explicit missing values.
 * This is the one representation every stage reads (validate, prepare, train, evaluate, serve parity).
 */

/** Logical column types. `datetime` columns are kept for time-ordered splits, not used as model features. */
export type ColumnType = 'numeric' | 'categorical' | 'datetime';

/** Numbers as float64; `NaN` marks a missing value. */
export interface NumericColumn {
  readonly type: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}

/** Dictionary-encoded strings: `categories[codes[i]]`; code `-1` marks a missing value. */
export interface CategoricalColumn {
  readonly type: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

/** Instants as milliseconds since the Unix epoch (UTC); `NaN` marks a missing value. */
export interface DatetimeColumn {
  readonly type: 'datetime';
  readonly name: string;
  readonly values: Float64Array;
}

export type Column = NumericColumn | CategoricalColumn | DatetimeColumn;

export interface Table {
  readonly rowCount: number;
  /** Column order as first seen in the source files (header order). Names are unique. */
  readonly columns: readonly Column[];
}

export type FileFormat = 'csv' | 'parquet';

/** One input file as read: its identity for lineage and where its rows sit in the table. */
export interface SourceFile {
  /** Path as given/globbed, relative to the working directory, with forward slashes. */
  readonly path: string;
  readonly format: FileFormat;
  /** sha256 (hex) of the file's bytes. */
  readonly sha256: string;
  readonly bytes: number;
  /** Data rows kept from this file (ragged rows are not kept). */
  readonly rows: number;
  /** Index in the table of this file's first row; files occupy consecutive row ranges, in `files` order. */
  readonly firstRow: number;
  /** Column names in this file's header, in file order. */
  readonly columns: readonly string[];
}

/** Problems found while reading, before any schema is applied. Validation turns them into anomalies. */
export type ReadIssue =
  | {
      readonly kind: 'duplicate_header';
      readonly file: string;
      readonly column: string;
      readonly positions: readonly number[];
    }
  | {
      readonly kind: 'ragged_row';
      readonly file: string;
      /** 1-based line (CSV) or row (Parquet) number in the file. */
      readonly line: number;
      readonly expectedFields: number;
      readonly actualFields: number;
    }
  | {
      /** A value that does not parse as the column's requested type; it is read as missing. */
      readonly kind: 'type_mismatch';
      readonly file: string;
      readonly line: number;
      readonly column: string;
      readonly value: string;
      readonly expected: ColumnType;
    }
  | { readonly kind: 'missing_column'; readonly file: string; readonly column: string }
  | { readonly kind: 'empty_file'; readonly file: string };

/** Where a table row came from, for error messages. */
export interface RowOrigin {
  readonly file: string;
  /** 1-based line number in a CSV file (header is line 1) or 1-based row number in a Parquet file. */
  readonly line: number;
}

export interface LoadedData {
  readonly table: Table;
  /** Files in load order (sorted by path, so the result does not depend on glob order). */
  readonly files: readonly SourceFile[];
  /** Read issues; `type_mismatch` entries are capped per column (see `issueCounts` for totals). */
  readonly issues: readonly ReadIssue[];
  /** Total number of issues per `kind:column` key (e.g. `type_mismatch:bill_length_mm`), uncapped. */
  readonly issueCounts: Readonly<Record<string, number>>;
  /** File and line of table row `row`. */
  rowOrigin(row: number): RowOrigin;
}

export interface LoadOptions {
  /** Globs (relative to `cwd`) of .csv / .csv.gz? / .parquet files. */
  readonly paths: readonly string[];
  readonly cwd?: string;
  /** Force a column's type; others are inferred (numeric if every non-missing value parses as a number). */
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  /** Columns not to read at all. */
  readonly drop?: readonly string[];
  /** Cell texts read as missing (CSV). Default: `['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']`. */
  readonly missingValues?: readonly string[];
  /** Encoding of CSV/TSV text (a WHATWG label: utf-8, latin1, windows-1252, utf-16le, ...). Default utf-8. */
  readonly encoding?: string;
  /** Field delimiter of every CSV/TSV file (one character). Default: `,` for .csv, tab for .tsv. */
  readonly delimiter?: string;
}
