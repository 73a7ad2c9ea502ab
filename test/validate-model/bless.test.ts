import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ConfigError, InputError, ModelRejectedError } from '../../src/errors.ts';
import type { EvaluationReport, SliceValue } from '../../src/evaluate/types.ts';
import { assertBlessed, blessModel } from '../../src/validate-model/bless.ts';
import { formatBlessing } from '../../src/validate-model/format.ts';
import { blessingSchema } from '../../src/validate-model/types.ts';

type ModelOptions = Config['validation']['model'];

function options(overrides: Record<string, unknown> = {}): ModelOptions {
  return configSchema.parse({
    model: { name: 'm' },
    data: { path: 'data/*.csv', target: 'y' },
    validation: { model: overrides },
  }).validation.model;
}

function slice(value: string | null, rows: number, macroF1: number): SliceValue {
  return { value, rows, small: rows < 30, metrics: { macro_f1: macroF1, accuracy: macroF1 } };
}

function classificationReport(
  macroF1: number,
  slices: SliceValue[] = [],
  extra: Partial<EvaluationReport> = {},
): EvaluationReport {
  return {
    task: 'classification',
    target: 'species',
    model_kind: 'gbdt',
    rows: 200,
    classes: ['a', 'b'],
    metrics: { accuracy: macroF1 + 0.01, balanced_accuracy: macroF1, log_loss: 0.2, roc_auc: 0.95, macro_f1: macroF1 },
    higher_is_better: { accuracy: true, balanced_accuracy: true, log_loss: false, roc_auc: true, macro_f1: true },
    log_loss_eps: 1e-15,
    classification: null,
    regression: null,
    slices: slices.length > 0 ? [{ column: 'island', min_rows: 30, values: slices }] : [],
    importance: { method: 'total_gain', features: [] },
    naive_baseline: {
      strategy: 'prior',
      description: 'always "a" (50% of training rows)',
      metrics: { accuracy: 0.5, balanced_accuracy: 0.5, log_loss: 0.69, roc_auc: 0.5, macro_f1: 0.33 },
    },
    ...extra,
  };
}

function regressionReport(rmse: number): EvaluationReport {
  return {
    ...classificationReport(0),
    task: 'regression',
    target: 'price',
    classes: null,
    metrics: { rmse, mae: rmse * 0.8, r2: 0.7 },
    higher_is_better: { rmse: false, mae: false, r2: true },
    log_loss_eps: null,
    naive_baseline: {
      strategy: 'mean',
      description: 'always the training mean 5',
      metrics: { rmse: 20, mae: 16, r2: 0 },
    },
  };
}

const ok = { dataOk: true, parityOk: true };

describe('blessModel', () => {
  it('blesses a candidate better than production, recording the numbers', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.93),
      baseline: { version: 'v3', report: classificationReport(0.9) },
      options: options(),
      ...ok,
    });
    expect(blessing.blessed).toBe(true);
    expect(blessing.primary_metric).toBe('macro_f1');
    expect(blessing.baseline_version).toBe('v3');
    const check = blessing.checks.find((c) => c.name === 'baseline:macro_f1')!;
    expect(check).toMatchObject({ passed: true, candidate: 0.93, baseline: 0.9, threshold: expect.closeTo(0.89, 12) });
    expect(blessing.reasons).toEqual(['all 4 checks passed against production v3']);
    expect(() => blessingSchema.parse(JSON.parse(JSON.stringify(blessing)))).not.toThrow();
    expect(() => assertBlessed(blessing)).not.toThrow();
  });

  it('allows a candidate worse by at most the tolerance (and exactly at it)', () => {
    const within = blessModel({
      candidate: classificationReport(0.895),
      baseline: { version: 'v3', report: classificationReport(0.9) },
      options: options({ tolerance: 0.01 }),
      ...ok,
    });
    expect(within.blessed).toBe(true);
    const atBound = blessModel({
      candidate: classificationReport(0.7),
      baseline: { version: 'v3', report: classificationReport(0.8) },
      options: options({ tolerance: 0.1 }),
      ...ok,
    });
    expect(atBound.blessed).toBe(true); // 0.8 - 0.1 is 0.7000000000000001 in floating point
  });

  it('rejects a worse candidate with the numbers in the reason', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.85),
      baseline: { version: 'v3', report: classificationReport(0.9) },
      options: options({ tolerance: 0.01 }),
      ...ok,
    });
    expect(blessing.blessed).toBe(false);
    expect(blessing.reasons).toEqual([
      'overall: macro_f1 0.8500 vs production v3 0.9000 (-0.0500; allowed: at most 0.01 lower)',
    ]);
    expect(blessing.checks.find((c) => !c.passed)).toMatchObject({
      name: 'baseline:macro_f1',
      kind: 'baseline',
      candidate: 0.85,
      baseline: 0.9,
      threshold: expect.closeTo(0.89, 12),
    });
    expect(() => assertBlessed(blessing)).toThrow(ModelRejectedError);
    expect(() => assertBlessed(blessing)).toThrow(/model not blessed: overall: macro_f1 0\.8500/);
  });

  it('is direction-aware for lower-is-better metrics (rmse)', () => {
    const baseline = { version: 'v1', report: regressionReport(10) };
    const better = blessModel({ candidate: regressionReport(9), baseline, options: options(), ...ok });
    expect(better.primary_metric).toBe('rmse');
    expect(better.higher_is_better).toBe(false);
    expect(better.blessed).toBe(true);
    const worse = blessModel({
      candidate: regressionReport(10.5),
      baseline,
      options: options({ tolerance: 0.2 }),
      ...ok,
    });
    expect(worse.blessed).toBe(false);
    expect(worse.checks.find((c) => c.name === 'baseline:rmse')).toMatchObject({ threshold: 10.2, passed: false });
    expect(worse.reasons[0]).toBe(
      'overall: rmse 10.5000 vs production v1 10.0000 (+0.5000; allowed: at most 0.2 higher)',
    );
  });

  it('catches a slice that regressed even when the overall metric improved', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.95, [
        slice('Biscoe', 80, 0.99),
        slice('Dream', 60, 0.8),
        slice('Tiny', 5, 0.1),
      ]),
      baseline: {
        version: 'v3',
        report: classificationReport(0.9, [slice('Biscoe', 80, 0.95), slice('Dream', 60, 0.9), slice('Tiny', 5, 1)]),
      },
      options: options({ slice_tolerance: 0.05 }),
      ...ok,
    });
    expect(blessing.blessed).toBe(false);
    expect(blessing.checks.find((c) => c.name === 'baseline:macro_f1')!.passed).toBe(true);
    const failed = blessing.checks.filter((c) => !c.passed);
    expect(failed).toEqual([
      {
        name: 'slice:island=Dream:macro_f1',
        kind: 'slice',
        passed: false,
        candidate: 0.8,
        baseline: 0.9,
        threshold: expect.closeTo(0.85, 12),
        message: expect.stringContaining('slice island=Dream: macro_f1 0.8000 vs production v3 0.9000'),
      },
    ]);
    expect(blessing.checks.find((c) => c.name === 'slice:island=Biscoe:macro_f1')!.passed).toBe(true);
    // The 5-row slice fell from 1 to 0.1 but is too small to gate on.
    expect(blessing.checks.some((c) => c.name.includes('Tiny'))).toBe(false);
    expect(blessing.notes).toContain('slice island=Tiny: 5 rows (< 30); reported, not gated');
  });

  it('first model: only gates and absolute thresholds apply', () => {
    const passing = blessModel({
      candidate: classificationReport(0.5),
      options: options({ thresholds: { accuracy: { min: 0.5 } } }),
      ...ok,
    });
    expect(passing.blessed).toBe(true);
    expect(passing.baseline_version).toBeNull();
    expect(passing.checks.map((c) => c.name)).toEqual([
      'data_validation',
      'parity',
      'threshold:accuracy:min',
      'naive_baseline:macro_f1',
    ]);
    expect(passing.reasons).toEqual(['all 4 checks passed (first model, no baseline)']);
    expect(passing.notes).toEqual([
      'no production model: only the gates, the naive baseline and absolute thresholds apply',
    ]);
  });

  it('refuses a first model that does not beat the naive baseline, in either direction of metric', () => {
    const classification = blessModel({ candidate: classificationReport(0.33), options: options(), ...ok });
    expect(classification.blessed).toBe(false);
    expect(classification.checks.find((c) => c.kind === 'naive_baseline')).toMatchObject({
      name: 'naive_baseline:macro_f1',
      passed: false,
      candidate: 0.33,
      baseline: 0.33,
    });
    expect(classification.reasons).toEqual([
      'macro_f1 0.3300 does not beat the naive baseline\'s 0.3300 (always "a" (50% of training rows))',
    ]);
    // R² below 0 means an RMSE above the training mean's: refused.
    const regression = blessModel({ candidate: regressionReport(23), options: options(), ...ok });
    expect(regression.blessed).toBe(false);
    expect(regression.reasons[0]).toMatch(/^rmse 23\.0000 does not beat the naive baseline's 20\.0000/);
    expect(blessModel({ candidate: regressionReport(19), options: options(), ...ok }).blessed).toBe(true);
  });

  it('skips the naive baseline when configured off, and notes a report without one', () => {
    const off = blessModel({
      candidate: classificationReport(0.2),
      options: options({ beat_naive_baseline: false }),
      ...ok,
    });
    expect(off.blessed).toBe(true);
    expect(off.checks.some((c) => c.kind === 'naive_baseline')).toBe(false);
    const old = blessModel({
      candidate: classificationReport(0.9, [], { naive_baseline: undefined }),
      options: options(),
      ...ok,
    });
    expect(old.blessed).toBe(true);
    expect(old.notes).toContain('the evaluation has no naive baseline (written by an older version): not compared');
  });

  it('fails an absolute threshold even when better than production', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.93),
      baseline: { version: 'v3', report: classificationReport(0.9) },
      options: options({ thresholds: { macro_f1: { min: 0.95 }, log_loss: { max: 0.3 } } }),
      ...ok,
    });
    expect(blessing.blessed).toBe(false);
    expect(blessing.checks.filter((c) => c.kind === 'threshold')).toEqual([
      expect.objectContaining({ name: 'threshold:macro_f1:min', passed: false, candidate: 0.93, threshold: 0.95 }),
      expect.objectContaining({ name: 'threshold:log_loss:max', passed: true, candidate: 0.2, threshold: 0.3 }),
    ]);
    expect(blessing.reasons).toEqual(['macro_f1 0.9300 fails the bound >= 0.95']);
  });

  it('a threshold on an undefined metric fails', () => {
    const candidate = classificationReport(0.9, [], {
      metrics: { accuracy: 0.9, balanced_accuracy: 0.9, log_loss: 0.1, roc_auc: null, macro_f1: 0.9 },
    });
    const blessing = blessModel({ candidate, options: options({ thresholds: { roc_auc: { min: 0.8 } } }), ...ok });
    expect(blessing.blessed).toBe(false);
    expect(blessing.reasons).toEqual(['roc_auc is undefined on the holdout; required >= 0.8']);
  });

  it('data validation errors or a failed parity gate block the blessing', () => {
    const base = { candidate: classificationReport(0.99), options: options() };
    const dataBad = blessModel({ ...base, dataOk: false, parityOk: true });
    expect(dataBad.blessed).toBe(false);
    expect(dataBad.reasons).toEqual(['data validation found errors']);
    const parityBad = blessModel({ ...base, dataOk: true, parityOk: false });
    expect(parityBad.blessed).toBe(false);
    expect(parityBad.reasons).toEqual(['ONNX export disagrees with the TypeScript model (parity gate failed)']);
  });

  it('rejects config naming a metric of the other task, and baselines on other rows', () => {
    expect(() =>
      blessModel({ candidate: classificationReport(0.9), options: options({ primary_metric: 'rmse' }), ...ok }),
    ).toThrow(ConfigError);
    expect(() =>
      blessModel({
        candidate: regressionReport(1),
        options: options({ thresholds: { accuracy: { min: 0.1 } } }),
        ...ok,
      }),
    ).toThrow(/validation\.model\.thresholds\.accuracy: "accuracy" is a classification metric/);
    expect(() =>
      blessModel({
        candidate: classificationReport(0.9),
        baseline: { version: 'v1', report: classificationReport(0.9, [], { rows: 150 }) },
        options: options(),
        ...ok,
      }),
    ).toThrow(InputError);
  });

  it('does not compare with a production model of another task', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.9),
      baseline: { version: 'v1', report: regressionReport(3) },
      options: options(),
      ...ok,
    });
    expect(blessing.blessed).toBe(true);
    expect(blessing.checks.some((c) => c.kind === 'baseline')).toBe(false);
    expect(blessing.notes[0]).toMatch(/production v1 predicts regression of "price".*not compared/);
  });

  it('uses the configured primary metric', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.9, [], { metrics: { log_loss: 0.5, macro_f1: 0.9 } }),
      baseline: { version: 'v2', report: classificationReport(0.9, [], { metrics: { log_loss: 0.3, macro_f1: 0.9 } }) },
      options: options({ primary_metric: 'log_loss', tolerance: 0.1 }),
      ...ok,
    });
    expect(blessing.primary_metric).toBe('log_loss');
    expect(blessing.blessed).toBe(false);
    expect(blessing.checks.find((c) => c.name === 'baseline:log_loss')).toMatchObject({
      threshold: 0.4,
      candidate: 0.5,
    });
  });
});

describe('formatBlessing', () => {
  it('shows the verdict, each check and the reasons', () => {
    const blessing = blessModel({
      candidate: classificationReport(0.85),
      baseline: { version: 'v3', report: classificationReport(0.9) },
      options: options(),
      ...ok,
    });
    const text = formatBlessing(blessing);
    expect(text).toContain('NOT BLESSED: primary metric macro_f1 (higher is better), compared with production v3');
    expect(text).toContain('  pass  data validation passed');
    expect(text).toContain('  FAIL  overall: macro_f1 0.8500 vs production v3 0.9000');
    expect(text).toContain('Why not blessed');
  });
});
