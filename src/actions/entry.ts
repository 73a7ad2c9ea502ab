/**
 * The toolkit side of every action: build the real deps from @actions/core, @actions/artifact and @actions/github,
 * run the verb, and turn whatever it throws into a failed step (failure.ts). actions/launch.mjs calls `main`.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { InputError } from '../errors.ts';
import type { ActionDeps, ActionRun, Annotation, Octokit } from './deps.ts';
import { failureReport } from './failure.ts';
import { inputsFrom } from './inputs.ts';

/** The verbs of actions/<verb>/: each loads src/actions/<verb>.ts only when it runs. */
const verbs: Record<string, () => Promise<{ run: ActionRun }>> = {
  pipeline: () => import('./pipeline.ts'),
  'pull-model': () => import('./pull-model.ts'),
  'infra-validate': () => import('./infra-validate.ts'),
  'push-image': () => import('./push-image.ts'),
  'resolve-image': () => import('./resolve-image.ts'),
  promote: () => import('./promote.ts'),
  rollback: () => import('./rollback.ts'),
  'tune-plan': () => import('./tune-plan.ts'),
  'tune-train': () => import('./tune-train.ts'),
  'tune-rank': () => import('./tune-rank.ts'),
  monitor: () => import('./monitor.ts'),
  report: () => import('./report.ts'),
};

/** Run one verb as a step; returns the exit code (0, or the Conveyor exit code of the failure). */
export async function main(verb: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  try {
    const load = verbs[verb];
    if (!load) throw new InputError(`unknown action "${verb}"; known: ${Object.keys(verbs).join(', ')}`);
    const { run } = await load();
    await run(toolkitDeps(env, workspace));
    return 0;
  } catch (error) {
    const report = failureReport(error, workspace);
    if (report.details) core.info(report.details);
    if (report.stack) core.info(report.stack);
    for (const annotation of [report.failure, ...report.annotations]) emit(annotation);
    // setFailed would add a second, title-less error line: the failure annotation above is the step's error.
    process.exitCode = report.exitCode;
    return report.exitCode;
  }
}

function toolkitDeps(env: NodeJS.ProcessEnv, workspace: string): ActionDeps {
  const inputs = inputsFrom(env);
  let octokit: Octokit | undefined;
  return {
    inputs,
    summary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
    artifact: new DefaultArtifactClient(),
    octokit: () => {
      octokit ??= getOctokit(
        inputs.required('github-token'),
        env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {},
      );
      return octokit;
    },
    setOutput: (name, value) => core.setOutput(name, value),
    annotate: emit,
    log: (line) => core.info(line),
    group: (title, body) => core.group(title, body),
    workspace,
    env,
  };
}

function emit(annotation: Annotation): void {
  const properties: core.AnnotationProperties = {
    ...(annotation.title ? { title: annotation.title } : {}),
    ...(annotation.file ? { file: annotation.file } : {}),
    ...(annotation.line ? { startLine: annotation.line } : {}),
  };
  if (annotation.level === 'error') core.error(annotation.message, properties);
  else if (annotation.level === 'warning') core.warning(annotation.message, properties);
  else core.notice(annotation.message, properties);
}
