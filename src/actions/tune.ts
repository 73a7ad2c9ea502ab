/**
 * The tune actions (tune.yml): `tune-plan` checks the candidate parameter sets and gives the matrix;
 * `tune-train` trains, evaluates and exports one candidate on the prepared run folder every matrix job shares;
 * `tune-rank` ranks the candidates' evaluations by the primary metric and names the best one's run folder, which
 * the workflow sends through validate-model and register.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configSchema } from '../config/index.ts';
import {
  type CandidateResult,
  parseCandidates,
  rankCandidates,
  rankingTable,
  type TuneCandidate,
} from '../delivery/index.ts';
import { InputError } from '../errors.ts';
import { defaultPrimaryMetric } from '../evaluate/index.ts';
import { describeIssues } from '../lib/files.ts';
import { openRun, readArtifact, runStage, writeArtifact } from '../pipeline/index.ts';
import type { ActionDeps } from './deps.ts';
import { downloadRunFolder, runArtifactName, uploadRunFolder } from './run-artifact.ts';

const ACTION = 'the tune action';

/** The candidates from the `candidates` input (JSON) or, when it is empty, the `candidates-file` input. */
function candidatesFrom(deps: ActionDeps): TuneCandidate[] {
  const text = deps.inputs.get('candidates');
  if (text) return parseCandidates(text, 'input "candidates"');
  const file = deps.inputs.get('candidates-file');
  if (!file) throw new InputError('give the parameter sets in input "candidates" (JSON) or "candidates-file"');
  let content: string;
  try {
    content = readFileSync(resolve(deps.workspace, file), 'utf8');
  } catch {
    throw new InputError(`input "candidates-file": ${file} cannot be read`);
  }
  return parseCandidates(content, file);
}

export async function plan(deps: ActionDeps): Promise<void> {
  const candidates = candidatesFrom(deps);
  deps.setOutput('candidates', JSON.stringify(candidates));
  deps.setOutput('indices', JSON.stringify(candidates.map((_, i) => i)));
  deps.log(`${candidates.length} candidate(s)`);
}

export async function train(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const candidates = parseCandidates(inputs.required('candidates'), 'input "candidates"');
  const index = Number(inputs.required('index'));
  const candidate = candidates[index];
  if (!Number.isInteger(index) || !candidate) {
    throw new InputError(`input "index" must be 0..${candidates.length - 1}, got "${inputs.get('index')}"`);
  }
  const prefix = inputs.required('run-artifact');
  const temp = deps.env.RUNNER_TEMP || deps.workspace;
  const dir = join(temp, 'conveyor-runs', `${prefix}-${index}`);
  const prepared = runArtifactName(prefix, 'prepare');
  await deps.group(`Download the prepared run folder ${prepared}`, () =>
    downloadRunFolder(deps.artifact, prepared, dir),
  );

  // The candidate's parameters replace the trainer's in the run's config (checked against the config schema).
  const config = await readArtifact(dir, 'config', ACTION);
  const tuned = configSchema.safeParse({
    ...config,
    trainer: { ...config.trainer, params: { ...config.trainer.params, ...candidate } },
  });
  if (!tuned.success) {
    throw new InputError(`candidate ${index} (${JSON.stringify(candidate)}): ${describeIssues(tuned.error.issues)}`);
  }
  await writeArtifact(dir, 'config', tuned.data, ACTION);
  const ctx = await openRun({
    runDir: dir,
    configFile: inputs.required('config'),
    cwd: deps.workspace,
    env: deps.env,
    log: deps.log,
  });
  for (const stage of ['train', 'evaluate', 'export'] as const) {
    await deps.group(stage, () => runStage(ctx, stage, {}));
  }
  const evaluation = await readArtifact(dir, 'evaluation', ACTION);
  const name = runArtifactName(`${prefix}-${index}`, 'export');
  await deps.group(`Upload ${name}`, () => uploadRunFolder(deps.artifact, name, dir, 7));
  deps.setOutput('artifact', name);
  deps.setOutput('metrics', JSON.stringify(evaluation.metrics));
  await deps.summary(
    `### Candidate ${index}\n\n\`${JSON.stringify(candidate)}\`: ${JSON.stringify(evaluation.metrics)}\n`,
  );
}

export async function rank(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const candidates = parseCandidates(inputs.required('candidates'), 'input "candidates"');
  const prefix = inputs.required('run-artifact');
  const temp = deps.env.RUNNER_TEMP || deps.workspace;
  const results: CandidateResult[] = [];
  const missing: number[] = [];
  let metric = '';
  for (const [index, params] of candidates.entries()) {
    const name = runArtifactName(`${prefix}-${index}`, 'export');
    const dir = join(temp, 'conveyor-tune', name);
    try {
      await downloadRunFolder(deps.artifact, name, dir);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      missing.push(index); // its matrix job failed
      continue;
    }
    const evaluation = await readArtifact(dir, 'evaluation', ACTION);
    const config = await readArtifact(dir, 'config', ACTION);
    metric ||= config.validation.model.primary_metric ?? defaultPrimaryMetric(evaluation.task);
    results.push({ index, params, metrics: evaluation.metrics as Record<string, number | null>, source: name });
  }
  if (results.length === 0)
    throw new InputError(`no candidate uploaded ${prefix}-<index>-export: every matrix job failed`);
  const ranked = rankCandidates(results, metric);
  const best = ranked[0]!;
  deps.setOutput('best-index', best.index);
  deps.setOutput('best-artifact', `${prefix}-${best.index}`);
  deps.setOutput('best-value', best.value ?? '');
  deps.setOutput('primary-metric', metric);
  await deps.summary(
    [
      `### Tuning: ${results.length} candidate(s) ranked by ${metric}`,
      '',
      rankingTable(ranked, metric),
      '',
      missing.length > 0 ? `No result from candidate(s) ${missing.join(', ')} (their jobs failed).\n` : '',
      `Best: candidate ${best.index}; it goes on to validate-model and register.`,
      '',
    ].join('\n'),
  );
}
