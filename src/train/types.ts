import type { TrainerConfig } from '../config/schema.ts';
import type { Table } from '../data/types.ts';
import type { Model, ModelSignature } from '../model/types.ts';

/**
 * Rows ready for a trainer or an evaluator: the table (feature columns, the target and any slice
 * columns, by name) and the target as numbers. Rows are in canonical order (see prepare).
 */
export interface Dataset {
  readonly signature: ModelSignature;
  readonly table: Table;
  /** Classification: class index into signature.classes; regression: the target value. Never missing. */
  readonly target: Float64Array;
}

export interface TrainInput {
  readonly data: Dataset;
  readonly trainer: TrainerConfig;
  /** Seed of every random choice (row/column sampling, early-stopping slice). */
  readonly seed: number;
  /** Called once per boosting round / optimiser iteration; for progress display only. */
  readonly onProgress?: (event: TrainProgress) => void;
}

export interface TrainProgress {
  readonly iteration: number;
  readonly total: number;
  readonly trainLoss?: number;
  readonly validLoss?: number;
}

export interface TrainResult {
  readonly model: Model;
  /** Loss per iteration, for the report. */
  readonly history: readonly { iteration: number; trainLoss: number; validLoss?: number }[];
  /** What was chosen (e.g. number of trees after early stopping). */
  readonly summary: Readonly<Record<string, number | string>>;
}
