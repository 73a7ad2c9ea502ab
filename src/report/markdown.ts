/**
 * report.md for GitHub (job summary, pull-request comment): tables plus charts GitHub draws itself
 * (Mermaid xychart-beta and pie), so nothing is sent to an image host. It fits a size limit: long tables are
 * cut to their most telling rows (worst slices, most drifted columns) and, if that is not enough, the later
 * sections give way to a link to the full HTML report.
 */
import { anomalyPlace, formatDelta, formatDuration, formatValue, shortCommit, verdictMark } from './format.ts';
import type { RunReport, SliceRow } from './types.ts';

/** GitHub's limit on an issue or pull-request comment body, in characters. */
export const COMMENT_LIMIT = 65_536;
/** GitHub's limit on one step's job summary (1 MiB; counted here in characters, which is ≤ bytes). */
export const SUMMARY_LIMIT = 1024 * 1024;

export interface MarkdownOptions {
  /** Longest result in characters (default COMMENT_LIMIT). */
  readonly limit?: number;
  /** Where the full report.html is (a release asset, the run's artifacts); named when the Markdown is cut. */
  readonly fullReportUrl?: string;
  /** Prepended as is (e.g. the sticky comment's hidden marker); counted in the limit. */
  readonly preamble?: string;
}

/** Escape a table cell: pipes, line breaks, HTML brackets; cut very long cells. */
function cell(text: string, max = 300): string {
  const flat = text.replace(/\r?\n/g, ' ').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** `rows` cut to `cap`, with a line saying how many were left out. */
function capped<T>(rows: readonly T[], cap: number, render: (shown: readonly T[]) => string, what: string): string {
  if (rows.length <= cap) return render(rows);
  return `${render(rows.slice(0, cap))}\n\n_… ${rows.length - cap} more ${what} in the full report._`;
}

/** Mermaid labels: double quotes end a label, so they become single quotes. */
const label = (text: string) => `"${text.replaceAll('"', "'").slice(0, 40)}"`;
const round = (x: number) => Number(x.toPrecision(4));

function mermaid(body: string): string {
  return `\`\`\`mermaid\n${body}\n\`\`\``;
}

function header(report: RunReport): string {
  const t = report.trigger;
  const trigger = [
    `trigger **${t.kind}**${t.event && t.event !== t.kind ? ` (${t.event})` : ''}`,
    t.actor ? `by ${t.actor}` : '',
    t.reason ? `reason: ${cell(t.reason)}` : '',
    t.runUrl ? `[workflow run](${t.runUrl})` : '',
    `commit \`${shortCommit(report.lineage.commit)}\``,
  ]
    .filter(Boolean)
    .join(' · ');
  return `## ${cell(report.title)}: ${report.outcome}\n\n${cell(report.headline, 2000)}\n\n${trigger}`;
}

function metrics(report: RunReport): string {
  if (report.metrics.length === 0) return '';
  const production = report.baselineVersion ? `production ${report.baselineVersion}` : 'production';
  const rows = report.metrics.map((m) => [
    `${m.primary ? `**${m.metric}**` : m.metric} ${m.higherIsBetter ? '↑' : '↓'}`,
    formatValue(m.candidate),
    formatValue(m.production),
    formatDelta(m.delta),
    verdictMark(m.verdict),
  ]);
  const note = report.baselineVersion
    ? `Both scored on the same ${report.evaluation?.rows ?? ''} holdout rows.`
    : 'No production model to compare with.';
  return `### Candidate vs production\n\n${note}\n\n${table(['metric', 'candidate', production, 'Δ', ''], rows)}`;
}

function blessing(report: RunReport, cap: number): string {
  const b = report.blessing;
  if (!b) return '';
  // Failed checks first: they are why a run was refused.
  const checks = [...b.checks].sort((x, y) => Number(x.passed) - Number(y.passed));
  const render = (shown: readonly (typeof checks)[number][]) =>
    table(
      ['', 'check', 'candidate', 'production', 'bound', 'message'],
      shown.map((c) => [
        c.passed ? '✅' : '❌',
        `\`${cell(c.name, 120)}\``,
        formatValue(c.candidate),
        formatValue(c.baseline ?? null),
        formatValue(c.threshold),
        cell(c.message),
      ]),
    );
  const passed = b.checks.filter((c) => c.passed).length;
  const pie = mermaid(
    `pie title Blessing checks\n    "passed" : ${passed}\n    "failed" : ${b.checks.length - passed}`,
  );
  return `### Blessing: ${b.blessed ? 'blessed ✅' : 'not blessed ❌'}\n\n${capped(checks, cap, render, 'checks')}\n\n${pie}`;
}

/** Worst first (largest move in the bad direction), then by rows. */
function sliceOrder(rows: readonly SliceRow[]): SliceRow[] {
  const badness = (s: SliceRow) =>
    s.verdict === 'worse' ? Math.abs(s.delta ?? 0) : s.verdict === 'better' ? -Math.abs(s.delta ?? 0) : 0;
  return [...rows].sort((a, b) => badness(b) - badness(a) || b.rows - a.rows);
}

function slices(report: RunReport, cap: number): string {
  if (report.slices.length === 0) return '';
  const render = (shown: readonly SliceRow[]) =>
    table(
      ['slice', 'rows', 'candidate', 'production', 'Δ', ''],
      shown.map((s) => [
        `${cell(s.column, 60)}=${s.value === null ? '(missing)' : cell(s.value, 60)}`,
        `${s.rows}${s.small ? ' (small)' : ''}`,
        formatValue(s.candidate),
        formatValue(s.production),
        formatDelta(s.delta),
        verdictMark(s.verdict),
      ]),
    );
  return `### Slices (${report.primaryMetric}), worst first\n\n${capped(sliceOrder(report.slices), cap, render, 'slices')}`;
}

function validation(report: RunReport, cap: number): string {
  const v = report.validation;
  if (!v) return '';
  const parts = [`### Data validation: ${v.ok ? 'passed' : 'failed ❌'} (${v.errors} errors, ${v.warnings} warnings)`];
  if (v.anomalies.length > 0) {
    const ordered = [...v.anomalies].sort(
      (a, b) => Number(a.severity === 'warning') - Number(b.severity === 'warning'),
    );
    parts.push(
      capped(
        ordered,
        cap,
        (shown) =>
          table(
            ['severity', 'kind', 'column', 'where', 'message'],
            shown.map((a) => [
              a.severity,
              a.kind,
              cell(a.column ?? '', 60),
              cell(anomalyPlace(a), 120),
              cell(a.message),
            ]),
          ),
        'anomalies',
      ),
    );
  }
  if (v.drift && v.drift.columns.length > 0) {
    const ranked = [...v.drift.columns].sort((a, b) => b.score / b.threshold - a.score / a.threshold);
    parts.push(
      `**Drift:** ${v.drift.drifted_columns} of ${v.drift.columns.length} columns drifted${v.drift.dataset_drift ? ' — **data set drift**' : ''}.`,
      capped(
        ranked,
        cap,
        (shown) =>
          table(
            ['column', 'method', 'score', 'threshold', ''],
            shown.map((c) => [
              cell(c.column, 60),
              c.method === 'psi' ? 'PSI' : 'Jensen–Shannon',
              formatValue(c.score),
              String(c.threshold),
              c.drifted ? '⚠️ drifted' : '',
            ]),
          ),
        'columns',
      ),
    );
  }
  return parts.join('\n\n');
}

function charts(report: RunReport, cap: number): string {
  const out: string[] = [];
  const bars = Math.min(cap, 20);
  const importance = report.evaluation?.importance.features.slice(0, bars) ?? [];
  if (importance.length > 0) {
    out.push(
      mermaid(
        `xychart-beta\n    title "Feature importance (top ${importance.length})"\n    x-axis [${importance.map((f) => label(f.feature)).join(', ')}]\n    y-axis "share"\n    bar [${importance.map((f) => round(f.importance)).join(', ')}]`,
      ),
    );
  }
  if (report.history.length > 1) {
    const step = Math.max(1, Math.ceil(report.history.length / 50));
    const points = report.history.filter((_, i) => i % step === 0 || i === report.history.length - 1);
    const lines = [`    line [${points.map((h) => round(h.train)).join(', ')}]`];
    if (points.every((h) => h.valid !== null))
      lines.push(`    line [${points.map((h) => round(h.valid!)).join(', ')}]`);
    out.push(
      mermaid(
        `xychart-beta\n    title "${report.lossName ?? 'loss'} per round (training${lines.length > 1 ? ', then validation' : ''})"\n    x-axis [${points.map((h) => h.iteration).join(', ')}]\n    y-axis "${report.lossName ?? 'loss'}"\n${lines.join('\n')}`,
      ),
    );
  }
  const drift = report.validation?.drift?.columns ?? [];
  if (drift.length > 0) {
    const ranked = [...drift].sort((a, b) => b.score / b.threshold - a.score / a.threshold).slice(0, bars);
    out.push(
      mermaid(
        `xychart-beta\n    title "Drift score / threshold (1 = threshold)"\n    x-axis [${ranked.map((c) => label(c.column)).join(', ')}]\n    y-axis "score / threshold"\n    bar [${ranked.map((c) => round(c.score / c.threshold)).join(', ')}]`,
      ),
    );
  }
  return out.length > 0 ? `### Plots\n\n${out.join('\n\n')}` : '';
}

function lineage(report: RunReport): string {
  const l = report.lineage;
  return `### Lineage\n\n${table(
    ['', ''],
    [
      ['commit', l.commit ? `\`${l.commit}\`` : '—'],
      ['data digest', l.dataDigest ? `\`${l.dataDigest}\`` : '—'],
      ['data files', l.files.length > 0 ? `${l.files.length} (${l.files.reduce((s, f) => s + f.rows, 0)} rows)` : '—'],
      ['rows', l.rows ? `${l.rows.train} train, ${l.rows.holdout} holdout` : '—'],
      [
        'trainer',
        `${l.algorithm ?? '—'} ${Object.keys(l.params).length ? `\`${cell(JSON.stringify(l.params), 1000)}\`` : ''}`,
      ],
      ['image', l.image ?? '—'],
      ['registered', l.registered ?? 'no'],
    ],
  )}`;
}

function timings(report: RunReport): string {
  return `### Stage timings\n\n${table(
    ['stage', 'status', 'duration'],
    report.stages.map((s) => [
      s.name,
      s.status === 'failed' ? `❌ failed: ${cell(s.error ?? '', 200)}` : s.status,
      formatDuration(s.durationMs),
    ]),
  )}`;
}

/** Row caps tried in turn until the document fits. */
const CAPS = [Number.POSITIVE_INFINITY, 100, 30, 10, 3];

/** report.md: the run report in GitHub Markdown, at most `options.limit` characters. */
export function renderMarkdown(report: RunReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? COMMENT_LIMIT;
  const preamble = options.preamble ?? '';
  const where = options.fullReportUrl
    ? `[the full report](${options.fullReportUrl})`
    : report.trigger.runUrl
      ? `the full report (report.html in [the workflow run's artifacts](${report.trigger.runUrl}))`
      : 'the full report (report/report.html in the run folder)';
  const footer = `\n\n---\n_Plots, every table in full and the data behind them: ${where}._\n`;
  const sections = (cap: number) =>
    [
      header(report),
      metrics(report),
      blessing(report, cap),
      slices(report, cap),
      validation(report, cap),
      charts(report, cap),
      lineage(report),
      timings(report),
    ].filter(Boolean);
  for (const cap of CAPS) {
    const text = preamble + sections(cap).join('\n\n') + footer;
    if (text.length <= limit) return text;
  }
  // Even the shortest tables do not fit: keep the top sections that do, then say where the rest is.
  const cut = `\n\n---\n_This report is too large for here; the rest is in ${where}._\n`;
  let text = preamble;
  for (const section of sections(CAPS[CAPS.length - 1]!)) {
    const next = `${text}${text === preamble ? '' : '\n\n'}${section}`;
    if (next.length + cut.length > limit) break;
    text = next;
  }
  // A header alone over the limit (a giant reason or title) is cut mid-text rather than sent too long.
  return text.length + cut.length <= limit
    ? text + cut
    : `${text.slice(0, Math.max(0, limit - cut.length - 1))}…${cut}`;
}
