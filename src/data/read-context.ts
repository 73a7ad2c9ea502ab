/** What a file reader (CSV, Parquet) gets from the loader, and what it hands back. */
import type { ColumnAccumulator } from './column-builder.ts';
import type { IssueLog } from './issues.ts';

export interface ReadContext {
  /** Position of the file in load order. */
  readonly fileIndex: number;
  /** Path for messages and issues (relative to cwd, forward slashes). */
  readonly path: string;
  /** Table row of the file's first data row. */
  readonly firstRow: number;
  /** Columns not to read. */
  readonly drop: ReadonlySet<string>;
  /** CSV cell texts (after trimming whitespace) that are missing values. */
  readonly missingValues: ReadonlySet<string>;
  readonly issues: IssueLog;
  /** The accumulator of column `name`, created on first sight (so table columns keep first-seen order). */
  column(name: string): ColumnAccumulator;
}

export interface FileResult {
  /** Header names in file order (including dropped and duplicate ones). */
  readonly header: readonly string[];
  /** Data rows kept. */
  readonly rows: number;
  /** 1-based file line of each kept row (CSV); `null` when the line is the row number (Parquet). */
  readonly lines: Int32Array | null;
  readonly sha256: string;
  readonly bytes: number;
}
