/**
 * The report's plots as Vega-Lite specifications (pure data → spec), and their rendering to SVG by Vega's
 * headless renderer. Each chart's data are the report's own numbers, so a test can read them back from the spec.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RunReport } from './types.ts';

export interface Chart {
  /** Stable id (also the anchor in report.html). */
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/** Feature importance and drift plots show at most this many columns (the largest). */
export const MAX_BARS = 30;

const WIDTH = 360;
const HEIGHT = 240;
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  // Headless Vega estimates text widths; generous limits keep labels (column names, class names) whole.
  config: {
    font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
    view: { stroke: null },
    axis: { labelLimit: 240 },
    legend: { labelLimit: 400 },
  },
} as const;

export function confusionMatrixChart(report: RunReport): Chart | null {
  const cm = report.evaluation?.classification?.confusion_matrix;
  if (!cm) return null;
  const values = cm.matrix.flatMap((row, a) =>
    row.map((rows, p) => ({ actual: cm.labels[a]!, predicted: cm.labels[p]!, rows })),
  );
  const size = Math.min(420, Math.max(160, 40 * cm.labels.length));
  return {
    id: 'confusion-matrix',
    title: 'Confusion matrix (holdout rows)',
    spec: {
      ...base,
      width: size,
      height: size,
      data: { values },
      encoding: {
        x: { field: 'predicted', type: 'nominal', sort: cm.labels, title: 'predicted' },
        y: { field: 'actual', type: 'nominal', sort: cm.labels, title: 'actual' },
      },
      layer: [
        {
          mark: 'rect',
          encoding: { color: { field: 'rows', type: 'quantitative', scale: { scheme: 'blues' }, title: 'rows' } },
        },
        {
          mark: { type: 'text', fontSize: 12 },
          encoding: {
            text: { field: 'rows', type: 'quantitative' },
            color: {
              condition: { test: `datum.rows > ${Math.max(...cm.matrix.flat()) / 2}`, value: 'white' },
              value: 'black',
            },
          },
        },
      ],
    },
  };
}

function curveChart(report: RunReport, kind: 'roc' | 'pr'): Chart | null {
  if (report.curves.length === 0) return null;
  const values = report.curves.flatMap((c) =>
    (kind === 'roc' ? c.roc : c.pr).map((p, order) => ({
      curve:
        kind === 'roc' ? `${c.label} (AUC ${c.auc.toFixed(3)})` : `${c.label} (AP ${c.averagePrecision.toFixed(3)})`,
      x: p.x,
      y: p.y,
      order,
    })),
  );
  const oneVsRest =
    report.curves.length > 1 ? ', one class vs the rest' : ` (positive class ${report.curves[0]!.label})`;
  const roc = kind === 'roc';
  return {
    id: kind,
    title: roc ? `ROC curve${oneVsRest}` : `Precision–recall curve${oneVsRest}`,
    spec: {
      ...base,
      width: WIDTH,
      height: WIDTH,
      layer: [
        {
          data: { values },
          mark: { type: 'line', interpolate: roc ? 'linear' : 'step-before' },
          encoding: {
            x: {
              field: 'x',
              type: 'quantitative',
              title: roc ? 'false positive rate' : 'recall',
              scale: { domain: [0, 1] },
            },
            y: {
              field: 'y',
              type: 'quantitative',
              title: roc ? 'true positive rate' : 'precision',
              scale: { domain: [0, 1] },
            },
            color: { field: 'curve', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1 } },
            order: { field: 'order', type: 'quantitative' },
          },
        },
        ...(roc
          ? [
              {
                data: {
                  values: [
                    { x: 0, y: 0 },
                    { x: 1, y: 1 },
                  ],
                },
                mark: { type: 'line' as const, strokeDash: [4, 4], color: '#999' },
                encoding: {
                  x: { field: 'x', type: 'quantitative' as const },
                  y: { field: 'y', type: 'quantitative' as const },
                },
              },
            ]
          : []),
      ],
    },
  };
}

export const rocChart = (report: RunReport) => curveChart(report, 'roc');
export const precisionRecallChart = (report: RunReport) => curveChart(report, 'pr');

export function predictedVsActualChart(report: RunReport): Chart | null {
  if (report.regressionPoints.length === 0) return null;
  const all = report.regressionPoints.flatMap((p) => [p.actual, p.predicted]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return {
    id: 'predicted-vs-actual',
    title: `Predicted vs actual (${report.regressionPoints.length} holdout rows)`,
    spec: {
      ...base,
      width: WIDTH,
      height: WIDTH,
      layer: [
        {
          data: { values: report.regressionPoints.map((p) => ({ ...p })) },
          mark: { type: 'point', filled: true, opacity: 0.5, size: 16 },
          encoding: {
            x: { field: 'actual', type: 'quantitative', scale: { domain: [lo, hi] } },
            y: { field: 'predicted', type: 'quantitative', scale: { domain: [lo, hi] } },
          },
        },
        {
          data: {
            values: [
              { actual: lo, predicted: lo },
              { actual: hi, predicted: hi },
            ],
          },
          mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
          encoding: { x: { field: 'actual', type: 'quantitative' }, y: { field: 'predicted', type: 'quantitative' } },
        },
      ],
    },
  };
}

export function residualsChart(report: RunReport): Chart | null {
  if (report.regressionPoints.length === 0) return null;
  const values = report.regressionPoints.map((p) => ({ predicted: p.predicted, residual: p.actual - p.predicted }));
  return {
    id: 'residuals',
    title: 'Residuals (actual − predicted) against the prediction',
    spec: {
      ...base,
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values },
          mark: { type: 'point', filled: true, opacity: 0.5, size: 16 },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', scale: { zero: false } },
            y: { field: 'residual', type: 'quantitative' },
          },
        },
        {
          data: { values: [{ residual: 0 }] },
          mark: { type: 'rule', color: '#999' },
          encoding: { y: { field: 'residual', type: 'quantitative' } },
        },
      ],
    },
  };
}

export function featureImportanceChart(report: RunReport): Chart | null {
  const importance = report.evaluation?.importance;
  if (!importance || importance.features.length === 0) return null;
  const shown = importance.features.slice(0, MAX_BARS);
  const more = importance.features.length - shown.length;
  return {
    id: 'feature-importance',
    title: `Feature importance (${importance.method.replaceAll('_', ' ')})${more > 0 ? `, top ${shown.length} of ${importance.features.length}` : ''}`,
    spec: {
      ...base,
      width: WIDTH,
      height: { step: 16 },
      data: { values: shown.map((f) => ({ ...f })) },
      mark: 'bar',
      encoding: {
        y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
        x: { field: 'importance', type: 'quantitative', title: 'share of importance' },
      },
    },
  };
}

export function lossChart(report: RunReport): Chart | null {
  if (report.history.length === 0) return null;
  const values = report.history.flatMap((h) => [
    { iteration: h.iteration, set: 'training', loss: h.train },
    ...(h.valid === null ? [] : [{ iteration: h.iteration, set: 'validation', loss: h.valid }]),
  ]);
  const rounds = report.lineage.algorithm === 'gbdt' ? 'boosting round' : 'iteration';
  return {
    id: 'loss',
    title: `${report.lossName ?? 'Loss'} per ${rounds}`,
    spec: {
      ...base,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: 'line',
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: rounds },
        y: { field: 'loss', type: 'quantitative', title: report.lossName ?? 'loss', scale: { type: 'log' } },
        color: { field: 'set', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
    },
  };
}

export function driftChart(report: RunReport): Chart | null {
  const drift = report.validation?.drift;
  if (!drift || drift.columns.length === 0) return null;
  const ranked = [...drift.columns].sort((a, b) => b.score / b.threshold - a.score / a.threshold);
  const shown = ranked.slice(0, MAX_BARS);
  const values = shown.map((c) => ({
    column: c.column,
    method: c.method === 'psi' ? 'PSI' : 'Jensen–Shannon',
    score: c.score,
    threshold: c.threshold,
    status: c.drifted ? 'drifted' : 'stable',
  }));
  return {
    id: 'drift',
    title: `Drift per column against production's training data${ranked.length > shown.length ? ` (top ${shown.length} of ${ranked.length})` : ''}`,
    spec: {
      ...base,
      width: WIDTH,
      height: { step: 16 },
      data: { values },
      encoding: {
        y: { field: 'column', type: 'nominal', sort: { field: 'score', op: 'max', order: 'descending' }, title: null },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'score', type: 'quantitative', title: 'drift score (PSI or Jensen–Shannon distance)' },
            color: {
              field: 'status',
              type: 'nominal',
              scale: { domain: ['stable', 'drifted'], range: ['#4c78a8', '#e45756'] },
              title: null,
              legend: { orient: 'bottom' },
            },
            tooltip: [{ field: 'method' }, { field: 'score' }, { field: 'threshold' }],
          },
        },
        {
          mark: { type: 'tick', color: 'black', thickness: 2 },
          encoding: { x: { field: 'threshold', type: 'quantitative' } },
        },
      ],
    },
  };
}

/** Every chart the report has data for, in reading order. */
export function reportCharts(report: RunReport): Chart[] {
  return [
    confusionMatrixChart(report),
    rocChart(report),
    precisionRecallChart(report),
    predictedVsActualChart(report),
    residualsChart(report),
    featureImportanceChart(report),
    lossChart(report),
    driftChart(report),
  ].filter((c): c is Chart => c !== null);
}
