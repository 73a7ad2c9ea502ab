/**
 * The monitor action run as the runner runs it (test/helpers/actions-runner.ts) on a checkout with a registered
 * model, against the loopback GitHub fake (every request checked against GitHub's OpenAPI description) and a
 * live Conveyor server: bad feedback and drifted live traffic → job summary, the "Model health" issue opened, the
 * retrain dispatch sent with its reasons; healthy feedback the next day → the same issue edited, no dispatch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerReason } from '../../src/actions/trigger.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadData } from '../../src/data/index.ts';
import type { Table } from '../../src/data/types.ts';
import { runPipeline } from '../../src/pipeline/index.ts';
import { githubContext } from '../../src/pipeline/run-record.ts';
import { startServer } from '../../src/serve/index.ts';
import type { RunningServer } from '../../src/serve/types.ts';
import { runAction } from '../helpers/actions-runner.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { makeWorkspace, type Workspace } from '../helpers/workspace.ts';
import { oipInputs, postJson } from '../serve/models.ts';

let workspace: Workspace;
let fake: FakeGitHub;
let server: RunningServer;
let penguins: Table;

/** Feedback rows: the bundled data with the species column rotated (wrong labels) or as it is. */
function feedbackCsv(wrong: boolean): string {
  const species = penguins.columns.find((c) => c.name === 'species')!;
  const names = penguins.columns.map((c) => c.name);
  const lines = [names.join(',')];
  for (let r = 0; r < penguins.rowCount; r++) {
    const cells = penguins.columns.map((c) => {
      if (c.type === 'categorical') {
        if (c.codes[r]! < 0) return '';
        const k = c === species && wrong ? (c.codes[r]! + 1) % c.categories.length : c.codes[r]!;
        return c.categories[k]!;
      }
      return Number.isNaN(c.values[r]!) ? '' : String(c.values[r]);
    });
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  workspace = makeWorkspace();
  await runPipeline({ configFile: 'conveyor.yml', cwd: workspace.dir, env: { ...process.env, GITHUB_ACTIONS: '' } });
  penguins = (await loadData({ paths: ['data/penguins/*.csv'], cwd: workspace.dir })).table;
  fake = await startFakeGitHub();
  const config = loadConfig(`${workspace.dir}/conveyor.yml`);
  server = await startServer({
    source: { kind: 'dir', path: `${workspace.dir}/models/penguins/v1` },
    port: 0,
    logger: 'silent',
    monitor: config.monitor,
  });
  // Live traffic from heavier birds than any in training.
  const signature = {
    task: 'classification' as const,
    target: 'species',
    features: ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'].map((name) => ({
      name,
      type: ['island', 'sex'].includes(name) ? ('categorical' as const) : ('numeric' as const),
    })),
  };
  const heavy: Table = {
    ...penguins,
    columns: penguins.columns.map((c) =>
      c.type === 'numeric' && c.name === 'body_mass_g' ? { ...c, values: c.values.map((v) => v + 3000) } : c,
    ),
  };
  for (let start = 0; start < heavy.rowCount; start += 8) {
    const response = await postJson(`${server.url}/v2/models/penguins/infer`, {
      inputs: oipInputs(signature, heavy, start, Math.min(start + 8, heavy.rowCount)),
    });
    expect(response.status).toBe(200);
  }
}, 180_000);

afterAll(async () => {
  await server?.close();
  try {
    fake?.assertNoViolations();
  } finally {
    await fake?.close();
    workspace?.remove();
  }
});

function monitorStep(inputs: Record<string, string>, runId: string) {
  return runAction({
    action: 'actions/monitor',
    workspace: workspace.dir,
    inputs: { registry: 'local', 'github-token': 'test-token', ...inputs },
    event: { name: 'schedule', payload: { schedule: '23 5 * * *' } },
    github: { repository: `${fake.owner}/${fake.repo}`, apiUrl: fake.url, runId, token: 'test-token' },
  });
}

describe('monitor action', () => {
  it('reports, opens the health issue and sends the retrain dispatch with the reasons', async () => {
    workspace.write('data/feedback/labels.csv', feedbackCsv(true));
    const step = await monitorStep({ 'server-url': server.url }, '101');
    expect(step.stderr).toBe('');
    expect(step.exitCode).toBe(0);
    expect(step.outputs).toMatchObject({
      retrain: 'true',
      severity: 'critical',
      dispatched: 'true',
      'issue-number': '1',
    });
    expect(step.outputs.reasons).toMatch(/^macro_f1 on 344 feedback rows is 0\.\d{4}, holdout 0\.9\d{3}/);
    // The live server's window is the drift source: its shifted column is reported (one of six: no data-set drift).
    expect(step.summary).toMatch(/- column body_mass_g drifted: chi-squared p = /);
    expect(step.summary).toMatch(/## Monitor: penguins v1 \(production\) — 🔴 Retrain \(severity critical\)/);
    expect(step.summary).toMatch(/body_mass_g +chi2 p-value/);
    expect(fake.issues).toHaveLength(1);
    expect(fake.issues[0]).toMatchObject({ title: 'Model health: penguins', labels: ['model-health'], state: 'open' });
    expect(fake.dispatches).toHaveLength(1);
    expect(fake.dispatches[0]!.eventType).toBe('retrain');
    expect(fake.dispatches[0]!.clientPayload).toMatchObject({ model: 'penguins', version: 1, severity: 'critical' });
    expect((fake.dispatches[0]!.clientPayload as { reason: string }).reason).toMatch(/^monitor: macro_f1 on 344/);
    expect((fake.dispatches[0]!.clientPayload as { monitor_run: string }).monitor_run).toMatch(/\/actions\/runs\/101$/);

    // Closing the loop: the CT run this dispatch starts records trigger "monitor" and the monitor's reasons.
    const eventPath = `${workspace.dir}/dispatch-event.json`;
    workspace.write(
      'dispatch-event.json',
      JSON.stringify({ action: 'retrain', client_payload: fake.dispatches[0]!.clientPayload }),
    );
    const ctEnv = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'repository_dispatch',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_RUN_ID: '200',
      GITHUB_REPOSITORY: 'acme/ml',
    };
    expect(githubContext(ctEnv)?.trigger).toBe('monitor');
    expect(triggerReason(ctEnv, '')).toMatch(/^monitor: macro_f1 on 344 feedback rows is 0\.\d{4}/);
  });

  it('edits the same issue the next time and sends no dispatch when healthy', async () => {
    workspace.write('data/feedback/labels.csv', feedbackCsv(false));
    const step = await monitorStep({}, '102');
    expect(step.exitCode).toBe(0);
    expect(step.outputs).toMatchObject({ retrain: 'false', dispatched: 'false', 'issue-number': '1' });
    expect(fake.count('issues/create')).toBe(1);
    expect(fake.count('issues/update')).toBe(1);
    expect(fake.dispatches).toHaveLength(1);
    expect(fake.issues[0]!.body).toMatch(/\| v1 \| ok \| none \|[\s\S]*\| v1 \| retrain \| critical \|/);
  });

  it('fails the step with a clear error when the server cannot be reached', async () => {
    const step = await monitorStep({ 'server-url': 'http://127.0.0.1:9' }, '103');
    expect(step.exitCode).toBe(2);
    expect(step.annotations[0]).toMatchObject({ level: 'error', title: 'Invalid input' });
    expect(step.annotations[0]!.message).toMatch(
      /server-url: cannot reach http:\/\/127\.0\.0\.1:9\/v2\/models\/penguins\/monitor/,
    );
  });
});
