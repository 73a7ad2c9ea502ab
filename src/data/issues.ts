/** Collects read issues: every one is counted, but only the first few per key are stored. */
import type { ReadIssue } from './types.ts';

/** Stored issues per key; the counts stay exact. */
export const STORED_ISSUES_PER_KEY = 20;

/**
 * Count key of an issue: `kind:column` for column issues (type_mismatch, missing_column, duplicate_header),
 * `kind:file` for file issues (ragged_row, empty_file).
 */
export function issueKey(issue: ReadIssue): string {
  switch (issue.kind) {
    case 'type_mismatch':
    case 'missing_column':
    case 'duplicate_header':
      return `${issue.kind}:${issue.column}`;
    case 'ragged_row':
    case 'empty_file':
      return `${issue.kind}:${issue.file}`;
  }
}

export class IssueLog {
  readonly issues: ReadIssue[] = [];
  readonly counts: Record<string, number> = {};

  /** Record `issue`; it is stored only while fewer than `STORED_ISSUES_PER_KEY` share its key. */
  add(issue: ReadIssue): void {
    const key = issueKey(issue);
    const count = (this.counts[key] ?? 0) + 1;
    this.counts[key] = count;
    if (count <= STORED_ISSUES_PER_KEY) this.issues.push(issue);
  }

  /** Whether another issue with this key would still be stored (lets hot loops skip building it). */
  wouldStore(key: string): boolean {
    return (this.counts[key] ?? 0) < STORED_ISSUES_PER_KEY;
  }

  /** Count an issue without building it (past the storage cap). */
  countOnly(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}
