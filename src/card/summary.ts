/** The few lines `conveyor registry show` prints about a version: what it is, how good, why blessed, from what. */
import { formatBytes, formatMetric } from './format.ts';
import type { ModelCard } from './schema.ts';

export interface SummaryContext {
  /** Aliases pointing at this version. */
  readonly aliases: readonly string[];
  /** Where the version lives (folder or release page). */
  readonly location: string;
}

export function formatCardSummary(card: ModelCard, context: SummaryContext): string {
  const { blessing, evaluation, data } = card;
  const lines: string[] = [];
  const aliases = context.aliases.length > 0 ? `  [${context.aliases.join(', ')}]` : '';
  lines.push(`${card.name} v${card.version}${aliases}${card.description ? `  ${card.description}` : ''}`);
  lines.push(
    row('created', `${card.created_at}${card.github ? ` by ${card.github.trigger} (${card.github.run_url})` : ''}`),
  );
  lines.push(
    row(
      'model',
      `${evaluation.task} of "${card.signature.target}", ${card.trainer.algorithm}, ${card.signature.features.length} features`,
    ),
  );

  const primary = blessing.primary_metric;
  const baseline = (card.baseline?.metrics ?? {}) as Record<string, number | null | undefined>;
  const metrics = Object.entries(evaluation.metrics).map(([name, value]) => {
    const versus =
      card.baseline && baseline[name] != null ? ` (${card.baseline.version} ${formatMetric(baseline[name])})` : '';
    return `${name}${name === primary ? '*' : ''} ${formatMetric(value) || 'n/a'}${versus}`;
  });
  lines.push(row('metrics', `${metrics.join(', ')}  (* primary; holdout of ${data.rows.holdout} rows)`));

  const against = blessing.baseline_version ? `against ${blessing.baseline_version}` : 'first model, thresholds only';
  const failed = blessing.checks.filter((c) => !c.passed).length;
  lines.push(
    row(
      'blessing',
      `${blessing.blessed ? 'blessed' : 'NOT blessed'} ${against}: ${blessing.checks.length - failed}/${blessing.checks.length} checks passed` +
        (blessing.blessed ? '' : `; ${blessing.reasons.join('; ')}`),
    ),
  );
  const commit = card.git.commit
    ? `commit ${card.git.commit.slice(0, 12)}${card.git.branch ? ` (${card.git.branch})` : ''}`
    : 'commit unknown';
  lines.push(
    row(
      'lineage',
      `data ${data.digest.slice(0, 12)} (${data.files.length} file${data.files.length === 1 ? '' : 's'}, ${data.rows.loaded} rows), ` +
        `${commit}, parent ${card.parent_version ? `v${card.parent_version}` : 'none'}, Conveyor ${card.conveyor_version}` +
        (card.pipeline_image ? `, pipeline image ${card.pipeline_image}` : ''),
    ),
  );
  const assets = Object.entries(card.assets).flatMap(([name, digest]) =>
    digest ? [`${name} ${formatBytes(digest.bytes)} sha256 ${digest.sha256.slice(0, 12)}`] : [],
  );
  lines.push(row('assets', assets.join(', ')));
  lines.push(row('location', context.location));
  return lines.join('\n');
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(9)} ${text}`;
}
