import { percent } from './anomalies.ts';
import type { Anomaly, DriftReport, ValidationReport } from './types.ts';

/**
 * A validation report as plain text for terminals and job summaries: verdict, size, errors, warnings, then the
 * drift table when a reference was given. Plain ASCII, one anomaly per line.
 */
export function formatValidationReport(report: ValidationReport): string {
  const verdict = report.ok ? 'passed' : 'FAILED';
  const lines = [
    `Data validation ${verdict}: ${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}`,
    `${plural(report.profile.row_count, 'row')}, ${plural(report.profile.columns.length, 'column')}`,
  ];
  section(
    lines,
    'Errors',
    report.anomalies.filter((anomaly) => anomaly.severity === 'error'),
  );
  section(
    lines,
    'Warnings',
    report.anomalies.filter((anomaly) => anomaly.severity === 'warning'),
  );
  if (report.drift) lines.push('', ...formatDrift(report.drift));
  return `${lines.join('\n')}\n`;
}

function section(lines: string[], title: string, anomalies: readonly Anomaly[]): void {
  if (anomalies.length === 0) return;
  lines.push('', `${title} (${anomalies.length}):`);
  for (const anomaly of anomalies) lines.push(`  [${anomaly.kind}] ${anomaly.message}`);
}

/** The drift table: one line per compared column, then skipped columns with the reason. */
export function formatDrift(drift: DriftReport): string[] {
  const verdict = drift.dataset_drift ? 'yes' : 'no';
  const lines = [
    `Drift from the reference: ${drift.drifted_columns} of ${drift.columns.length} columns drifted (${percent(drift.share)}); data set drift: ${verdict} (at ${percent(drift.dataset_share)} of columns)`,
  ];
  if (drift.columns.length > 0) {
    const width = Math.max(6, ...drift.columns.map((column) => column.column.length));
    lines.push(
      `  ${'column'.padEnd(width)}  ${'method'.padEnd(14)}  ${'score'.padStart(8)}  ${'threshold'.padStart(9)}`,
    );
    for (const column of drift.columns) {
      lines.push(
        `  ${column.column.padEnd(width)}  ${column.method.padEnd(14)}  ${column.score.toFixed(4).padStart(8)}  ${String(column.threshold).padStart(9)}${column.drifted ? '  drifted' : ''}`,
      );
    }
  }
  for (const skipped of drift.skipped) lines.push(`  not compared: ${skipped.column} (${skipped.reason})`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
