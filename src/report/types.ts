/** The run report as data: what report.md and report.html show, built from a run folder or a model card. */
import type { MetricName } from '../config/schema.ts';
import type { EvaluationReport } from '../evaluate/index.ts';
import type { Anomaly, DriftReport } from '../validate/index.ts';
import type { Blessing } from '../validate-model/index.ts';
import type { ClassCurves } from './curves.ts';

/** better/worse than production by more than rounding, or the same; null when there is nothing to compare. */
export type Verdict = 'better' | 'worse' | 'same' | null;

export interface MetricRow {
  readonly metric: MetricName;
  readonly primary: boolean;
  readonly higherIsBetter: boolean;
  readonly candidate: number | null;
  /** Production's value on the same holdout rows; null without a baseline. */
  readonly production: number | null;
  /** candidate − production. */
  readonly delta: number | null;
  readonly verdict: Verdict;
}

/** The primary metric of one slice value, candidate next to production. */
export interface SliceRow {
  readonly column: string;
  /** null: rows where the column is missing. */
  readonly value: string | null;
  readonly rows: number;
  readonly small: boolean;
  readonly candidate: number | null;
  readonly production: number | null;
  readonly delta: number | null;
  readonly verdict: Verdict;
}

export interface StageRow {
  readonly name: string;
  readonly status: 'done' | 'failed' | 'running' | 'not run';
  readonly durationMs: number | null;
  readonly error: string | null;
}

/** How the run ended, in one word people scan for. */
export type Outcome = 'registered' | 'blessed' | 'not blessed' | 'evaluated' | 'failed' | 'incomplete';

export interface RunReport {
  readonly title: string;
  readonly model: string | null;
  readonly runId: string;
  readonly createdAt: string;
  readonly outcome: Outcome;
  /** One sentence: what happened and why. */
  readonly headline: string;
  readonly trigger: {
    readonly kind: string;
    readonly event: string | null;
    readonly actor: string | null;
    readonly runUrl: string | null;
    readonly reason: string | null;
  };
  readonly stages: readonly StageRow[];
  readonly validation: {
    readonly ok: boolean;
    readonly errors: number;
    readonly warnings: number;
    readonly anomalies: readonly Anomaly[];
    /** Findings known only as text (a model card keeps messages, not anomaly records). */
    readonly messages: readonly string[];
    readonly drift: DriftReport | null;
  } | null;
  readonly task: 'classification' | 'regression' | null;
  readonly primaryMetric: MetricName | null;
  /** Registry version of production compared with; null for the first model or before validate-model. */
  readonly baselineVersion: string | null;
  readonly metrics: readonly MetricRow[];
  readonly slices: readonly SliceRow[];
  readonly blessing: Blessing | null;
  readonly lineage: {
    readonly commit: string | null;
    readonly branch: string | null;
    readonly dataDigest: string | null;
    readonly files: readonly { readonly path: string; readonly sha256: string; readonly rows: number }[];
    readonly rows: { readonly train: number; readonly holdout: number } | null;
    readonly algorithm: string | null;
    readonly params: Readonly<Record<string, unknown>>;
    readonly image: string | null;
    readonly conveyorVersion: string | null;
    readonly registered: string | null;
  };
  readonly evaluation: EvaluationReport | null;
  /** One-vs-rest curves of the candidate (classification, when holdout predictions were at hand). */
  readonly curves: readonly ClassCurves[];
  /** A deterministic sample of (actual, predicted) holdout pairs (regression). */
  readonly regressionPoints: readonly { readonly actual: number; readonly predicted: number }[];
  /** Loss per boosting round / optimiser iteration. */
  readonly history: readonly { readonly iteration: number; readonly train: number; readonly valid: number | null }[];
  /** Name of the loss in `history` (e.g. log_loss). */
  readonly lossName: string | null;
}
