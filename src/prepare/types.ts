import type { ModelSignature, Task } from '../model/types.ts';
import type { Dataset } from '../train/types.ts';

export interface PrepareOptions {
  /** Config file name, for error messages. */
  readonly configFile: string;
  readonly target: string;
  /** Forced task; inferred from the target column when absent. */
  readonly task?: Task;
  /** Columns never used as features. */
  readonly drop: readonly string[];
  /** Categorical columns to keep beside the features for per-slice metrics. */
  readonly slices: readonly string[];
  readonly holdout: number;
  /**
   * Rows per batch (file), in table order: the table's first `batches[0]` rows are the first file's, and so on
   * (the loader's `files[].rows`). Each batch is split on its own (see holdout.ts). Default: one batch.
   */
  readonly batches?: readonly number[];
  readonly timeColumn?: string;
  readonly seed: number;
}

export interface SplitSummary {
  /** hash: a row's side depends only on its content and the seed; time: the latest rows are held out. */
  readonly method: 'hash' | 'time';
  readonly seed: number;
  readonly holdout_fraction: number;
  readonly train_rows: number;
  readonly holdout_rows: number;
  /** holdout_rows / (train_rows + holdout_rows): the realised share. */
  readonly holdout_share: number;
  readonly dropped_missing_target: number;
  /** time split: the first held-out instant (ISO). */
  readonly time_boundary?: string;
}

export interface PreparedData {
  readonly signature: ModelSignature;
  readonly train: Dataset;
  readonly holdout: Dataset;
  readonly split: SplitSummary;
  /** sha256 of exactly the rows and columns used (features + target): the data's identity in lineage. */
  readonly digest: string;
  /** Features, the target and slice columns, in that order. */
  readonly columns: readonly string[];
  readonly warnings: readonly string[];
}
