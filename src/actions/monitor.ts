/**
 * The `monitor` action: run the monitor (src/monitor) on the checkout, fold in a deployed server's live view when
 * `server-url` is set, write the report to the job summary, keep the "Model health" issue up to date and send the
 * retrain dispatch (src/monitor/health-issue.ts). Inputs are read and checked first; outputs set last.
 */
import { loadConfig } from '../config/index.ts';
import { InputError } from '../errors.ts';
import {
  feedbackLines,
  inputDriftLines,
  type LiveReport,
  type MonitorReport,
  predictionDriftLine,
  publishHealth,
  runMonitor,
  withLiveView,
} from '../monitor/index.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs, workspace, env } = deps;
  const configFile = inputs.required('config');
  const ref = inputs.required('ref');
  const serverUrl = inputs.get('server-url').replace(/\/+$/, '');
  if (serverUrl && !/^https?:\/\//.test(serverUrl)) {
    throw new InputError(`server-url must be an http(s) URL, got "${serverUrl}"`);
  }
  const lines = (name: string) =>
    inputs
      .get(name)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const registryBackend = inputs.get('registry');
  if (registryBackend && registryBackend !== 'local' && registryBackend !== 'github') {
    throw new InputError(`registry must be local or github, got "${registryBackend}"`);
  }
  const issue = inputs.boolean('issue');
  const dispatch = inputs.boolean('dispatch');
  const label = inputs.required('issue-label');
  const loaded = loadConfig(`${workspace}/${configFile}`);
  const config = registryBackend
    ? { ...loaded, registry: { ...loaded.registry, backend: registryBackend as 'local' | 'github' } }
    : loaded;
  const name = inputs.get('model') || config.model.name;
  const registryEnv = { ...env, GITHUB_TOKEN: env.GITHUB_TOKEN || inputs.get('github-token') };

  let { report, path } = await deps.group('Monitor', async () => {
    const result = await runMonitor({
      config,
      cwd: workspace,
      env: registryEnv,
      model: name,
      ref,
      ...(lines('predictions').length > 0 ? { predictions: lines('predictions') } : {}),
      ...(lines('data').length > 0 ? { data: lines('data') } : {}),
      ...(lines('feedback').length > 0 ? { feedback: lines('feedback') } : {}),
      log: deps.log,
    });
    return result;
  });
  if (serverUrl) {
    const live = await fetchLiveView(serverUrl, name);
    report = withLiveView(report, live, serverUrl);
  }
  for (const warning of report.warnings) deps.annotate({ level: 'warning', title: 'Monitor', message: warning });

  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  let issueNumber = '';
  let dispatched = false;
  if (issue || (dispatch && report.retrain)) {
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (!owner || !repo) throw new InputError('GITHUB_REPOSITORY (owner/repo) is not set');
    if (issue) {
      const outcome = await publishHealth(deps.octokit(), { owner, repo }, report, {
        ...(runUrl ? { runUrl } : {}),
        label,
        dispatch,
      });
      issueNumber = String(outcome.issue.number);
      dispatched = outcome.dispatched;
      deps.log(`${outcome.issue.created ? 'opened' : 'updated'} ${outcome.issue.url}`);
    } else {
      const { retrainPayload, RETRAIN_EVENT } = await import('../monitor/index.ts');
      await deps.octokit().rest.repos.createDispatchEvent({
        owner,
        repo,
        event_type: RETRAIN_EVENT,
        client_payload: retrainPayload(report, runUrl),
      });
      dispatched = true;
    }
    if (dispatched) deps.log(`sent repository_dispatch "retrain": ${report.reasons.join('; ')}`);
  }

  await deps.summary(summaryOf(report, dispatched));
  deps.setOutput('retrain', report.retrain);
  deps.setOutput('severity', report.severity);
  deps.setOutput('reasons', report.reasons.join('\n'));
  deps.setOutput('report', path ?? '');
  deps.setOutput('issue-number', issueNumber);
  deps.setOutput('dispatched', dispatched);
}

async function fetchLiveView(url: string, name: string): Promise<LiveReport> {
  const target = `${url}/v2/models/${encodeURIComponent(name)}/monitor`;
  let response: Response;
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new InputError(`server-url: cannot reach ${target}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => null)) as LiveReport | { error?: string } | null;
  if (!response.ok || !body || !('input_drift' in body)) {
    const detail = body && 'error' in body ? body.error : `HTTP ${response.status}`;
    throw new InputError(`server-url: ${target} gave no monitoring view (${detail})`);
  }
  return body;
}

function summaryOf(report: MonitorReport, dispatched: boolean): string {
  const verdict = report.retrain ? '🔴 Retrain' : '🟢 No retrain';
  const lines = [
    `## Monitor: ${report.model.name} v${report.model.version} (${report.model.ref}) — ${verdict} (severity ${report.severity})`,
    '',
  ];
  for (const reason of report.decision.reasons)
    lines.push(`- ${reason.retrain ? '**retrain**: ' : ''}${reason.message}`);
  for (const note of report.decision.notes) lines.push(`- no verdict: ${note}`);
  if (dispatched) lines.push('', 'Sent `repository_dispatch` type `retrain`: CT starts with these reasons.');
  lines.push('', '```', ...inputDriftLines(report.input_drift), '', predictionDriftLine(report.prediction_drift), '');
  lines.push(...feedbackLines(report.feedback), '```');
  return `${lines.join('\n')}\n`;
}
