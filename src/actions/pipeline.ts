/**
 * The `pipeline` action: run some or all of the pipeline's stages in one job. With `run-artifact`, a job that does
 * not start at validate-data downloads the run folder the previous job uploaded, and every job uploads its result,
 * so CT is split into jobs (validate → train → validate-model → register) that can be re-run alone.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import {
  createRun,
  isStageName,
  openRun,
  type RunContext,
  readArtifact,
  runStage,
  type StageName,
  stageNames,
  writeArtifact,
} from '../pipeline/index.ts';
import { parseOverrides, writeOverriddenConfig } from './config-overrides.ts';
import type { ActionDeps } from './deps.ts';
import { failureReport } from './failure.ts';
import { oneOf } from './inputs.ts';
import { downloadRunFolder, runArtifactName, uploadRunFolder } from './run-artifact.ts';
import { type RunView, readRunView } from './run-view.ts';
import { renderFailureSummary, renderRunSummary } from './summary.ts';
import { triggerReason } from './trigger.ts';

/** Who reads run-folder files here, in error messages. */
const ACTION = 'the pipeline action';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const configFile = inputs.required('config');
  const stages = parseStages(inputs.get('stages') || 'all');
  const artifactPrefix = inputs.get('run-artifact');
  const backend = oneOf(inputs, 'registry', ['local', 'github'] as const);
  const promote = parsePromote(inputs.get('promote'));
  const dryRun = inputs.boolean('dry-run');
  const overrides = parseOverrides(inputs.get('set'));
  const retentionDays = parseRetention(inputs.get('retention-days') || '7');
  const token = inputs.get('github-token');
  if (stages[0] !== 'validate-data' && !artifactPrefix) {
    throw new InputError(
      `input "stages" starts at ${stages[0]}: it needs "run-artifact" to fetch the earlier stages' run folder`,
    );
  }
  if (overrides.length > 0 && stages[0] !== 'validate-data') {
    throw new InputError(
      'input "set" applies when the run is created: use it on the step whose stages start at validate-data',
    );
  }

  const env: NodeJS.ProcessEnv = { ...deps.env, ...(token ? { GITHUB_TOKEN: token } : {}) };
  const temp = deps.env.RUNNER_TEMP || tmpdir();
  let ctx: RunContext;
  try {
    ctx = await openOrCreate();
  } catch (error) {
    const failed = failureReport(error, deps.workspace).failure;
    await deps.summary(renderFailureSummary({ title: failed.title ?? 'Failed', message: failed.message }));
    throw error;
  }
  deps.setOutput('run-id', (await readArtifact(ctx.dir, 'run', ACTION)).id);
  deps.setOutput('run-dir', ctx.dir);

  const ran: StageName[] = [];
  const skipped: StageName[] = [];
  let failure: unknown;
  try {
    for (const stage of stages) {
      if (stage === 'register' && dryRun) {
        skipped.push(stage);
        deps.log('register: skipped (dry-run)');
        continue;
      }
      ran.push(stage);
      await deps.group(stage, () => runStage(ctx, stage, promote ? { register: { aliases: promote } } : {}));
    }
  } catch (error) {
    failure = error;
  }

  const view = await readRunView(ctx.dir);
  if (view) {
    setOutputs(deps, view);
    const failed = failure === undefined ? undefined : failureReport(failure, deps.workspace).failure;
    await deps.summary(
      renderRunSummary(view, {
        stages: ran,
        skipped,
        ...(failed ? { failure: { title: failed.title ?? 'Failed', message: failed.message } } : {}),
      }),
    );
  }
  // A failed run is uploaded too (under the same name): the report job shows why a model was refused, and a re-run
  // of this job replaces it. The next pipeline job never sees it, since it only runs after this one succeeded.
  if (artifactPrefix) {
    const name = runArtifactName(artifactPrefix, stages.at(-1)!);
    try {
      const uploaded = await deps.group(`Upload run folder as artifact ${name}`, () =>
        uploadRunFolder(deps.artifact, name, ctx.dir, retentionDays),
      );
      deps.log(`uploaded ${name} (${uploaded.bytes} bytes)`);
      deps.setOutput('artifact', name);
    } catch (error) {
      if (failure === undefined) throw error;
      deps.log(`warning: the run folder of this failed step was not uploaded: ${(error as Error).message}`);
    }
  }
  if (failure !== undefined) throw failure;

  async function openOrCreate(): Promise<RunContext> {
    const log = deps.log;
    if (stages[0] === 'validate-data') {
      const effectiveConfig =
        overrides.length > 0
          ? writeOverriddenConfig(configFile, deps.workspace, overrides, join(temp, 'conveyor-config'))
          : configFile;
      if (overrides.length > 0)
        deps.log(`config ${configFile} with ${overrides.length} override(s): ${effectiveConfig}`);
      const created = await createRun({
        configFile: effectiveConfig,
        cwd: deps.workspace,
        env,
        log,
        ...(backend ? { registryBackend: backend } : {}),
      });
      await recordReason(created, triggerReason(deps.env, inputs.get('reason')));
      return created;
    }
    const name = runArtifactName(artifactPrefix, stageNames[stageNames.indexOf(stages[0]!) - 1]!);
    const dir = join(temp, 'conveyor-runs', name);
    await deps.group(`Download run folder from artifact ${name}`, () => downloadRunFolder(deps.artifact, name, dir));
    const opened = await openRun({ runDir: dir, configFile, cwd: deps.workspace, env, log });
    return backend
      ? { ...opened, config: { ...opened.config, registry: { ...opened.config.registry, backend } } }
      : opened;
  }
}

/** `all`, one stage, `from..to`, or a comma-separated list: contiguous, in pipeline order. */
export function parseStages(text: string): StageName[] {
  const known = stageNames as readonly string[];
  const check = (name: string): StageName => {
    if (!isStageName(name)) {
      throw new InputError(`input "stages": unknown stage "${name}"; stages are ${stageNames.join(', ')} (or "all")`);
    }
    return name;
  };
  if (text === 'all') return [...stageNames];
  const range = /^([\w-]+)\s*\.\.\s*([\w-]+)$/.exec(text);
  const names = range
    ? stageNames.slice(known.indexOf(check(range[1]!)), known.indexOf(check(range[2]!)) + 1)
    : text.split(',').map((s) => check(s.trim()));
  if (names.length === 0) throw new InputError(`input "stages": "${text}" selects no stage (is the range backwards?)`);
  const start = known.indexOf(names[0]!);
  names.forEach((name, i) => {
    if (known.indexOf(name) !== start + i) {
      throw new InputError(
        `input "stages": "${text}" is not a contiguous run of stages in pipeline order (${stageNames.join(', ')})`,
      );
    }
  });
  return names;
}

function parsePromote(text: string): readonly string[] | undefined {
  if (!text) return undefined;
  if (text === 'none') return [];
  return text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

/** `retention-days`: whole days from 1 to 90 (GitHub's range for artifacts). */
export function parseRetention(text: string): number {
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw new InputError(`input "retention-days" must be a whole number of days from 1 to 90, got "${text}"`);
  }
  return days;
}

/** Add the trigger's reason to run.json's GitHub context (the card copies it from there). */
async function recordReason(ctx: RunContext, reason: string | null): Promise<void> {
  const record = await readArtifact(ctx.dir, 'run', ACTION);
  if (!record.github || !reason) return;
  await writeArtifact(ctx.dir, 'run', { ...record, github: { ...record.github, reason } });
  ctx.log(`trigger: ${record.github.trigger} (${reason})`);
}

function setOutputs(deps: ActionDeps, view: RunView): void {
  deps.setOutput('model-name', view.modelName);
  deps.setOutput('version', view.registration ? String(view.registration.version) : '');
  deps.setOutput('unchanged', view.registration ? String(view.registration.unchanged === true) : '');
  deps.setOutput('blessed', view.blessing ? String(view.blessing.blessed) : '');
  const primary = view.blessing?.primary_metric;
  deps.setOutput('primary-metric', primary ?? '');
  const value = primary ? view.evaluation?.metrics[primary] : undefined;
  deps.setOutput('primary-metric-value', value === undefined || value === null ? '' : String(value));
  const location = view.registration?.location ?? '';
  deps.setOutput('release-url', /^https?:/.test(location) ? location : '');
}
