/**
 * The job summary of a pipeline step, as a pure function of the run folder's contents (run-view.ts): the outcome,
 * the trigger, each stage, the candidate's metrics next to production's with deltas, the blessing and its checks,
 * data anomalies, lineage and the link to the registered version. Markdown, well under GitHub's 1 MiB per step.
 */
import type { Anomaly, DriftReport } from '../validate/index.ts';
import type { BlessingCheck } from '../validate-model/index.ts';
import type { RunView } from './run-view.ts';

/** Anomalies listed in the summary; the rest are counted. */
export const SUMMARY_ANOMALIES = 50;

export interface SummaryContext {
  /** Stages this step ran, in order. */
  readonly stages: readonly string[];
  /** Stages skipped on purpose (a dry run skips register). */
  readonly skipped?: readonly string[];
  /** The one-line failure of this step, when it failed. */
  readonly failure?: { readonly title: string; readonly message: string };
}

export function renderRunSummary(view: RunView, context: SummaryContext): string {
  const parts = [
    heading(view, context),
    trigger(view),
    stagesTable(view, context),
    metricsSection(view),
    blessingSection(view),
    dataSection(view),
    lineageSection(view),
  ];
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`;
}

/** The summary of a step that failed before it had a run folder (bad input or config, a missing artifact). */
export function renderFailureSummary(failure: { readonly title: string; readonly message: string }): string {
  return `## ❌ ${failure.title}\n\n> ${escapeCell(failure.message)}\n`;
}

function heading(view: RunView, context: SummaryContext): string {
  const name = view.modelName;
  const registration = view.registration;
  let line: string;
  if (context.failure) line = `❌ ${name}: ${context.failure.title}`;
  else if (registration) {
    line = registration.created
      ? `✅ ${name} v${registration.version} registered`
      : `✅ ${name} v${registration.version} was already registered by this run`;
  } else line = `✅ ${name}: ${context.stages.at(-1) ?? 'run'} done`;
  const lines = [`## ${line}`];
  if (context.failure) lines.push('', `> ${escapeCell(context.failure.message)}`);
  if (registration) {
    const link = /^https?:/.test(registration.location)
      ? `[${name} v${registration.version}](${registration.location})`
      : `\`${registration.location}\``;
    const moved = registration.aliases.map(
      (a) => `${a.alias}: ${a.from === null ? '(none)' : `v${a.from}`} → v${a.to}`,
    );
    lines.push(
      '',
      `Release: ${link} (${registration.backend} registry)${moved.length ? ` · ${moved.join(', ')}` : ''}`,
    );
  }
  if (context.skipped?.length) lines.push('', `Skipped (dry run): ${context.skipped.join(', ')}`);
  return lines.join('\n');
}

function trigger(view: RunView): string {
  const { record } = view;
  const github = record.github;
  const items = [`Run \`${record.id}\``];
  if (github) {
    const reason = github.reason ? `: ${github.reason}` : '';
    items.push(`trigger **${github.trigger}** (${github.event}${github.actor ? ` by ${github.actor}` : ''})${reason}`);
    items.push(`[workflow run](${github.run_url})`);
  }
  if (record.git.commit) items.push(`commit \`${record.git.commit.slice(0, 12)}\``);
  items.push(`config \`${record.config_file}\``);
  return items.join(' · ');
}

function stagesTable(view: RunView, context: SummaryContext): string {
  const rows = Object.entries(view.record.stages).map(([name, stage]) => {
    const icon = stage.status === 'done' ? '✅' : stage.status === 'failed' ? '❌' : '⏳';
    const seconds = stage.duration_ms === undefined ? '' : `${(stage.duration_ms / 1000).toFixed(1)} s`;
    const here = context.stages.includes(name) ? '' : ' (earlier job)';
    return `| ${name}${here} | ${icon} ${stage.status} | ${seconds} |`;
  });
  for (const name of context.skipped ?? []) rows.push(`| ${name} | ⏭️ skipped | |`);
  if (rows.length === 0) return '';
  return ['### Stages', '', '| stage | status | time |', '| --- | --- | ---: |', ...rows].join('\n');
}

function metricsSection(view: RunView): string {
  const { evaluation, baseline, blessing } = view;
  if (!evaluation) return '';
  const primary = blessing?.primary_metric;
  const against = baseline ? `production ${baseline.version}` : null;
  const header = against
    ? [`| metric | candidate | ${against} | Δ |`, '| --- | ---: | ---: | ---: |']
    : ['| metric | candidate |', '| --- | ---: |'];
  const rows = Object.entries(evaluation.metrics).map(([name, value]) => {
    const label = name === primary ? `**${name}** (primary)` : name;
    if (!against) return `| ${label} | ${num(value)} |`;
    const base = baseline?.report.metrics[name as keyof typeof evaluation.metrics];
    const higher = evaluation.higher_is_better[name as keyof typeof evaluation.higher_is_better];
    return `| ${label} | ${num(value)} | ${num(base)} | ${delta(value, base, higher)} |`;
  });
  const intro = `Holdout: ${evaluation.rows} rows, ${evaluation.model_kind} ${evaluation.task} of \`${evaluation.target}\`${
    against ? `; production scored on the same rows` : '; no production model yet'
  }.`;
  return ['### Metrics', '', intro, '', ...header, ...rows].join('\n');
}

function blessingSection(view: RunView): string {
  const { blessing } = view;
  if (!blessing) return '';
  const decision = blessing.blessed ? '✅ blessed' : '❌ not blessed';
  const lines = [`### Blessing: ${decision}`, ''];
  for (const reason of blessing.reasons) lines.push(`- ${escapeCell(reason)}`);
  lines.push('', '| check | candidate | production | bound | result |', '| --- | ---: | ---: | ---: | --- |');
  for (const check of blessing.checks) lines.push(checkRow(check));
  if (blessing.notes.length) lines.push('', ...blessing.notes.map((n) => `- note: ${escapeCell(n)}`));
  return lines.join('\n');
}

function checkRow(check: BlessingCheck): string {
  const result = check.passed ? '✅ pass' : `❌ ${escapeCell(check.message)}`;
  return `| \`${check.name}\` | ${num(check.candidate)} | ${num(check.baseline ?? null)} | ${num(check.threshold)} | ${result} |`;
}

function dataSection(view: RunView): string {
  const { data, validation } = view;
  if (!data && !validation) return '';
  const lines = ['### Data', ''];
  if (data) {
    lines.push(`${data.files.length} file(s), ${data.rows} rows.`);
    if (data.schema_created)
      lines.push(`Inferred a data schema and wrote \`${data.schema_file}\`: review and commit it.`);
  }
  if (validation) {
    const drifted = validation.drift ? ` Drift: ${describeDrift(validation.drift)}.` : '';
    lines.push(`Validation: ${validation.errors} error(s), ${validation.warnings} warning(s).${drifted}`);
    if (validation.anomalies.length) lines.push('', anomalyTable(validation.anomalies));
  }
  return lines.join('\n');
}

function describeDrift(drift: DriftReport): string {
  const dataset = drift.dataset_drift ? ' (data set drift)' : '';
  return `${drift.drifted_columns} of ${drift.columns.length} column(s) drifted against the production model's training data${dataset}`;
}

function anomalyTable(anomalies: readonly Anomaly[]): string {
  const ordered = [...anomalies].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const rows = ordered.slice(0, SUMMARY_ANOMALIES).map((a) => {
    const where = a.file ? `\`${a.file}${a.line ? `:${a.line}` : ''}\`` : a.column ? `column \`${a.column}\`` : '';
    return `| ${a.severity === 'error' ? '❌' : '⚠️'} ${a.severity} | ${a.kind} | ${where} | ${escapeCell(a.message)} |`;
  });
  const more = anomalies.length - rows.length;
  return [
    '| severity | kind | where | message |',
    '| --- | --- | --- | --- |',
    ...rows,
    ...(more > 0 ? [`| | | | … and ${more} more in \`data/validation.json\` of the run folder |`] : []),
  ].join('\n');
}

function lineageSection(view: RunView): string {
  const { data } = view;
  if (!data) return '';
  const lines = ['<details><summary>Lineage</summary>', ''];
  if (view.dataDigest) lines.push(`Data digest \`${view.dataDigest}\``, '');
  lines.push('| file | rows | sha256 |', '| --- | ---: | --- |');
  for (const file of data.files) lines.push(`| \`${file.path}\` | ${file.rows} | \`${file.sha256.slice(0, 16)}…\` |`);
  lines.push('', '</details>');
  return lines.join('\n');
}

function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(4);
}

/** Candidate minus production, with ▲ when the change is an improvement and ▼ when it is worse. */
function delta(value: number | null | undefined, base: number | null | undefined, higherIsBetter?: boolean): string {
  if (value === null || value === undefined || base === null || base === undefined) return '–';
  const diff = value - base;
  if (Math.abs(diff) < 5e-5) return '±0';
  const better = higherIsBetter === undefined ? null : diff > 0 === higherIsBetter;
  const sign = diff > 0 ? '+' : '−';
  return `${sign}${Math.abs(diff).toFixed(4)}${better === null ? '' : better ? ' ▲' : ' ▼'}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
