/** Shapes of the monitor: its options (conveyor.yml `monitor:`), the checks it makes, and the report. */
import type { Config, MetricName } from '../config/schema.ts';
import type { DriftOptions, DriftReport } from '../validate/types.ts';

export type MonitorOptions = Config['monitor'];

/** Drift thresholds of the monitor in the shape src/validate's drift code takes. */
export function driftOptionsOf(options: MonitorOptions): DriftOptions {
  return {
    psi_threshold: options.psi_threshold,
    js_threshold: options.js_threshold,
    dataset_share: options.dataset_share,
    small_sample: { rows: options.small_window_rows, p_value: options.p_value },
    missing_rate_change: options.missing_rate_change,
  };
}

/** A check that had too few rows for a verdict. */
export interface NotEnoughData {
  readonly status: 'not_enough_data';
  readonly rows: number;
  readonly min_rows: number;
}

/** A check that could not be made at all (no source, no reference), and why. */
export interface Unavailable {
  readonly status: 'unavailable';
  readonly reason: string;
}

/** Input drift of a window of live inputs against the card's training profile. */
export type InputDrift =
  | ({ readonly status: 'ok'; readonly rows: number; readonly test: 'distance' | 'chi_squared' } & DriftReport)
  | NotEnoughData
  | Unavailable;

/** Predicted labels (classification) or values (regression) of the window against the holdout predictions. */
export type PredictionDrift =
  | ({ readonly status: 'ok'; readonly rows: number } & DriftReport['columns'][number])
  | NotEnoughData
  | Unavailable;

/** The primary metric on one slice value of the feedback against the card's holdout. */
export interface SliceQuality {
  readonly column: string;
  readonly value: string | null;
  readonly rows: number;
  readonly feedback: number | null;
  readonly holdout: number | null;
  readonly tolerance: number;
  readonly degraded: boolean;
}

/** Quality of the production model on labelled feedback rows. */
export type FeedbackQuality =
  | {
      readonly status: 'ok';
      readonly files: readonly string[];
      readonly rows: number;
      /** Rows left out: no target, or (joined by request id) no logged request. */
      readonly skipped: { readonly missing_target: number; readonly unmatched_request: number };
      readonly joined_by_request_id: boolean;
      readonly metric: MetricName;
      readonly higher_is_better: boolean;
      readonly feedback: number | null;
      readonly holdout: number | null;
      readonly tolerance: number;
      readonly degraded: boolean;
      /** Every metric of the task on the feedback. */
      readonly metrics: Readonly<Partial<Record<MetricName, number | null>>>;
      readonly slices: readonly SliceQuality[];
    }
  | NotEnoughData
  | Unavailable;

export type Severity = 'none' | 'info' | 'warning' | 'critical';

export interface Reason {
  readonly kind: 'input_drift' | 'column_drift' | 'missing_values' | 'prediction_drift' | 'quality' | 'slice_quality';
  /** The column, or `column=value` for a slice. */
  readonly subject?: string;
  readonly message: string;
  /** Whether this reason alone asks for a retrain (column notices do not). */
  readonly retrain: boolean;
}

export interface Decision {
  readonly retrain: boolean;
  readonly severity: Severity;
  /** Every finding, retrain reasons first. */
  readonly reasons: readonly Reason[];
  /** Checks that gave no verdict, and why. */
  readonly notes: readonly string[];
}

/** Where the window's rows came from and what was skipped on the way. */
export interface WindowSource {
  readonly kind: 'prediction_log' | 'data' | 'server';
  readonly files: readonly string[];
  /** Rows in the window (the most recent `monitor.window`). */
  readonly rows: number;
  /** Rows read before the window was cut to its size. */
  readonly rows_read: number;
  readonly lines?: {
    readonly read: number;
    readonly malformed: number;
    readonly truncated: number;
    readonly other_model: number;
  };
}

/** The monitor's report (`conveyor monitor --json`, monitor/<timestamp>.json, the server's /monitor). */
export interface MonitorReport {
  readonly retrain: boolean;
  readonly severity: Severity;
  /** The retrain reasons' messages (the structured findings are in `decision.reasons`). */
  readonly reasons: readonly string[];
  readonly model: { readonly name: string; readonly version: number | string; readonly ref: string };
  readonly created_at: string;
  readonly window: WindowSource | null;
  readonly input_drift: InputDrift;
  readonly prediction_drift: PredictionDrift;
  readonly feedback: FeedbackQuality;
  readonly decision: Decision;
  readonly warnings: readonly string[];
}
