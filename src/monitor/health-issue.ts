/**
 * The monitor's GitHub side, as teams ask of CML: one issue per model, "Model health: <name>", created once and
 * then edited with the latest verdict and a short history table (the history lives in the issue body, between
 * markers, so no other storage is needed), labelled; and, when the decision is retrain, a `repository_dispatch`
 * of type `retrain` whose `client_payload.reason` the CT workflow records as the run's reason (trigger `monitor`).
 *
 * Permissions of GITHUB_TOKEN: `issues: write` for the issue (list, create, update); the dispatch endpoint
 * (POST /repos/{owner}/{repo}/dispatches) needs `contents: write` — GitHub's REST reference lists the
 * "Contents" repository permission (write) for fine-grained tokens and GitHub App installation tokens, which is
 * what GITHUB_TOKEN is; classic tokens need the `repo` scope.
 *
 * GitHub is reached through the few Octokit methods below (structurally typed, so this file needs no @actions
 * import); requests are the REST operations in test/openapi/github-releases.json.
 */
import type { MonitorReport } from './types.ts';

/** Label the health issue carries (created by GitHub on first use). */
export const HEALTH_LABEL = 'model-health';
/** Rows of history kept in the issue body. */
export const HISTORY_ROWS = 20;
/** `repository_dispatch` event type that starts CT (ct.yml `on.repository_dispatch.types`). */
export const RETRAIN_EVENT = 'retrain';

const HISTORY_START = '<!-- conveyor-monitor-history';
const HISTORY_END = 'conveyor-monitor-history -->';

export function healthIssueTitle(model: string): string {
  return `Model health: ${model}`;
}

/** One history entry (kept as JSON in a comment of the issue body, rendered as the table). */
export interface HealthEntry {
  readonly at: string;
  readonly version: number | string;
  readonly retrain: boolean;
  readonly severity: string;
  readonly summary: string;
  readonly run?: string;
}

/** The history entries recorded in an issue body (newest first); [] for a body without them. */
export function historyOf(body: string | null | undefined): HealthEntry[] {
  if (!body) return [];
  const start = body.indexOf(HISTORY_START);
  const end = body.indexOf(HISTORY_END, start);
  if (start < 0 || end < 0) return [];
  try {
    const parsed: unknown = JSON.parse(body.slice(start + HISTORY_START.length, end));
    return Array.isArray(parsed) ? (parsed as HealthEntry[]) : [];
  } catch {
    return [];
  }
}

/** A one-line summary of a report for the history table. */
export function reportSummary(report: MonitorReport): string {
  const parts: string[] = [];
  const input = report.input_drift;
  parts.push(
    input.status === 'ok'
      ? `input drift ${input.drifted_columns}/${input.columns.length} columns`
      : input.status === 'not_enough_data'
        ? `inputs: ${input.rows} rows (too few)`
        : 'inputs: n/a',
  );
  const prediction = report.prediction_drift;
  if (prediction.status === 'ok') parts.push(`predictions ${prediction.drifted ? 'drifted' : 'stable'}`);
  const feedback = report.feedback;
  if (feedback.status === 'ok') {
    parts.push(
      `${feedback.metric} ${feedback.feedback?.toFixed(3) ?? 'n/a'} (holdout ${feedback.holdout?.toFixed(3) ?? 'n/a'})`,
    );
  }
  return parts.join('; ');
}

/** The issue body: the latest verdict, its reasons, and the history table (newest first, HISTORY_ROWS kept). */
export function renderHealthIssue(report: MonitorReport, previousBody: string | null, runUrl?: string): string {
  const entry: HealthEntry = {
    at: report.created_at,
    version: report.model.version,
    retrain: report.retrain,
    severity: report.severity,
    summary: reportSummary(report),
    ...(runUrl ? { run: runUrl } : {}),
  };
  const history = [entry, ...historyOf(previousBody)].slice(0, HISTORY_ROWS);
  const verdict = report.retrain
    ? '🔴 **Retrain**'
    : report.severity === 'info'
      ? '🟡 Healthy, with notices'
      : '🟢 Healthy';
  const lines = [
    `## ${verdict} — ${report.model.name} v${report.model.version} (${report.model.ref})`,
    '',
    `Checked ${report.created_at}${runUrl ? ` in [this run](${runUrl})` : ''}; severity **${report.severity}**.`,
    '',
  ];
  if (report.decision.reasons.length > 0) {
    lines.push('### Findings', '');
    for (const reason of report.decision.reasons)
      lines.push(`- ${reason.retrain ? '**retrain**: ' : ''}${escapeCell(reason.message)}`);
    lines.push('');
  }
  if (report.decision.notes.length > 0) {
    lines.push('### No verdict', '');
    for (const note of report.decision.notes) lines.push(`- ${escapeCell(note)}`);
    lines.push('');
  }
  lines.push(
    '### History',
    '',
    '| checked | version | decision | severity | summary |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const h of history) {
    const at = h.run ? `[${h.at}](${h.run})` : h.at;
    lines.push(
      `| ${at} | v${h.version} | ${h.retrain ? 'retrain' : 'ok'} | ${h.severity} | ${escapeCell(h.summary)} |`,
    );
  }
  lines.push('', 'This issue is kept up to date by the monitor workflow (`.github/workflows/monitor.yml`).');
  lines.push(`${HISTORY_START}\n${JSON.stringify(history)}\n${HISTORY_END}`);
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** `client_payload` of the retrain dispatch: `reason` is what CT records; the rest is for people and tools. */
export function retrainPayload(report: MonitorReport, runUrl?: string): Record<string, unknown> {
  const reason = `monitor: ${report.reasons.join('; ')}`;
  return {
    reason,
    model: report.model.name,
    version: report.model.version,
    severity: report.severity,
    // GitHub caps client_payload at 10 top-level properties; the reasons list is one of them.
    reasons: report.reasons.slice(0, 20),
    ...(runUrl ? { monitor_run: runUrl } : {}),
  };
}

/** The Octokit methods the monitor uses (an Octokit from @actions/github has them). */
export interface MonitorGitHub {
  readonly rest: {
    readonly issues: {
      listForRepo(params: {
        owner: string;
        repo: string;
        labels?: string;
        state?: 'open' | 'closed' | 'all';
        per_page?: number;
        page?: number;
      }): Promise<{
        data: { number: number; title: string; body?: string | null; state: string; pull_request?: unknown }[];
      }>;
      create(params: { owner: string; repo: string; title: string; body?: string; labels?: string[] }): Promise<{
        data: { number: number; html_url: string };
      }>;
      update(params: {
        owner: string;
        repo: string;
        issue_number: number;
        body?: string;
        state?: 'open' | 'closed';
        labels?: string[];
      }): Promise<{ data: { number: number; html_url: string } }>;
    };
    readonly repos: {
      createDispatchEvent(params: {
        owner: string;
        repo: string;
        event_type: string;
        client_payload?: Record<string, unknown>;
      }): Promise<unknown>;
    };
  };
}

export interface PublishOutcome {
  readonly issue: { readonly number: number; readonly url: string; readonly created: boolean };
  readonly dispatched: boolean;
}

/**
 * Create or update the model's health issue with `report`, and send the retrain dispatch when the report asks
 * for one (and `dispatch` is on). An issue closed by a person is reopened when the model needs a retrain; while
 * healthy, a closed issue is updated and left closed.
 */
export async function publishHealth(
  github: MonitorGitHub,
  repository: { owner: string; repo: string },
  report: MonitorReport,
  options: { readonly runUrl?: string; readonly label?: string; readonly dispatch?: boolean } = {},
): Promise<PublishOutcome> {
  const label = options.label ?? HEALTH_LABEL;
  const title = healthIssueTitle(report.model.name);
  const existing = await findIssue(github, repository, label, title);
  const body = renderHealthIssue(report, existing?.body ?? null, options.runUrl);
  let issue: PublishOutcome['issue'];
  if (existing) {
    const reopen = report.retrain && existing.state === 'closed';
    const updated = await github.rest.issues.update({
      ...repository,
      issue_number: existing.number,
      body,
      ...(reopen ? { state: 'open' as const } : {}),
    });
    issue = { number: updated.data.number, url: updated.data.html_url, created: false };
  } else {
    const created = await github.rest.issues.create({ ...repository, title, body, labels: [label] });
    issue = { number: created.data.number, url: created.data.html_url, created: true };
  }
  let dispatched = false;
  if (report.retrain && options.dispatch !== false) {
    await github.rest.repos.createDispatchEvent({
      ...repository,
      event_type: RETRAIN_EVENT,
      client_payload: retrainPayload(report, options.runUrl),
    });
    dispatched = true;
  }
  return { issue, dispatched };
}

/** The health issue of the model: labelled, exact title, open or closed (lowest number if several). */
async function findIssue(
  github: MonitorGitHub,
  repository: { owner: string; repo: string },
  label: string,
  title: string,
) {
  const found: { number: number; body?: string | null; state: string }[] = [];
  for (let page = 1; page <= 10; page++) {
    const { data } = await github.rest.issues.listForRepo({
      ...repository,
      labels: label,
      state: 'all',
      per_page: 100,
      page,
    });
    found.push(...data.filter((i) => i.title === title && !i.pull_request));
    if (data.length < 100) break;
  }
  return found.sort((a, b) => a.number - b.number)[0];
}
