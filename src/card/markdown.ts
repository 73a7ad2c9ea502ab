/** card.md: the model card for people (release notes on GitHub, the registry folder locally). */
import { formatMetric as fmt, formatBytes } from './format.ts';
import type { ModelCard } from './schema.ts';

/** Markdown of a card. It never shows card.md's own digest, which is computed from this text. */
export function renderCardMarkdown(card: ModelCard): string {
  const lines: string[] = [];
  const { blessing, evaluation } = card;
  lines.push(`# ${card.name} v${card.version}`, '');
  if (card.description) lines.push(card.description, '');
  lines.push(
    `**${blessing.blessed ? 'Blessed' : 'Not blessed'}** — ${evaluation.task} of \`${card.signature.target}\` by a ${card.trainer.algorithm} model, ` +
      `compared with ${blessing.baseline_version ? `production ${blessing.baseline_version}` : 'no production model (first model)'} on the same holdout.`,
    '',
  );
  lines.push('| | |', '| --- | --- |');
  lines.push(`| created | ${card.created_at} |`);
  lines.push(`| parent version | ${card.parent_version ? `v${card.parent_version}` : '—'} |`);
  lines.push(
    `| commit | ${card.git.commit ? `\`${card.git.commit.slice(0, 12)}\`` : 'unknown'}${card.git.branch ? ` (${card.git.branch})` : ''} |`,
  );
  if (card.github) lines.push(`| workflow run | [${card.github.trigger}](${card.github.run_url}) |`);
  lines.push(`| data digest | \`${card.data.digest.slice(0, 16)}…\` (${card.data.files.length} files) |`);
  lines.push(
    `| rows | ${card.data.rows.train} train, ${card.data.rows.holdout} holdout (${card.data.split.method} split${heldOut(card.data.split)}) |`,
  );
  lines.push(
    `| model.onnx | ${formatBytes(card.assets['model.onnx'].bytes)}, sha256 \`${card.assets['model.onnx'].sha256.slice(0, 16)}…\` |`,
  );
  if (card.pipeline_image) lines.push(`| pipeline image | \`${card.pipeline_image}\` |`);
  lines.push(`| Conveyor | ${card.conveyor_version} |`, '');

  lines.push('## Metrics (holdout)', '');
  const baselineMetrics = (card.baseline?.metrics ?? {}) as Record<string, number | null | undefined>;
  const hasBaseline = card.baseline !== null;
  // The naive baseline (a model ignoring the features) shows what the metrics are worth on this holdout.
  const naive = evaluation.naive_baseline ?? null;
  const naiveMetrics = (naive?.metrics ?? {}) as Record<string, number | null | undefined>;
  const headers = [
    'metric',
    'value',
    ...(hasBaseline ? [`production ${card.baseline!.version}`] : []),
    ...(naive ? ['naive baseline'] : []),
    'better',
  ];
  lines.push(
    `| ${headers.join(' | ')} |`,
    `| --- | ---: |${headers
      .slice(2, -1)
      .map(() => ' ---: |')
      .join('')} --- |`,
  );
  for (const [metric, value] of Object.entries(evaluation.metrics)) {
    const better = evaluation.higher_is_better[metric as keyof typeof evaluation.higher_is_better] ? 'higher' : 'lower';
    const cells = [
      metric,
      fmt(value),
      ...(hasBaseline ? [fmt(baselineMetrics[metric] ?? null)] : []),
      ...(naive ? [fmt(naiveMetrics[metric] ?? null)] : []),
      better,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (naive) lines.push('', `Naive baseline: ${naive.description}.`);
  lines.push('');

  lines.push('## Blessing', '');
  lines.push('| check | passed | candidate | baseline | bound |', '| --- | --- | ---: | ---: | ---: |');
  for (const check of blessing.checks) {
    lines.push(
      `| ${check.name} | ${check.passed ? '✅' : '❌'} | ${fmt(check.candidate)} | ${fmt(check.baseline ?? null)} | ${fmt(check.threshold)} |`,
    );
  }
  for (const reason of blessing.reasons) lines.push(`- ${reason}`);
  for (const note of blessing.notes) lines.push(`- note: ${note}`);
  lines.push('');

  if (evaluation.slices.length > 0) {
    lines.push('## Slices', '');
    for (const slice of evaluation.slices) {
      const metricNames = Object.keys(evaluation.metrics);
      lines.push(`### ${slice.column}`, '');
      lines.push(
        `| value | rows | ${metricNames.join(' | ')} |`,
        `| --- | ---: |${metricNames.map(() => ' ---: |').join('')}`,
      );
      for (const value of slice.values) {
        const metrics = value.metrics as Record<string, number | null | undefined>;
        lines.push(
          `| ${value.value ?? '(missing)'} | ${value.rows} | ${metricNames.map((m) => fmt(metrics[m] ?? null)).join(' | ')} |`,
        );
      }
      lines.push('');
    }
  }

  if (evaluation.classification) {
    const { labels, matrix } = evaluation.classification.confusion_matrix;
    lines.push('## Confusion matrix (rows: actual, columns: predicted)', '');
    lines.push(`| | ${labels.join(' | ')} |`, `| --- |${labels.map(() => ' ---: |').join('')}`);
    matrix.forEach((row, i) => {
      lines.push(`| **${labels[i]}** | ${row.join(' | ')} |`);
    });
    lines.push('');
  }

  lines.push(`## Feature importance (${evaluation.importance.method.replaceAll('_', ' ')})`, '');
  lines.push('| feature | importance |', '| --- | ---: |');
  for (const f of evaluation.importance.features) lines.push(`| ${f.feature} | ${f.importance.toFixed(3)} |`);
  lines.push('');

  lines.push('## Signature', '', '| input | type | shape |', '| --- | --- | --- |');
  for (const t of card.signature.inputs) lines.push(`| ${t.name} | ${t.type} | [${t.shape.join(', ')}] |`);
  lines.push('', '| output | type | shape |', '| --- | --- | --- |');
  for (const t of card.signature.outputs) lines.push(`| ${t.name} | ${t.type} | [${t.shape.join(', ')}] |`);
  lines.push('');

  lines.push('## Data', '', '| file | rows | sha256 |', '| --- | ---: | --- |');
  for (const file of card.data.files) lines.push(`| ${file.path} | ${file.rows} | \`${file.sha256.slice(0, 16)}…\` |`);
  lines.push(
    '',
    `Data validation: ${card.data_validation.ok ? 'passed' : 'failed'} (${card.data_validation.errors} errors, ${card.data_validation.warnings} warnings).`,
  );
  for (const message of card.data_validation.messages.slice(0, 10)) lines.push(`- ${message}`);
  lines.push('');

  lines.push(
    '## Training',
    '',
    `\`${card.trainer.algorithm}\` with`,
    '',
    '```json',
    JSON.stringify(card.trainer.params, null, 2),
    '```',
    '',
  );
  lines.push('| stage | seconds |', '| --- | ---: |');
  for (const [stage, ms] of Object.entries(card.stage_durations_ms))
    lines.push(`| ${stage} | ${(ms / 1000).toFixed(2)} |`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** ", 20.3% held out" from a split with the realised share (cards before it was recorded have none). */
function heldOut(split: Record<string, unknown>): string {
  const share = split.holdout_share;
  return typeof share === 'number' ? `, ${Number((share * 100).toFixed(1))}% held out` : '';
}
