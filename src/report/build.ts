/**
 * A run folder's files → the run report (pure). Everything optional stays optional: a run stopped by data
 * validation gets a report of its anomalies, a "not blessed" run one of the checks that refused it.
 */
import type { MetricName } from '../config/schema.ts';
import { defaultPrimaryMetric } from '../evaluate/index.ts';
import { stageNames } from '../pipeline/index.ts';
import { compareMetrics, compareSlices } from './compare.ts';
import { classifierCurves, sampleRows } from './curves.ts';
import type { RunFiles } from './run-files.ts';
import type { Outcome, RunReport, StageRow } from './types.ts';

/** Scatter plots of regression show at most this many holdout rows (an even sample). */
export const MAX_SCATTER_POINTS = 1000;

export function buildRunReport(files: RunFiles): RunReport {
  const { record, evaluation, baseline, blessing } = files;
  const task = evaluation?.task ?? files.predictions?.task ?? null;
  const primary: MetricName | null =
    blessing?.primary_metric ??
    files.config?.validation.model.primary_metric ??
    (task ? defaultPrimaryMetric(task) : null);
  const stages = stageRows(record.stages);
  const { outcome, headline } = describeOutcome(files, stages);
  const model = files.config?.model.name ?? null;
  return {
    title: model ? `${model} — run ${record.id}` : `run ${record.id}`,
    model,
    runId: record.id,
    createdAt: record.created_at,
    outcome,
    headline,
    trigger: {
      kind: record.github?.trigger ?? 'local',
      event: record.github?.event ?? null,
      actor: record.github?.actor ?? null,
      runUrl: record.github?.run_url ?? null,
      reason: files.reason,
    },
    stages,
    validation: files.validation
      ? {
          ok: files.validation.ok,
          errors: files.validation.errors,
          warnings: files.validation.warnings,
          anomalies: files.validation.anomalies,
          messages: [],
          drift: files.validation.drift,
        }
      : null,
    task,
    primaryMetric: primary,
    baselineVersion: blessing?.baseline_version ?? null,
    metrics:
      evaluation && primary
        ? compareMetrics(evaluation.metrics, baseline?.metrics ?? null, evaluation.task, primary)
        : [],
    slices: evaluation && primary ? compareSlices(evaluation, baseline, primary) : [],
    blessing,
    lineage: {
      commit: record.git.commit,
      branch: record.git.branch,
      dataDigest: files.digest,
      files: (files.data?.files ?? []).map((f) => ({ path: f.path, sha256: f.sha256, rows: f.rows })),
      rows: files.split ? { train: files.split.train_rows, holdout: files.split.holdout_rows } : null,
      algorithm: files.train?.algorithm ?? files.config?.trainer.algorithm ?? null,
      params: files.train?.params ?? files.config?.trainer.params ?? {},
      image: files.image,
      conveyorVersion: record.conveyor_version,
      registered: files.registration ? `${files.registration.name} v${files.registration.version}` : null,
    },
    evaluation,
    curves:
      files.predictions?.probabilities && files.predictions.classes
        ? classifierCurves(files.predictions.classes, files.predictions.actual, files.predictions.probabilities)
        : [],
    regressionPoints: regressionSample(files),
    history: (files.train?.history ?? []).map((h) => ({
      iteration: h.iteration,
      train: h.trainLoss,
      valid: h.validLoss ?? null,
    })),
    lossName: typeof files.train?.summary.loss === 'string' ? files.train.summary.loss : null,
  };
}

function stageRows(recorded: RunFiles['record']['stages']): StageRow[] {
  return stageNames.map((name) => {
    const stage = recorded[name];
    return {
      name,
      status: stage?.status ?? 'not run',
      durationMs: stage?.duration_ms ?? null,
      error: stage?.error ?? null,
    };
  });
}

function describeOutcome(files: RunFiles, stages: readonly StageRow[]): { outcome: Outcome; headline: string } {
  const failed = stages.find((s) => s.status === 'failed');
  if (files.registration) {
    const r = files.registration;
    const moved = r.aliases.map((a) => `${a.alias} → v${a.to}`).join(', ');
    return {
      outcome: 'registered',
      headline: r.created
        ? `Registered ${r.name} v${r.version}${moved ? ` (${moved})` : ''}.`
        : `${r.name} v${r.version} was already registered by this run; nothing new published.`,
    };
  }
  if (files.blessing && !files.blessing.blessed) {
    return { outcome: 'not blessed', headline: `Not blessed: ${files.blessing.reasons.join('; ')}` };
  }
  if (failed) {
    return { outcome: 'failed', headline: `Stage ${failed.name} failed: ${failed.error ?? 'no message recorded'}` };
  }
  if (files.blessing) {
    return { outcome: 'blessed', headline: `Blessed: ${files.blessing.reasons.join('; ')}; not registered.` };
  }
  if (files.evaluation) {
    return {
      outcome: 'evaluated',
      headline: 'Trained and evaluated; not compared with production or registered (dry run).',
    };
  }
  return { outcome: 'incomplete', headline: 'The run stopped before evaluation.' };
}

function regressionSample(files: RunFiles): RunReport['regressionPoints'] {
  const p = files.predictions;
  if (!p?.predicted) return [];
  return sampleRows(p.actual.length, MAX_SCATTER_POINTS).map((i) => ({
    actual: p.actual[i]!,
    predicted: p.predicted![i]!,
  }));
}
