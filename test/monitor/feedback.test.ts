/**
 * Feedback rows: joined with the prediction log by request id (the k-th feedback row of a request takes its k-th
 * logged row), rows without a target or without a logged request left out and counted, a clear error when neither
 * features nor a request id are there; and the verdict on the primary metric and slices against the holdout.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import type { EvaluationReport } from '../../src/evaluate/index.ts';
import type { ModelSignature } from '../../src/model/types.ts';
import { buildColumn, feedbackQuality, feedbackRows, type LogWindow } from '../../src/monitor/index.ts';

const signature: ModelSignature = {
  task: 'classification',
  target: 'species',
  features: [
    { name: 'island', type: 'categorical' },
    { name: 'mass', type: 'numeric' },
  ],
  classes: ['Adelie', 'Gentoo'],
};

const log: LogWindow = {
  inputs: {
    rowCount: 4,
    columns: [
      buildColumn('island', 'categorical', ['Biscoe', 'Dream', 'Torgersen', 'Biscoe']),
      buildColumn('mass', 'numeric', [1, 2, 3, 4]),
    ],
  },
  labels: ['Adelie', 'Adelie', 'Gentoo', 'Gentoo'],
  values: [],
  requestIds: ['a', 'a', 'b', 'c'],
  rowsRead: 4,
  lines: { read: 3, malformed: 0, truncated: 0, other_model: 0 },
  warnings: [],
};

describe('feedback rows', () => {
  it('joins by request id in order, and counts rows without a target or a logged request', () => {
    const feedback = {
      rowCount: 5,
      columns: [
        buildColumn('request_id', 'categorical', ['a', 'a', 'b', 'zzz', 'c']),
        buildColumn('species', 'categorical', ['Adelie', 'Gentoo', null, 'Adelie', 'Chinstrap']),
      ],
    };
    const rows = feedbackRows(feedback, signature, 'request_id', log, 'labels.csv');
    expect(rows.joinedByRequestId).toBe(true);
    expect(rows.skipped).toEqual({ missing_target: 1, unmatched_request: 1 });
    const { table, target, signature: dataSignature } = rows.dataset;
    expect(table.rowCount).toBe(3);
    const mass = table.columns.find((c) => c.name === 'mass')!;
    expect(mass.type === 'numeric' && Array.from(mass.values)).toEqual([1, 2, 4]);
    // A label the model never predicts is kept as a class of the data (it counts as an error).
    expect(dataSignature.classes).toEqual(['Adelie', 'Gentoo', 'Chinstrap']);
    expect(Array.from(target)).toEqual([0, 1, 2]);
  });

  it('uses the feature columns when the feedback has them, and says what is missing otherwise', () => {
    const withFeatures = {
      rowCount: 2,
      columns: [
        buildColumn('island', 'categorical', ['Biscoe', 'Dream']),
        buildColumn('mass', 'numeric', [5, 6]),
        buildColumn('species', 'categorical', ['Adelie', 'Gentoo']),
      ],
    };
    expect(feedbackRows(withFeatures, signature, 'request_id', null, 'f.csv')).toMatchObject({
      joinedByRequestId: false,
      skipped: { missing_target: 0, unmatched_request: 0 },
    });
    const bare = { rowCount: 1, columns: [buildColumn('species', 'categorical', ['Adelie'])] };
    expect(() => feedbackRows(bare, signature, 'request_id', log, 'f.csv')).toThrow(DataError);
    expect(() => feedbackRows(bare, signature, 'request_id', log, 'f.csv')).toThrow(
      'f.csv: feature column(s) island, mass missing, and no "request_id" column to join with the prediction log (monitor.request_id_column)',
    );
    const noTarget = { rowCount: 1, columns: [buildColumn('island', 'categorical', ['Biscoe'])] };
    expect(() => feedbackRows(noTarget, signature, 'request_id', log, 'f.csv')).toThrow(
      'f.csv: no target column "species"',
    );
  });
});

describe('feedback quality', () => {
  const report = (f1: number, slices: [string, number, number][]): EvaluationReport =>
    ({
      rows: 200,
      metrics: { macro_f1: f1 },
      higher_is_better: { macro_f1: true, log_loss: false },
      slices: [
        {
          column: 'island',
          min_rows: 30,
          values: slices.map(([value, rows, metric]) => ({
            value,
            rows,
            small: rows < 30,
            metrics: { macro_f1: metric },
          })),
        },
      ],
    }) as unknown as EvaluationReport;
  const rows = { dataset: {} as never, skipped: { missing_target: 0, unmatched_request: 0 }, joinedByRequestId: false };

  it('is degraded beyond the tolerance, per slice too (small slices are not judged)', () => {
    const quality = feedbackQuality({
      feedback: report(0.9, [
        ['Biscoe', 100, 0.97],
        ['Dream', 80, 0.8],
        ['Torgersen', 10, 0.1],
      ]),
      holdout: report(0.95, [
        ['Biscoe', 60, 0.96],
        ['Dream', 50, 0.93],
        ['Torgersen', 40, 0.9],
      ]),
      metric: 'macro_f1',
      tolerance: 0.02,
      sliceTolerance: 0.05,
      files: ['f.csv'],
      rows,
    });
    expect(quality).toMatchObject({ status: 'ok', feedback: 0.9, holdout: 0.95, degraded: true });
    if (quality.status !== 'ok') throw new Error('expected a verdict');
    expect(quality.slices.map((s) => [s.value, s.degraded])).toEqual([
      ['Biscoe', false],
      ['Dream', true],
      ['Torgersen', false],
    ]);
  });

  it('is not degraded within the tolerance', () => {
    const quality = feedbackQuality({
      feedback: report(0.935, []),
      holdout: report(0.95, []),
      metric: 'macro_f1',
      tolerance: 0.02,
      sliceTolerance: 0.05,
      files: [],
      rows,
    });
    expect(quality).toMatchObject({ degraded: false });
  });
});
