/**
 * Run reports of real pipeline runs: the numbers and deltas against evaluation.json and the baseline
 * evaluation, the better/worse marks against the metrics table, the plots' data against the evaluation, a
 * report for a refused run, and one self-contained HTML page.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/evaluate/index.ts';
import { artifactPath } from '../../src/pipeline/index.ts';
import type { RunReport } from '../../src/report/index.ts';
import { buildRunReport, readRunFiles, reportCharts, SAME_WITHIN, writeRunReport } from '../../src/report/index.ts';
import { type ScratchRepo, scratchRepo } from './scratch-repo.ts';

let repo: ScratchRepo;
let first: string;
let second: string;
let refused: string;

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** The data of a chart's spec: top-level, or of its first layer. */
function chartData(report: RunReport, id: string): Record<string, unknown>[] {
  const chart = reportCharts(report).find((c) => c.id === id);
  expect(chart, `chart ${id}`).toBeDefined();
  const spec = chart!.spec as { data?: { values: unknown[] }; layer?: { data?: { values: unknown[] } }[] };
  return (spec.data?.values ?? spec.layer![0]!.data!.values) as Record<string, unknown>[];
}

/** Cells of the Markdown table row whose first cell contains `label`. */
function markdownRow(markdown: string, label: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith('|') && l.split('|')[1]!.includes(label));
  expect(line, `row ${label}`).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}
const parseNumber = (text: string) => Number(text.replace('−', '-'));

beforeAll(async () => {
  repo = scratchRepo();
  first = (await repo.run('first')).dir;
  // A different model on the same data: every metric moves, and blessing compares it with v1.
  second = (
    await repo.run('second', {
      trainer: { algorithm: 'linear', params: {} },
      validation: { model: { tolerance: 1, slice_tolerance: 1 } },
    })
  ).dir;
  const outcome = await repo.run('refused', { validation: { model: { thresholds: { accuracy: { min: 0.9999 } } } } });
  expect(outcome.error).toBeDefined();
  refused = outcome.dir;
}, 120_000);

afterAll(() => repo.remove());

describe('run report', () => {
  it('is written by the pipeline for every run, including the refused one', async () => {
    for (const dir of [first, second, refused]) {
      expect(existsSync(artifactPath(dir, 'report-md'))).toBe(true);
      expect(existsSync(artifactPath(dir, 'report-html'))).toBe(true);
    }
  });

  it('puts the candidate next to production on the same holdout, with deltas and marks from the metrics table', async () => {
    const at = (name: Parameters<typeof artifactPath>[1]) => artifactPath(second, name);
    const evaluation = readJson(at('evaluation'));
    const baseline = readJson(at('baseline-evaluation'));
    const report = buildRunReport(await readRunFiles(second));
    expect(report.baselineVersion).toBe('v1');
    expect(baseline.version).toBe('v1');
    const markdown = readFileSync(at('report-md'), 'utf8');
    let moved = 0;
    for (const name of Object.keys(evaluation.metrics)) {
      const row = report.metrics.find((m) => m.metric === name)!;
      const candidate = evaluation.metrics[name];
      const production = baseline.report.metrics[name];
      expect(row.candidate).toBe(candidate);
      expect(row.production).toBe(production);
      expect(row.delta).toBeCloseTo(candidate - production, 12);
      const improved = METRICS[name as keyof typeof METRICS].higherIsBetter
        ? candidate > production
        : candidate < production;
      const expected = Math.abs(candidate - production) < SAME_WITHIN ? 'same' : improved ? 'better' : 'worse';
      expect(row.verdict).toBe(expected);
      if (expected !== 'same') moved++;
      // The Markdown row shows the same numbers (to four decimals) and mark.
      const cells = markdownRow(markdown, name);
      expect(parseNumber(cells[1]!)).toBeCloseTo(candidate, 4);
      expect(parseNumber(cells[2]!)).toBeCloseTo(production, 4);
      expect(parseNumber(cells[3]!)).toBeCloseTo(candidate - production, 4);
      expect(cells[4]).toContain(expected);
    }
    expect(moved).toBeGreaterThan(0);
    expect(report.metrics[0]!.metric).toBe(readJson(at('blessing')).primary_metric);
  });

  it('compares every slice on the primary metric with production', async () => {
    const at = (name: Parameters<typeof artifactPath>[1]) => artifactPath(second, name);
    const evaluation = readJson(at('evaluation'));
    const baseline = readJson(at('baseline-evaluation')).report;
    const primary = readJson(at('blessing')).primary_metric;
    const report = buildRunReport(await readRunFiles(second));
    const expected = evaluation.slices.flatMap(
      (s: { column: string; values: { value: string | null; metrics: Record<string, number | null> }[] }) =>
        s.values.map((v) => {
          const base = baseline.slices
            .find((b: { column: string }) => b.column === s.column)
            .values.find((b: { value: string | null }) => b.value === v.value);
          return {
            column: s.column,
            value: v.value,
            candidate: v.metrics[primary],
            production: base?.metrics[primary] ?? null,
          };
        }),
    );
    expect(
      report.slices.map(({ column, value, candidate, production }) => ({ column, value, candidate, production })),
    ).toEqual(expected);
  });

  it('names the failed check of a refused run and keeps its numbers', async () => {
    const report = buildRunReport(await readRunFiles(refused));
    expect(report.outcome).toBe('not blessed');
    const blessing = readJson(artifactPath(refused, 'blessing'));
    const failed = blessing.checks.find((c: { passed: boolean }) => !c.passed);
    expect(failed.name).toBe('threshold:accuracy:min');
    const markdown = readFileSync(artifactPath(refused, 'report-md'), 'utf8');
    expect(markdown).toContain(': not blessed');
    // Failed checks come first in the blessing table.
    const cells = markdownRow(markdown, '❌');
    expect(cells[1]).toBe('`threshold:accuracy:min`');
    expect(parseNumber(cells[2]!)).toBeCloseTo(failed.candidate, 4);
    expect(report.stages.find((s) => s.name === 'register')!.status).toBe('not run');
  });

  it("plots the evaluation: confusion matrix, one-vs-rest ROC with evaluation's AUC, importance, loss per round, drift", async () => {
    const at = (name: Parameters<typeof artifactPath>[1]) => artifactPath(second, name);
    const evaluation = readJson(at('evaluation'));
    const report = buildRunReport(await readRunFiles(second));
    const ids = reportCharts(report).map((c) => c.id);
    expect(ids).toEqual(['confusion-matrix', 'roc', 'pr', 'feature-importance', 'loss', 'drift']);

    const { labels, matrix } = evaluation.classification.confusion_matrix;
    const cells = chartData(report, 'confusion-matrix');
    expect(cells).toHaveLength(labels.length ** 2);
    for (const cell of cells) {
      expect(cell.rows).toBe(matrix[labels.indexOf(cell.actual)][labels.indexOf(cell.predicted)]);
    }

    // One curve per class; the mean one-vs-rest AUC is evaluation's roc_auc.
    expect(report.curves.map((c) => c.label)).toEqual(labels);
    const meanAuc = report.curves.reduce((s, c) => s + c.auc, 0) / report.curves.length;
    expect(meanAuc).toBeCloseTo(evaluation.metrics.roc_auc, 12);
    for (const curve of report.curves) {
      expect(curve.positives).toBe(
        evaluation.classification.per_class.find((p: { class: string }) => p.class === curve.label).support,
      );
      expect(curve.positives + curve.negatives).toBe(evaluation.rows);
    }
    const roc = chartData(report, 'roc');
    expect(new Set(roc.map((p) => p.curve)).size).toBe(labels.length);

    expect(chartData(report, 'feature-importance')).toEqual(evaluation.importance.features.slice(0, 30));

    const train = readJson(at('training'));
    const loss = chartData(report, 'loss');
    expect(loss.filter((p) => p.set === 'training').map((p) => p.loss)).toEqual(
      train.history.map((h: { trainLoss: number }) => h.trainLoss),
    );

    const drift = readJson(at('validation')).drift;
    const bars = chartData(report, 'drift');
    expect(bars.map((b) => b.column).sort()).toEqual(drift.columns.map((c: { column: string }) => c.column).sort());
    for (const bar of bars)
      expect(bar.score).toBe(drift.columns.find((c: { column: string }) => c.column === bar.column).score);
  });

  it('writes one self-contained HTML page with an SVG per chart and no network references', async () => {
    const written = await writeRunReport(second);
    const html = readFileSync(written.htmlPath, 'utf8');
    expect(written.charts.length).toBe(6);
    for (const { chart } of written.charts) {
      const figure = html.slice(html.indexOf(`id="chart-${chart.id}"`));
      expect(figure.slice(0, figure.indexOf('</figure>'))).toMatch(/<svg[^>]*class="marks"[\s\S]*<path|<rect/);
    }
    expect(html).not.toMatch(/<script|<link|<img|src=|@import/i);
    // The only URLs are XML namespaces.
    const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
  });
});

describe('run report of a run stopped by data validation', () => {
  it('lists the anomaly with its file and line, and the stages that did not run', async () => {
    const bad = join(repo.dir, 'data/bad');
    cpSync(join(repo.dir, 'data/penguins'), bad, { recursive: true });
    const file = join(bad, 'batch-03.csv');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, `${text}Gentoo,Biscoe,not-a-number,15.0,220,5000,MALE\n`);
    const line = text.split('\n').filter(Boolean).length + 1;
    const { dir, error } = await repo.run('bad-data', { data: { path: 'data/bad/*.csv', target: 'species' } });
    expect(error).toBeDefined();
    const validation = readJson(artifactPath(dir, 'validation'));
    const anomaly = validation.anomalies.find((a: { severity: string }) => a.severity === 'error');
    expect(anomaly).toMatchObject({
      kind: 'type_mismatch',
      column: 'bill_length_mm',
      file: 'data/bad/batch-03.csv',
      line,
    });
    const report = buildRunReport(await readRunFiles(dir));
    expect(report.outcome).toBe('failed');
    expect(report.stages.map((s) => s.status)).toEqual([
      'failed',
      'not run',
      'not run',
      'not run',
      'not run',
      'not run',
      'not run',
    ]);
    const markdown = readFileSync(artifactPath(dir, 'report-md'), 'utf8');
    expect(markdown).toContain('### Data validation: failed');
    const cells = markdownRow(markdown, 'error');
    expect(cells.slice(0, 4)).toEqual(['error', 'type_mismatch', 'bill_length_mm', `data/bad/batch-03.csv:${line}`]);
    expect(readFileSync(artifactPath(dir, 'report-html'), 'utf8')).toContain(`data/bad/batch-03.csv:${line}`);
  });
});

describe('run report of other task kinds', () => {
  it("regression: predicted vs actual and residuals from the holdout, matching evaluation's RMSE", async () => {
    const { dir, error } = await repo.run('regression', {
      data: { path: 'data/penguins/*.csv', target: 'body_mass_g', schema: 'data/schema-mass.json' },
      registry: { backend: 'local', path: 'models-mass' },
    });
    expect(error).toBeUndefined();
    const evaluation = readJson(artifactPath(dir, 'evaluation'));
    const report = buildRunReport(await readRunFiles(dir));
    expect(reportCharts(report).map((c) => c.id)).toEqual([
      'predicted-vs-actual',
      'residuals',
      'feature-importance',
      'loss',
    ]);
    const points = chartData(report, 'predicted-vs-actual') as { actual: number; predicted: number }[];
    expect(points).toHaveLength(evaluation.rows);
    const rmse = Math.sqrt(points.reduce((s, p) => s + (p.actual - p.predicted) ** 2, 0) / points.length);
    expect(rmse).toBeCloseTo(evaluation.metrics.rmse, 9);
    const residuals = chartData(report, 'residuals') as { residual: number }[];
    expect(Math.max(...residuals.map((r) => r.residual))).toBeCloseTo(evaluation.regression.residuals.max, 9);
    expect(Math.min(...residuals.map((r) => r.residual))).toBeCloseTo(evaluation.regression.residuals.min, 9);
    expect(report.metrics.map((m) => m.metric)).toEqual(['rmse', 'mae', 'r2']);
  });

  it("binary classification: one ROC and PR curve for the second class, AUC as evaluation's", async () => {
    const { dir, error } = await repo.run('binary', {
      // One penguin's sex is recorded as "."; read as missing, its row is dropped and two classes remain.
      data: {
        path: 'data/penguins/*.csv',
        target: 'sex',
        schema: 'data/schema-sex.json',
        missing_values: ['', 'NA', '.'],
      },
      evaluation: { slices: ['island'] },
      registry: { backend: 'local', path: 'models-sex' },
    });
    expect(error).toBeUndefined();
    const evaluation = readJson(artifactPath(dir, 'evaluation'));
    const report = buildRunReport(await readRunFiles(dir));
    expect(evaluation.classes).toHaveLength(2);
    expect(report.curves).toHaveLength(1);
    expect(report.curves[0]!.label).toBe(evaluation.classes[1]);
    expect(report.curves[0]!.auc).toBeCloseTo(evaluation.metrics.roc_auc, 12);
    const pr = chartData(report, 'pr') as { x: number; y: number }[];
    expect(pr[pr.length - 1]!.x).toBe(1);
  });
});
