/**
 * `conveyor report [--run DIR]` and `conveyor site <dir>`: thin adapters over src/report. Loaded only when
 * one of them runs, so other commands do not pay for the charting library.
 */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/index.ts';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import { openRun } from '../pipeline/index.ts';
import { createRegistry } from '../registry/index.ts';
import {
  attachReportToRelease,
  buildSite,
  COMMENT_LIMIT,
  type GitHubTarget,
  readMonitorVerdicts,
  readRunFiles,
  renderMarkdown,
  STICKY_MARKER,
  type StickyOutcome,
  SUMMARY_LIMIT,
  upsertStickyComment,
  writeRunReport,
} from '../report/index.ts';

export const REPORT_USAGE = `Usage: conveyor report [--run DIR] [--report-url URL] [--config PATH] [--json]
                       [--summary] [--pr-comment NUMBER] [--attach-release]
  Writes report/report.md and report/report.html in the run folder (default: the latest run).
  --report-url URL     where report.html is published; report.md links it when it has to be cut
  In GitHub Actions (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL from the workflow):
  --summary            append the report to the job summary (GITHUB_STEP_SUMMARY)
  --pr-comment NUMBER  create, or edit, the pull request's one report comment (pull-requests: write); with a
                       read-only token (a fork's pull request) it warns and the report stays in the summary
  --attach-release     upload report.html to the release of the version this run registered (contents: write)

Usage: conveyor site <dir> [--registry local|github] [--model NAME] [--monitor-dir DIR] [--config PATH] [--json]
  Builds a static web site of the registry in <dir>: versions, aliases and their history, the primary
  metric over versions, each version's report and card, the latest monitor verdicts (--monitor-dir,
  default: monitor).`;

interface Io {
  readonly print: (line: string) => void;
  readonly error: (line: string) => void;
}

interface Values {
  readonly config?: string;
  readonly run?: string;
  readonly 'report-url'?: string;
  readonly summary?: boolean;
  readonly 'pr-comment'?: string;
  readonly 'attach-release'?: boolean;
  readonly registry?: string;
  readonly model?: string;
  readonly 'monitor-dir'?: string;
}

/** Run `report` or `site` (argv[0]); returns the exit code. */
export async function reportCli(
  argv: readonly string[],
  io: Io = { print: (l) => console.log(l), error: (l) => console.error(l) },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const command = argv[0] === 'site' ? 'site' : 'report';
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        run: { type: 'string' },
        'report-url': { type: 'string' },
        summary: { type: 'boolean', default: false },
        'pr-comment': { type: 'string' },
        'attach-release': { type: 'boolean', default: false },
        registry: { type: 'string' },
        model: { type: 'string' },
        'monitor-dir': { type: 'string', default: 'monitor' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json!;
    if (values.help) {
      io.print(REPORT_USAGE);
      return 0;
    }
    const result =
      command === 'report' ? await report(values, positionals, env, io) : await site(values, positionals, env);
    if (json) io.print(JSON.stringify({ ok: true, command, ...result }, null, 2));
    else io.print(result.message);
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    if (json) io.print(JSON.stringify({ ok: false, command, exit_code: code, error: describeError(error) }, null, 2));
    else io.error(`conveyor ${command}: ${describeError(error)}`);
    return code;
  }
}

async function report(values: Values, positionals: readonly string[], env: NodeJS.ProcessEnv, io: Io) {
  if (positionals.length > 0) throw new InputError(`unexpected argument "${positionals[0]}" for "report"`);
  const pullRequest = values['pr-comment'] === undefined ? undefined : Number(values['pr-comment']);
  if (pullRequest !== undefined && !(Number.isInteger(pullRequest) && pullRequest > 0)) {
    throw new InputError(`--pr-comment must be a pull request number, got "${values['pr-comment']}"`);
  }
  if (values.summary && !env.GITHUB_STEP_SUMMARY) {
    throw new InputError('--summary: GITHUB_STEP_SUMMARY is not set (GitHub Actions sets it in every step)');
  }
  const github = pullRequest !== undefined || values['attach-release'] ? githubTarget(env) : null;
  const ctx = await openRun({
    configFile: values.config ?? DEFAULT_CONFIG_PATH,
    ...(values.run ? { runDir: values.run } : {}),
    env,
  });
  let reportUrl = values['report-url'];
  const written = await writeRunReport(ctx.dir, reportUrl ? { fullReportUrl: reportUrl } : {});
  const lines = [`report: ${written.markdownPath}`, `        ${written.htmlPath}`];

  let releaseAsset: string | null = null;
  if (values['attach-release']) {
    const registration = (await readRunFiles(ctx.dir)).registration;
    if (!registration?.created || registration.backend !== 'github') {
      lines.push('release: this run registered no new version on GitHub; nothing attached');
    } else {
      releaseAsset = await attachReportToRelease(github!, registration.name, registration.version, written.html);
      reportUrl ??= releaseAsset;
      lines.push(`release: report.html attached to ${registration.name} v${registration.version}`);
    }
  }
  const markdownFor = (limit: number, preamble?: string) =>
    renderMarkdown(written.report, {
      limit,
      ...(reportUrl ? { fullReportUrl: reportUrl } : {}),
      ...(preamble ? { preamble } : {}),
    });
  if (values.summary) {
    appendFileSync(env.GITHUB_STEP_SUMMARY!, `${markdownFor(SUMMARY_LIMIT)}\n`);
    lines.push('summary: written to the job summary');
  }
  let comment: StickyOutcome | null = null;
  if (pullRequest !== undefined) {
    comment = await upsertStickyComment(github!, pullRequest, markdownFor(COMMENT_LIMIT, `${STICKY_MARKER}\n`));
    if (comment.action === 'forbidden') {
      // A fork's pull request: the token is read-only. The report is in the job summary; the run goes on.
      io.error(
        `::warning title=Report comment not posted::${comment.message} (read-only token, as on a fork's pull request); the report is in the job summary`,
      );
      lines.push('comment: not posted (read-only token)');
    } else {
      lines.push(`comment: ${comment.action} ${comment.url}`);
    }
  }
  return {
    message: lines.join('\n'),
    run: ctx.dir,
    outcome: written.report.outcome,
    markdown: written.markdownPath,
    html: written.htmlPath,
    charts: written.charts.map((c) => c.chart.id),
    comment,
    release_asset: releaseAsset,
  };
}

/** Repository and token of the workflow (GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_API_URL). */
function githubTarget(env: NodeJS.ProcessEnv): GitHubTarget {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new InputError('GITHUB_REPOSITORY (owner/repo) is not set');
  if (!env.GITHUB_TOKEN) {
    throw new InputError('GITHUB_TOKEN is not set; pass secrets.GITHUB_TOKEN as env GITHUB_TOKEN to the step');
  }
  return { apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', token: env.GITHUB_TOKEN, owner, repo };
}

async function site(values: Values, positionals: readonly string[], env: NodeJS.ProcessEnv) {
  const [dir, extra] = positionals;
  if (!dir) throw new InputError('site: name the folder to write the site into, e.g. "conveyor site public"');
  if (extra) throw new InputError(`unexpected argument "${extra}" for "site"`);
  if (values.registry !== undefined && values.registry !== 'local' && values.registry !== 'github') {
    throw new InputError(`--registry must be local or github, got "${values.registry}"`);
  }
  const config = loadConfig(resolve(values.config ?? DEFAULT_CONFIG_PATH));
  const registryConfig = values.registry
    ? { ...config.registry, backend: values.registry as 'local' | 'github' }
    : config.registry;
  const outDir = resolve(dir);
  const result = await buildSite({
    registry: createRegistry(registryConfig, env),
    models: [values.model ?? config.model.name],
    verdicts: readMonitorVerdicts(resolve(values['monitor-dir'] ?? 'monitor')),
    outDir,
  });
  return {
    message: `site: ${result.pages.length} pages, ${result.versions} version(s) → ${outDir}/index.html`,
    dir: outDir,
    pages: result.pages,
    versions: result.versions,
  };
}
