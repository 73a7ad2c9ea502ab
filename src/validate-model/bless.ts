/**
 * validate-model: decide whether a candidate may replace production (TFX Evaluator style).
 * Pure: evaluation reports in, a blessing out; the caller turns "not blessed" into a stop.
 */
import type { Config, MetricName } from '../config/schema.ts';
import { ConfigError, InputError, ModelRejectedError } from '../errors.ts';
import { defaultPrimaryMetric, METRICS } from '../evaluate/index.ts';
import type { EvaluationReport } from '../evaluate/types.ts';
import type { Blessing, BlessingCheck } from './types.ts';

/**
 * Floating-point slack of every comparison (TFX uses an absolute -1e-10): a candidate equal to its
 * bound up to rounding passes.
 */
export const COMPARISON_EPS = 1e-10;

export interface BlessInput {
  readonly candidate: EvaluationReport;
  /** The production model evaluated on the same holdout rows; absent for the first model. */
  readonly baseline?: { readonly version: string; readonly report: EvaluationReport };
  readonly options: Config['validation']['model'];
  /** False when data validation found error-severity anomalies. */
  readonly dataOk: boolean;
  /** False when the exported ONNX model disagreed with the TypeScript model. */
  readonly parityOk: boolean;
  /** Config file named in errors about `options`. Default `conveyor.yml`. */
  readonly configFile?: string;
}

/**
 * Rules: failed data validation or parity → not blessed; every absolute threshold (min/max per
 * metric) must hold; with a baseline, the primary metric may be worse by at most `tolerance`, and
 * each slice present (and not small) in both reports by at most `slice_tolerance`, direction-aware.
 */
export function blessModel(input: BlessInput): Blessing {
  const { candidate, baseline, options } = input;
  const configFile = input.configFile ?? 'conveyor.yml';
  const primary = options.primary_metric ?? defaultPrimaryMetric(candidate.task);
  const higherIsBetter = METRICS[primary].higherIsBetter;
  if (METRICS[primary].task !== candidate.task) {
    throw new ConfigError(
      configFile,
      'validation.model.primary_metric',
      `"${primary}" is a ${METRICS[primary].task} metric; this is a ${candidate.task} model`,
    );
  }
  const checks: BlessingCheck[] = [];
  const notes: string[] = [];

  checks.push({
    name: 'data_validation',
    kind: 'data',
    passed: input.dataOk,
    candidate: null,
    threshold: null,
    message: input.dataOk ? 'data validation passed' : 'data validation found errors',
  });
  checks.push({
    name: 'parity',
    kind: 'parity',
    passed: input.parityOk,
    candidate: null,
    threshold: null,
    message: input.parityOk
      ? 'ONNX export matches the TypeScript model'
      : 'ONNX export disagrees with the TypeScript model (parity gate failed)',
  });

  for (const [name, bounds] of Object.entries(options.thresholds) as [MetricName, { min?: number; max?: number }][]) {
    if (METRICS[name].task !== candidate.task) {
      throw new ConfigError(
        configFile,
        `validation.model.thresholds.${name}`,
        `"${name}" is a ${METRICS[name].task} metric; this is a ${candidate.task} model`,
      );
    }
    const value = candidate.metrics[name] ?? null;
    for (const side of ['min', 'max'] as const) {
      const bound = bounds[side];
      if (bound === undefined) continue;
      const passed =
        value !== null && (side === 'min' ? value >= bound - COMPARISON_EPS : value <= bound + COMPARISON_EPS);
      const relation = side === 'min' ? '>=' : '<=';
      checks.push({
        name: `threshold:${name}:${side}`,
        kind: 'threshold',
        passed,
        candidate: value,
        threshold: bound,
        message:
          value === null
            ? `${name} is undefined on the holdout; required ${relation} ${bound}`
            : `${name} ${fmt(value)} ${passed ? 'meets' : 'fails'} the bound ${relation} ${bound}`,
      });
    }
  }

  if (options.beat_naive_baseline) checkNaiveBaseline(candidate, primary, checks, notes);
  if (baseline) compareWithBaseline(input, primary, checks, notes);
  else notes.push('no production model: only the gates, the naive baseline and absolute thresholds apply');

  const failed = checks.filter((c) => !c.passed);
  const blessed = failed.length === 0;
  const reasons = blessed
    ? [
        `all ${checks.length} checks passed` +
          (baseline ? ` against production ${baseline.version}` : ' (first model, no baseline)'),
      ]
    : failed.map((c) => c.message);
  return {
    blessed,
    primary_metric: primary,
    higher_is_better: higherIsBetter,
    baseline_version: baseline?.version ?? null,
    tolerance: options.tolerance,
    slice_tolerance: options.slice_tolerance,
    checks,
    reasons,
    notes,
  };
}

/** The candidate's primary metric must be strictly better than the naive model's (see evaluate/naive.ts). */
function checkNaiveBaseline(
  candidate: EvaluationReport,
  primary: MetricName,
  checks: BlessingCheck[],
  notes: string[],
): void {
  const naive = candidate.naive_baseline;
  if (!naive) {
    notes.push('the evaluation has no naive baseline (written by an older version): not compared');
    return;
  }
  const reference = naive.metrics[primary] ?? null;
  if (reference === null) {
    notes.push(`${primary} is undefined for the naive baseline on this holdout: not compared`);
    return;
  }
  const value = candidate.metrics[primary] ?? null;
  const higher = METRICS[primary].higherIsBetter;
  const passed = value !== null && (higher ? value > reference + COMPARISON_EPS : value < reference - COMPARISON_EPS);
  const message =
    value === null
      ? `${primary} is undefined for the candidate; the naive baseline scores ${fmt(reference)}`
      : `${primary} ${fmt(value)} ${passed ? 'beats' : 'does not beat'} the naive baseline's ${fmt(reference)} ` +
        `(${naive.description})`;
  checks.push({
    name: `naive_baseline:${primary}`,
    kind: 'naive_baseline',
    passed,
    candidate: value,
    baseline: reference,
    threshold: reference,
    message,
  });
}

function compareWithBaseline(input: BlessInput, primary: MetricName, checks: BlessingCheck[], notes: string[]): void {
  const { candidate, options } = input;
  const { version, report: base } = input.baseline!;
  if (base.task !== candidate.task || base.target !== candidate.target) {
    notes.push(
      `production ${version} predicts ${base.task} of "${base.target}", the candidate ${candidate.task} of "${candidate.target}": not compared`,
    );
    return;
  }
  if (base.rows !== candidate.rows) {
    throw new InputError(
      `production ${version} was evaluated on ${base.rows} rows and the candidate on ${candidate.rows}; both must use the same holdout`,
    );
  }
  const higher = METRICS[primary].higherIsBetter;
  const worseWord = higher ? 'lower' : 'higher';
  const compare = (
    name: string,
    kind: 'baseline' | 'slice',
    what: string,
    value: number | null,
    reference: number | null,
    tolerance: number,
  ) => {
    if (reference === null) {
      notes.push(`${what}: ${primary} is undefined for production ${version}; not compared`);
      return;
    }
    const threshold = higher ? reference - tolerance : reference + tolerance;
    const passed =
      value !== null && (higher ? value >= threshold - COMPARISON_EPS : value <= threshold + COMPARISON_EPS);
    const change = value === null ? null : value - reference;
    const message =
      value === null
        ? `${what}: ${primary} is undefined for the candidate (production ${version}: ${fmt(reference)})`
        : `${what}: ${primary} ${fmt(value)} vs production ${version} ${fmt(reference)} ` +
          `(${change! >= 0 ? '+' : ''}${fmt(change!)}; allowed: at most ${tolerance} ${worseWord})`;
    checks.push({ name, kind, passed, candidate: value, baseline: reference, threshold, message });
  };

  compare(
    `baseline:${primary}`,
    'baseline',
    'overall',
    candidate.metrics[primary] ?? null,
    base.metrics[primary] ?? null,
    options.tolerance,
  );

  for (const slice of candidate.slices) {
    const baseSlice = base.slices.find((s) => s.column === slice.column);
    if (!baseSlice) {
      notes.push(`slice column "${slice.column}" is not in production's report; not compared`);
      continue;
    }
    for (const value of slice.values) {
      const baseValue = baseSlice.values.find((v) => v.value === value.value);
      const label = `slice ${slice.column}=${value.value ?? '(missing)'}`;
      if (!baseValue) continue; // a value new in this holdout has nothing to compare with
      if (value.small || baseValue.small) {
        notes.push(`${label}: ${value.rows} rows (< ${slice.min_rows}); reported, not gated`);
        continue;
      }
      compare(
        `slice:${slice.column}=${value.value ?? '(missing)'}:${primary}`,
        'slice',
        label,
        value.metrics[primary] ?? null,
        baseValue.metrics[primary] ?? null,
        options.slice_tolerance,
      );
    }
  }
}

/** Throws ModelRejectedError listing the reasons when `blessing` is not blessed. */
export function assertBlessed(blessing: Blessing): void {
  if (!blessing.blessed) {
    throw new ModelRejectedError(`model not blessed: ${blessing.reasons.join('; ')}`);
  }
}

/** Measured values with four decimals (configured bounds are shown as written). */
function fmt(value: number): string {
  return value.toFixed(4);
}
