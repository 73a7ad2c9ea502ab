/**
 * The `report` action: the run report of a pipeline run in the places a team looks — the job summary, one
 * pull-request comment, the release of the registered version, and the run's artifacts. It reports whatever the
 * run folder holds, so it belongs after the pipeline jobs with `if: always()`.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../errors.ts';
import { artifactPath, stageNames } from '../pipeline/index.ts';
import {
  attachReportToRelease,
  COMMENT_LIMIT,
  type GitHubTarget,
  readRunFiles,
  renderMarkdown,
  STICKY_MARKER,
  SUMMARY_LIMIT,
  upsertStickyComment,
  writeRunReport,
} from '../report/index.ts';
import type { ActionDeps } from './deps.ts';
import { parseRetention } from './pipeline.ts';
import { downloadRunFolder, runArtifactName } from './run-artifact.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const runDirInput = inputs.get('run-dir');
  const prefix = inputs.get('run-artifact');
  const pullRequest = parsePullRequest(inputs.get('pr-comment'));
  const attach = inputs.boolean('attach-release');
  const upload = inputs.boolean('upload');
  const retentionDays = parseRetention(inputs.get('retention-days') || '7');
  if (!runDirInput && !prefix) throw new InputError('inputs "run-dir" and "run-artifact" are both empty: name one');
  const token = inputs.get('github-token');
  if ((pullRequest !== null || attach) && !token) {
    throw new InputError('input "github-token" is empty: the comment and the release asset need a token');
  }

  const dir = runDirInput
    ? isAbsolute(runDirInput)
      ? runDirInput
      : join(deps.workspace, runDirInput)
    : await downloadNewest(deps, prefix);
  deps.setOutput('run-dir', dir);

  const written = await writeRunReport(dir);
  deps.setOutput('outcome', written.report.outcome);
  const target = pullRequest !== null || attach ? githubTarget(deps, token) : null;

  let reportUrl: string | undefined;
  if (attach) {
    const registration = (await readRunFiles(dir)).registration;
    if (registration?.created && registration.backend === 'github') {
      reportUrl = await attachReportToRelease(target!, registration.name, registration.version, written.html);
      deps.log(`report.html attached to ${registration.name} v${registration.version}`);
    } else {
      deps.log('attach-release: this run registered no new version on GitHub; nothing attached');
    }
  }
  const markdown = (limit: number, preamble?: string) =>
    renderMarkdown(written.report, {
      limit,
      ...(reportUrl ? { fullReportUrl: reportUrl } : {}),
      ...(preamble ? { preamble } : {}),
    });
  await deps.summary(markdown(SUMMARY_LIMIT));

  let commentUrl = '';
  if (pullRequest !== null) {
    const outcome = await upsertStickyComment(target!, pullRequest, markdown(COMMENT_LIMIT, `${STICKY_MARKER}\n`));
    if (outcome.action === 'forbidden') {
      deps.annotate({
        level: 'warning',
        title: 'Report comment not posted',
        message: `${outcome.message}: the token cannot write to pull requests (a fork's pull request gets a read-only token); the report is in the job summary`,
      });
    } else {
      commentUrl = outcome.url;
      deps.log(`pull request #${pullRequest}: report comment ${outcome.action} (${outcome.url})`);
    }
  }
  deps.setOutput('comment-url', commentUrl);

  if (upload) {
    const name = prefix ? runArtifactName(prefix, 'report') : 'conveyor-report';
    const files = [artifactPath(dir, 'report-md'), artifactPath(dir, 'report-html')];
    await deps.group(`Upload the report as artifact ${name}`, () =>
      deps.artifact.uploadArtifact(name, files, join(dir, 'report'), { retentionDays }),
    );
    deps.setOutput('artifact', name);
  } else {
    deps.setOutput('artifact', '');
  }
}

/** The run folder of the furthest stage whose artifact this workflow run has. */
async function downloadNewest(deps: ActionDeps, prefix: string): Promise<string> {
  const temp = deps.env.RUNNER_TEMP || tmpdir();
  for (const stage of [...stageNames].reverse()) {
    const name = runArtifactName(prefix, stage);
    const dir = join(temp, 'conveyor-report', name);
    try {
      await deps.group(`Download run folder from artifact ${name}`, () => downloadRunFolder(deps.artifact, name, dir));
      return dir;
    } catch (error) {
      if (!(error instanceof InputError)) throw error; // not found: try the stage before
    }
  }
  throw new InputError(
    `no run folder artifact "${prefix}-<stage>" in this workflow run: run ./actions/pipeline with run-artifact "${prefix}" first`,
  );
}

function githubTarget(deps: ActionDeps, token: string): GitHubTarget {
  const [owner, repo] = (deps.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new InputError('GITHUB_REPOSITORY (owner/repo) is not set');
  return { apiUrl: deps.env.GITHUB_API_URL || 'https://api.github.com', token, owner, repo };
}

function parsePullRequest(text: string): number | null {
  if (!text) return null;
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1) {
    throw new InputError(`input "pr-comment" must be a pull request number, got "${text}"`);
  }
  return number;
}
