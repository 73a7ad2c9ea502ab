/**
 * report.md stays within GitHub's limits on a wide run (200 slice values, 300 columns): the comment limit
 * (65,536 characters) and the step summary limit (1 MiB), keeping the decision and the metrics, cutting
 * tables to their most telling rows, and pointing at the full HTML report.
 */
import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../src/evaluate/index.ts';
import { buildRunReport, COMMENT_LIMIT, type RunFiles, renderMarkdown, SUMMARY_LIMIT } from '../../src/report/index.ts';
import type { ValidationReport } from '../../src/validate/index.ts';
import type { Blessing } from '../../src/validate-model/index.ts';

const COLUMNS = 300;
const SLICE_VALUES = 200;

function wideRun(): RunFiles {
  const columns = Array.from({ length: COLUMNS }, (_, i) => `feature_with_a_long_name_${String(i).padStart(3, '0')}`);
  const sliceValues = (shift: number) =>
    Array.from({ length: SLICE_VALUES }, (_, i) => ({
      value: `segment-${i}`,
      rows: 40 + i,
      small: false,
      metrics: { rmse: 10 + i / 10 + shift, mae: 8, r2: 0.5 },
    }));
  const evaluation = (shift: number): EvaluationReport => ({
    task: 'regression',
    target: 'y',
    model_kind: 'gbdt',
    rows: 50_000,
    classes: null,
    metrics: { rmse: 12 + shift, mae: 9, r2: 0.6 },
    higher_is_better: { rmse: false, mae: false, r2: true },
    log_loss_eps: null,
    classification: null,
    regression: { residuals: { mean: 0, std: 1, min: -3, p05: -2, p25: -1, median: 0, p75: 1, p95: 2, max: 3 } },
    slices: [{ column: 'segment', min_rows: 30, values: sliceValues(shift) }],
    importance: {
      method: 'total_gain',
      features: columns.map((feature, i) => ({ feature, importance: (COLUMNS - i) / ((COLUMNS * (COLUMNS + 1)) / 2) })),
    },
  });
  // The worst slice is the last one: a cut table must still show it.
  const candidate = evaluation(0);
  candidate.slices[0]!.values[SLICE_VALUES - 1]!.metrics.rmse = 99;
  const validation = {
    ok: true,
    errors: 0,
    warnings: COLUMNS,
    anomalies: columns.map((column, i) => ({
      kind: 'unseen_category' as const,
      severity: 'warning' as const,
      column,
      file: 'data/batch-07.csv',
      line: 1000 + i,
      message: `data/batch-07.csv:${1000 + i}: column "${column}" has categories the schema does not list: "x${i}", "y${i}" and 12 more`,
    })),
    drift: {
      columns: columns.map((column, i) => ({
        column,
        method: 'psi' as const,
        score: i / 1000,
        threshold: 0.2,
        drifted: i > 200,
      })),
      skipped: [],
      drifted_columns: 99,
      share: 0.33,
      dataset_share: 0.5,
      dataset_drift: false,
    },
  } as unknown as ValidationReport;
  const blessing: Blessing = {
    blessed: false,
    primary_metric: 'rmse',
    higher_is_better: false,
    baseline_version: 'v7',
    tolerance: 0.01,
    slice_tolerance: 0.05,
    checks: candidate.slices[0]!.values.map((v, i) => ({
      name: `slice:segment=${v.value}:rmse`,
      kind: 'slice' as const,
      passed: i !== SLICE_VALUES - 1,
      candidate: v.metrics.rmse ?? null,
      baseline: 10 + i / 10 + 1,
      threshold: 10 + i / 10 + 1.05,
      message: `slice segment=${v.value}: rmse ${v.metrics.rmse} vs production v7`,
    })),
    reasons: ['slice segment=segment-199: rmse 99 vs production v7'],
    notes: [],
  };
  return {
    dir: '/runs/wide',
    record: {
      id: 'wide',
      created_at: '2026-12-01T00:00:00.000Z',
      config_file: 'conveyor.yml',
      conveyor_version: '0.1.0',
      git: { commit: 'a'.repeat(40), branch: 'main' },
      github: null,
      stages: { 'validate-data': { status: 'done', started_at: '2026-12-01T00:00:00.000Z', duration_ms: 1200 } },
    },
    reason: null,
    image: null,
    config: null,
    data: null,
    validation,
    digest: 'b'.repeat(64),
    split: { method: 'hash', train_rows: 200_000, holdout_rows: 50_000 },
    train: {
      algorithm: 'gbdt',
      params: {},
      summary: { loss: 'l2' },
      history: Array.from({ length: 5000 }, (_, i) => ({
        iteration: i + 1,
        trainLoss: 1 / (i + 1),
        validLoss: 1.1 / (i + 1),
      })),
    },
    evaluation: candidate,
    parity: null,
    blessing,
    baseline: evaluation(1),
    registration: null,
    predictions: null,
  };
}

describe('report.md limits', () => {
  const report = buildRunReport(wideRun());

  it('fits a pull-request comment, marker included, with the decision, the metrics and the worst slice', () => {
    const marker = '<!-- conveyor-report -->\n';
    const markdown = renderMarkdown(report, { preamble: marker, fullReportUrl: 'https://example.test/report.html' });
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(markdown.startsWith(marker)).toBe(true);
    expect(markdown).toContain(': not blessed');
    expect(markdown).toMatch(/\| \*\*rmse\*\* ↓ \| 12\.0000 \| 13\.0000 \| −1\.0000 \| ▲ better \|/);
    expect(markdown).toContain('segment=segment-199');
    expect(markdown).toMatch(/more slices in the full report/);
    expect(markdown).toContain('(https://example.test/report.html)');
    // Every Mermaid block is closed.
    expect((markdown.match(/```/g) ?? []).length % 2).toBe(0);
  });

  it('fits a step summary, with more rows than the comment', () => {
    const summary = renderMarkdown(report, { limit: SUMMARY_LIMIT });
    const comment = renderMarkdown(report);
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(summary.length).toBeGreaterThan(comment.length);
    expect(summary).toContain('feature_with_a_long_name_299');
  });

  it('degrades to the top of the report and a link when even short tables do not fit', () => {
    const markdown = renderMarkdown(report, { limit: 3000, fullReportUrl: 'https://example.test/report.html' });
    expect(markdown.length).toBeLessThanOrEqual(3000);
    expect(markdown).toContain(': not blessed');
    expect(markdown).toContain('### Candidate vs production');
    expect(markdown).toContain(
      'too large for here; the rest is in [the full report](https://example.test/report.html)',
    );
    expect(markdown).not.toContain('### Stage timings');
  });
});
