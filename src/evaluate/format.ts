/**
 * The evaluation report as terminal text: metrics, per-class scores, confusion matrix, slices and
 * the most important features.
 */
import type { MetricName } from '../config/schema.ts';
import type { EvaluationReport } from './types.ts';

/** How many features the text lists. */
const TOP_FEATURES = 10;

export function formatEvaluation(report: EvaluationReport): string {
  const lines: string[] = [];
  const classes = report.classes ? `, ${report.classes.length} classes` : '';
  lines.push(
    `Evaluation of the ${report.model_kind} model on ${report.rows} rows (${report.task}, target "${report.target}"${classes})`,
  );
  lines.push('');
  const metricNames = Object.keys(report.metrics) as MetricName[];
  const naive = report.naive_baseline;
  lines.push(
    ...table(
      ['metric', 'value', ...(naive ? ['naive'] : []), 'better'],
      metricNames.map((m) => [
        m,
        num(report.metrics[m]),
        ...(naive ? [num(naive.metrics[m])] : []),
        report.higher_is_better[m] ? 'higher' : 'lower',
      ]),
      [false, true, ...(naive ? [true] : []), false],
    ),
  );
  if (naive) lines.push(`  naive: a model that ignores the features — ${naive.description}`);

  if (report.classification) {
    const { per_class, confusion_matrix } = report.classification;
    lines.push('', 'Per class');
    lines.push(
      ...table(
        ['class', 'precision', 'recall', 'f1', 'support'],
        per_class.map((c) => [c.class, num(c.precision), num(c.recall), num(c.f1), String(c.support)]),
        [false, true, true, true, true],
      ),
    );
    lines.push('', 'Confusion matrix (rows = actual, columns = predicted)');
    lines.push(
      ...table(
        ['', ...confusion_matrix.labels],
        confusion_matrix.matrix.map((row, a) => [confusion_matrix.labels[a]!, ...row.map(String)]),
        [false, ...confusion_matrix.labels.map(() => true)],
      ),
    );
  }
  const residuals = report.regression?.residuals;
  if (residuals) {
    lines.push('', 'Residuals (actual − predicted)');
    lines.push(
      `  mean ${num(residuals.mean)}  std ${num(residuals.std)}  min ${num(residuals.min)}  p05 ${num(residuals.p05)}  ` +
        `median ${num(residuals.median)}  p95 ${num(residuals.p95)}  max ${num(residuals.max)}`,
    );
  }

  for (const slice of report.slices) {
    lines.push('', `Slices by "${slice.column}" (small: fewer than ${slice.min_rows} rows)`);
    lines.push(
      ...table(
        ['value', 'rows', ...metricNames],
        slice.values.map((v) => [
          `${v.value ?? '(missing)'}${v.small ? ' (small)' : ''}`,
          String(v.rows),
          ...metricNames.map((m) => num(v.metrics[m])),
        ]),
        [false, true, ...metricNames.map(() => true)],
      ),
    );
  }

  const top = report.importance.features.slice(0, TOP_FEATURES);
  if (top.length > 0) {
    const method = report.importance.method === 'total_gain' ? 'total split gain' : 'mean |weight × value|';
    lines.push('', `Feature importance (${method})`);
    const width = Math.max(...top.map((f) => f.feature.length));
    for (const f of top) {
      const bar = '#'.repeat(Math.round(f.importance * 40));
      lines.push(`  ${f.feature.padEnd(width)}  ${f.importance.toFixed(3)}  ${bar}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Four decimals (exponent form from 1e5); null as "n/a". */
function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  return Math.abs(value) >= 1e5 ? value.toExponential(3) : value.toFixed(4);
}

/** Aligned columns with two leading spaces; `right[i]` right-aligns column i. */
function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
