/**
 * The "Model health" issue and the retrain dispatch against the loopback GitHub fake (every request and response
 * checked against GitHub's OpenAPI description): created once, then edited with a growing history; the dispatch is
 * sent only for a retrain, with the reason CT records; a closed issue is reopened only when a retrain is due.
 */
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decide,
  type FeedbackQuality,
  HEALTH_LABEL,
  historyOf,
  type InputDrift,
  type MonitorReport,
  publishHealth,
} from '../../src/monitor/index.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';

let fake: FakeGitHub;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  fake = await startFakeGitHub();
  octokit = getOctokit('test-token', { baseUrl: fake.url });
});

afterEach(async () => {
  try {
    fake.assertNoViolations();
  } finally {
    await fake.close();
  }
});

function report(at: string, degraded: boolean): MonitorReport {
  const inputDrift: InputDrift = {
    status: 'ok',
    rows: 400,
    test: 'chi_squared',
    columns: [
      {
        column: 'body_mass_g',
        method: 'chi_squared',
        score: degraded ? 1e-9 : 0.4,
        threshold: 0.01,
        drifted: degraded,
      },
    ],
    skipped: [],
    drifted_columns: degraded ? 1 : 0,
    share: degraded ? 1 : 0,
    dataset_share: 0.5,
    dataset_drift: degraded,
  };
  const feedback: FeedbackQuality = {
    status: 'ok',
    files: ['data/feedback/labels.csv'],
    rows: 120,
    skipped: { missing_target: 0, unmatched_request: 0 },
    joined_by_request_id: false,
    metric: 'macro_f1',
    higher_is_better: true,
    feedback: degraded ? 0.71 : 0.96,
    holdout: 0.95,
    tolerance: 0.02,
    degraded,
    metrics: {},
    slices: [],
  };
  const decision = decide({ inputDrift, predictionDrift: { status: 'unavailable', reason: 'none' }, feedback });
  return {
    retrain: decision.retrain,
    severity: decision.severity,
    reasons: decision.reasons.filter((r) => r.retrain).map((r) => r.message),
    model: { name: 'penguins', version: 3, ref: 'production' },
    created_at: at,
    window: null,
    input_drift: inputDrift,
    prediction_drift: { status: 'unavailable', reason: 'none' },
    feedback,
    decision,
    warnings: [],
  };
}

describe('model health issue', () => {
  it('is created once with its label, then edited with the history; the dispatch carries the reasons', async () => {
    const repo = { owner: fake.owner, repo: fake.repo };
    fake.seedIssue({ title: 'Model health: penguins (a look-alike without the label)' });

    const first = await publishHealth(octokit, repo, report('2026-12-01T00:00:00.000Z', false), {
      runUrl: 'https://github.com/acme/ml/actions/runs/1',
    });
    expect(first).toMatchObject({ issue: { created: true }, dispatched: false });
    const issue = fake.issues.find((i) => i.number === first.issue.number)!;
    expect(issue.title).toBe('Model health: penguins');
    expect(issue.labels).toEqual([HEALTH_LABEL]);
    expect(issue.body).toMatch(/^## 🟢 Healthy — penguins v3 \(production\)/);
    expect(fake.dispatches).toEqual([]);

    const second = await publishHealth(octokit, repo, report('2026-12-02T00:00:00.000Z', true), {
      runUrl: 'https://github.com/acme/ml/actions/runs/2',
    });
    expect(second).toMatchObject({ issue: { number: first.issue.number, created: false }, dispatched: true });
    expect(fake.count('issues/create')).toBe(1);
    expect(fake.count('issues/update')).toBe(1);
    expect(fake.issues.filter((i) => i.title === 'Model health: penguins')).toHaveLength(1);
    expect(issue.body).toMatch(/^## 🔴 \*\*Retrain\*\* — penguins v3/);
    expect(issue.body).toMatch(
      /- \*\*retrain\*\*: macro_f1 on 120 feedback rows is 0\.7100, holdout 0\.9500 \(tolerance 0\.02\)/,
    );
    expect(issue.body).toMatch(
      /\| \[2026-12-02T00:00:00\.000Z\]\(https:\/\/github\.com\/acme\/ml\/actions\/runs\/2\) \| v3 \| retrain \| critical \|/,
    );
    expect(historyOf(issue.body).map((h) => h.at)).toEqual(['2026-12-02T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);

    expect(fake.dispatches).toHaveLength(1);
    const dispatch = fake.dispatches[0]!;
    expect(dispatch.eventType).toBe('retrain');
    expect(dispatch.clientPayload).toMatchObject({
      model: 'penguins',
      version: 3,
      severity: 'critical',
      monitor_run: 'https://github.com/acme/ml/actions/runs/2',
    });
    const payload = dispatch.clientPayload as { reason: string; reasons: string[] };
    expect(payload.reason).toMatch(
      /^monitor: macro_f1 on 120 feedback rows is 0\.7100.*; input drift: 1 of 1 columns drifted/,
    );
    expect(payload.reasons).toHaveLength(2);
  });

  it('keeps a closed issue closed while healthy, reopens it for a retrain, and can skip the dispatch', async () => {
    const repo = { owner: fake.owner, repo: fake.repo };
    const closed = fake.seedIssue({ title: 'Model health: penguins', labels: [HEALTH_LABEL], state: 'closed' });
    await publishHealth(octokit, repo, report('2026-12-03T00:00:00.000Z', false));
    expect(closed.state).toBe('closed');
    const outcome = await publishHealth(octokit, repo, report('2026-12-04T00:00:00.000Z', true), { dispatch: false });
    expect(outcome).toMatchObject({ issue: { number: closed.number, created: false }, dispatched: false });
    expect(closed.state).toBe('open');
    expect(fake.count('issues/create')).toBe(0);
    expect(fake.dispatches).toEqual([]);
  });

  it('keeps at most 20 history rows', async () => {
    const repo = { owner: fake.owner, repo: fake.repo };
    for (let day = 1; day <= 22; day++) {
      await publishHealth(octokit, repo, report(`2026-12-${String(day).padStart(2, '0')}T00:00:00.000Z`, false));
    }
    const history = historyOf(fake.issues[0]!.body);
    expect(history).toHaveLength(20);
    expect(history[0]!.at).toBe('2026-12-22T00:00:00.000Z');
    expect(fake.count('issues/create')).toBe(1);
  });
});
