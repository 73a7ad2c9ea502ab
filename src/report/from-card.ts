/**
 * A registered version's report from its model card alone (for the registry site): the card keeps the
 * evaluation, production's metrics on the same holdout, the blessing, lineage and stage timings; curves,
 * loss history and the drift table live only in the run folder's full report.
 */
import type { ModelCard } from '../card/index.ts';
import { defaultPrimaryMetric } from '../evaluate/index.ts';
import { stageNames } from '../pipeline/index.ts';
import { compareMetrics, compareSlices, verdictOf } from './compare.ts';
import type { RunReport, SliceRow } from './types.ts';

/** The card keeps production's slice values only in blessing's slice checks: take them from there. */
function withBlessingBaselines(rows: SliceRow[], card: ModelCard): SliceRow[] {
  const primary = card.blessing.primary_metric;
  return rows.map((row) => {
    const check = card.blessing.checks.find(
      (c) => c.kind === 'slice' && c.name === `slice:${row.column}=${row.value ?? '(missing)'}:${primary}`,
    );
    const production = check?.baseline ?? null;
    if (production === null || row.candidate === null) return row;
    return {
      ...row,
      production,
      delta: row.candidate - production,
      verdict: verdictOf(primary, row.candidate, production),
    };
  });
}

export function reportFromCard(card: ModelCard): RunReport {
  const primary = card.blessing.primary_metric ?? defaultPrimaryMetric(card.evaluation.task);
  return {
    title: `${card.name} v${card.version}`,
    model: card.name,
    runId: card.run_key,
    createdAt: card.created_at,
    outcome: 'registered',
    headline: `Registered ${card.created_at.slice(0, 10)}; blessing: ${card.blessing.reasons.join('; ')}`,
    trigger: {
      kind: card.github?.trigger ?? 'local',
      event: card.github?.event ?? null,
      actor: card.github?.actor ?? null,
      runUrl: card.github?.run_url ?? null,
      reason: null,
    },
    stages: stageNames
      .filter((name) => card.stage_durations_ms[name] !== undefined)
      .map((name) => ({ name, status: 'done', durationMs: card.stage_durations_ms[name]!, error: null })),
    validation: {
      ok: card.data_validation.ok,
      errors: card.data_validation.errors,
      warnings: card.data_validation.warnings,
      anomalies: [],
      messages: card.data_validation.messages,
      drift: null,
    },
    task: card.evaluation.task,
    primaryMetric: primary,
    baselineVersion: card.baseline?.version ?? null,
    metrics: compareMetrics(card.evaluation.metrics, card.baseline?.metrics ?? null, card.evaluation.task, primary),
    slices: withBlessingBaselines(compareSlices(card.evaluation, null, primary), card),
    blessing: card.blessing,
    lineage: {
      commit: card.git.commit,
      branch: card.git.branch,
      dataDigest: card.data.digest,
      files: card.data.files.map((f) => ({ path: f.path, sha256: f.sha256, rows: f.rows })),
      rows: { train: card.data.rows.train, holdout: card.data.rows.holdout },
      algorithm: card.trainer.algorithm,
      params: card.trainer.params,
      image: card.pipeline_image ?? null,
      conveyorVersion: card.conveyor_version,
      registered: `${card.name} v${card.version}`,
    },
    evaluation: card.evaluation,
    curves: [],
    regressionPoints: [],
    history: [],
    lossName: null,
  };
}
