/** report.html: the whole run report as one self-contained page (inline SVG charts, inline CSS). */
import type { Chart } from './charts.ts';
import { anomalyPlace, formatDelta, formatDuration, formatValue, shortCommit, verdictMark } from './format.ts';
import { escapeHtml as e, htmlPage, htmlTable } from './html-page.ts';
import type { RunReport } from './types.ts';

export interface RenderedChart {
  readonly chart: Chart;
  readonly svg: string;
}

function verdictCell(verdict: RunReport['metrics'][number]['verdict']): string {
  return verdict ? `<span class="${verdict === 'same' ? 'muted' : verdict}">${e(verdictMark(verdict))}</span>` : '';
}

function metricsSection(report: RunReport): string {
  if (report.metrics.length === 0) return '';
  const production = report.baselineVersion ? `production ${e(report.baselineVersion)}` : 'production';
  const rows = report.metrics.map((m) => [
    `${e(m.metric)}${m.primary ? ' <span class="muted">(primary)</span>' : ''} <span class="muted">${m.higherIsBetter ? '↑' : '↓'}</span>`,
    formatValue(m.candidate),
    formatValue(m.production),
    e(formatDelta(m.delta)),
    verdictCell(m.verdict),
  ]);
  const note = report.baselineVersion
    ? `<p class="muted">Both models scored on this run's ${report.evaluation?.rows ?? ''} holdout rows; ↑ higher is better, ↓ lower is better.</p>`
    : '<p class="muted">No production model to compare with (first model, or the run stopped before model validation).</p>';
  let perClass = '';
  const classes = report.evaluation?.classification?.per_class;
  if (classes) {
    perClass = `<h3>Per class</h3>${htmlTable(
      ['class', 'precision', 'recall', 'F1', 'support'],
      classes.map((c) => [
        e(c.class),
        formatValue(c.precision),
        formatValue(c.recall),
        formatValue(c.f1),
        String(c.support),
      ]),
    )}`;
  }
  return `<h2 id="metrics">Candidate vs production</h2>${note}${htmlTable(['metric', 'candidate', production, 'Δ', ''], rows)}${perClass}`;
}

function blessingSection(report: RunReport): string {
  const b = report.blessing;
  if (!b) return '';
  const rows = b.checks.map((c) => [
    `<span class="badge ${c.passed ? 'pass' : 'fail'}">${c.passed ? 'pass' : 'fail'}</span>`,
    `<code>${e(c.name)}</code>`,
    formatValue(c.candidate),
    formatValue(c.baseline ?? null),
    formatValue(c.threshold),
    e(c.message),
  ]);
  const notes = b.notes.length > 0 ? `<ul class="muted">${b.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  return `<h2 id="blessing">Blessing: ${b.blessed ? 'blessed' : 'not blessed'}</h2>
<p>Primary metric <code>${e(b.primary_metric)}</code>, tolerance ${b.tolerance}, slice tolerance ${b.slice_tolerance}${b.baseline_version ? `, against production ${e(b.baseline_version)}` : ', no production model'}.</p>
${htmlTable(['', 'check', 'candidate', 'production', 'bound', 'message'], rows)}${notes}`;
}

function slicesSection(report: RunReport): string {
  if (report.slices.length === 0) return '';
  const rows = report.slices.map((s) => [
    e(s.column),
    s.value === null ? '<span class="muted">(missing)</span>' : e(s.value),
    `${s.rows}${s.small ? ' <span class="muted">(small)</span>' : ''}`,
    formatValue(s.candidate),
    formatValue(s.production),
    e(formatDelta(s.delta)),
    verdictCell(s.verdict),
  ]);
  return `<h2 id="slices">Slices (${e(report.primaryMetric ?? '')})</h2>
<p class="muted">Small slices have too few rows to gate blessing; they are shown, not checked.</p>
${htmlTable(['column', 'value', 'rows', 'candidate', 'production', 'Δ', ''], rows)}`;
}

function validationSection(report: RunReport): string {
  const v = report.validation;
  if (!v) return '';
  const messages = v.messages.length > 0 ? `<ul>${v.messages.map((m) => `<li>${e(m)}</li>`).join('')}</ul>` : '';
  const anomalies =
    v.anomalies.length === 0
      ? messages || '<p>No anomalies.</p>'
      : htmlTable(
          ['severity', 'kind', 'column', 'where', 'message'],
          v.anomalies.map((a) => [
            `<span class="${a.severity}">${a.severity}</span>`,
            e(a.kind),
            e(a.column ?? ''),
            e(anomalyPlace(a)),
            e(a.message),
          ]),
        );
  let drift = '<p class="muted">No drift table (no production model to compare with, or not kept in a model card).</p>';
  if (v.drift) {
    drift =
      `<p>${v.drift.drifted_columns} of ${v.drift.columns.length} columns drifted (share ${v.drift.share.toFixed(2)}, data set drift at ${v.drift.dataset_share}): ` +
      `${v.drift.dataset_drift ? '<span class="error">data set drift</span>' : 'no data set drift'}.</p>` +
      htmlTable(
        ['column', 'method', 'score', 'threshold', ''],
        v.drift.columns.map((c) => [
          e(c.column),
          c.method === 'psi' ? 'PSI' : 'Jensen–Shannon',
          formatValue(c.score),
          String(c.threshold),
          c.drifted ? '<span class="error">drifted</span>' : '',
        ]),
      ) +
      (v.drift.skipped.length > 0
        ? `<p class="muted">Not compared: ${v.drift.skipped.map((s) => `${e(s.column)} (${e(s.reason)})`).join('; ')}</p>`
        : '');
  }
  return `<h2 id="data">Data validation: ${v.ok ? 'passed' : '<span class="error">failed</span>'}</h2>
<p>${v.errors} error(s), ${v.warnings} warning(s).</p>${anomalies}<h3>Drift</h3>${drift}`;
}

function lineageSection(report: RunReport): string {
  const l = report.lineage;
  const rows: string[][] = [
    ['commit', l.commit ? `<code>${e(l.commit)}</code>` : '—'],
    ['branch', e(l.branch ?? '—')],
    ['data digest', l.dataDigest ? `<code>${e(l.dataDigest)}</code>` : '—'],
    ['rows', l.rows ? `${l.rows.train} train, ${l.rows.holdout} holdout` : '—'],
    ['trainer', e(l.algorithm ?? '—')],
    ['parameters', Object.keys(l.params).length ? `<code>${e(JSON.stringify(l.params))}</code>` : '—'],
    ['image', e(l.image ?? '— (not run in a pipeline image)')],
    ['Conveyor', e(l.conveyorVersion ?? '—')],
    ['registered', e(l.registered ?? 'no')],
  ];
  const files =
    l.files.length > 0
      ? `<h3>Data files</h3>${htmlTable(
          ['file', 'rows', 'sha256'],
          l.files.map((f) => [e(f.path), String(f.rows), `<code>${e(f.sha256.slice(0, 16))}…</code>`]),
        )}`
      : '';
  return `<h2 id="lineage">Lineage</h2>${htmlTable(['', ''], rows)}${files}`;
}

function stagesSection(report: RunReport): string {
  const rows = report.stages.map((s) => [
    e(s.name),
    s.status === 'failed' ? '<span class="error">failed</span>' : e(s.status),
    formatDuration(s.durationMs),
    e(s.error ?? ''),
  ]);
  const total = report.stages.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
  return `<h2 id="stages">Stage timings</h2>${htmlTable(['stage', 'status', 'duration', 'error'], rows)}<p class="muted">Total ${formatDuration(total)}.</p>`;
}

function chartsSection(charts: readonly RenderedChart[]): string {
  if (charts.length === 0) return '';
  const figures = charts
    .map(
      (c) =>
        `<figure id="chart-${c.chart.id}" class="chart"><figcaption>${e(c.chart.title)}</figcaption>${c.svg}</figure>`,
    )
    .join('\n');
  return `<h2 id="plots">Plots</h2><div class="charts">\n${figures}\n</div>`;
}

/** The run report's body (also embedded by the registry site). */
export function reportBodyHtml(report: RunReport, charts: readonly RenderedChart[]): string {
  const t = report.trigger;
  const trigger = [
    `trigger: <strong>${e(t.kind)}</strong>${t.event && t.event !== t.kind ? ` (${e(t.event)})` : ''}`,
    t.actor ? `by ${e(t.actor)}` : '',
    t.reason ? `reason: ${e(t.reason)}` : '',
    t.runUrl ? `<a href="${e(t.runUrl)}">workflow run</a>` : '',
    `commit <code>${e(shortCommit(report.lineage.commit))}</code>`,
    `started ${e(report.createdAt)}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return `<h1>${e(report.title)} <span class="badge ${report.outcome.replace(' ', '-')}">${e(report.outcome)}</span></h1>
<p>${e(report.headline)}</p>
<p class="muted">${trigger}</p>
<nav><a href="#metrics">metrics</a><a href="#blessing">blessing</a><a href="#slices">slices</a><a href="#data">data</a><a href="#plots">plots</a><a href="#lineage">lineage</a><a href="#stages">timings</a></nav>
${metricsSection(report)}
${blessingSection(report)}
${slicesSection(report)}
${validationSection(report)}
${chartsSection(charts)}
${lineageSection(report)}
${stagesSection(report)}`;
}

export function renderReportHtml(report: RunReport, charts: readonly RenderedChart[]): string {
  return htmlPage(report.title, reportBodyHtml(report, charts));
}
