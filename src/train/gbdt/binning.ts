/**
 * Bins the training and validation rows of every feature, the numeric features shared out between the
 * main thread and the worker threads. Each feature is fitted and binned by one thread with the same
 * functions as fitBins and binRows (binNumericFeatures), so the bins do not depend on the split.
 */
import {
  binCategoricalColumn,
  binNumericFeatures,
  binSample,
  categoricalBins,
  categoricalValues,
  type FeatureBins,
  type FitBinsOptions,
  infiniteValueError,
  type NumericBinningJob,
  type NumericBinningResult,
  numericFeatureBins,
  numericValues,
} from './bin-mapper.ts';
import type { TrainingWorkers } from './executor.ts';

export interface BinFeaturesOptions extends FitBinsOptions {
  /** Validation rows (table row indices), binned with the training rows' bins. */
  readonly validRows: Uint32Array;
}

export interface BinnedFeatures {
  readonly featureBins: FeatureBins[];
  /** Column-major bins of the training rows (feature f of the i-th row at f × rows + i). */
  readonly bins: Uint8Array;
  /** The same for the validation rows. */
  readonly validBins: Uint8Array;
  /** Why a worker thread failed, if one did (its features were then binned on the main thread). */
  readonly workerError?: string;
}

/**
 * fitBins and binRows of the training and validation rows in one pass, with `workers` (if any) taking
 * about an equal share of the features: the first numeric features are offered to the workers, the
 * main thread takes the rest and the categorical ones, then (from the end) the offered features no
 * worker has started yet — a worker that starts late or runs slowly never makes binning slower than
 * on one thread. Errors are those of fitBins and binRows, in the same order.
 */
export async function binFeatures(options: BinFeaturesOptions, workers?: TrainingWorkers): Promise<BinnedFeatures> {
  const { table, features, rows, validRows } = options;
  // Column checks first, in feature order (a wrong column type is the first error, as in fitBins).
  const numeric: NumericFeature[] = [];
  features.forEach((feature, index) => {
    if (feature.type === 'numeric') numeric.push({ index, values: numericValues(table, feature.name) });
    else categoricalValues(table, feature.name);
  });
  // Shared memory, so worker threads write their columns in place.
  const bins = new Uint8Array(new SharedArrayBuffer(features.length * rows.length));
  const validBins = new Uint8Array(new SharedArrayBuffer(features.length * validRows.length));
  const sample = binSample(rows, options.seed);
  const claims = new Int32Array(new SharedArrayBuffer(4 * features.length));
  const job = (list: readonly NumericFeature[]): NumericBinningJob => ({
    features: list,
    sample,
    trainRows: rows,
    validRows,
    maxBins: options.maxBins,
    bins,
    validBins,
    claims,
  });
  const threads = (workers?.count ?? 0) + 1;
  const perThread = Math.ceil(features.length / threads);
  const shares = Array.from({ length: threads - 1 }, (_, w) => numeric.slice(w * perThread, (w + 1) * perThread));
  const pending = shares.map((share, w) => workers!.bin(w, job(share.map(sharedFloat32))));

  const featureBins: FeatureBins[] = new Array(features.length);
  const infinite: { train: number; valid: number }[] = new Array(features.length);
  const record = (results: NumericBinningResult[]) => {
    for (const r of results) {
      featureBins[r.index] = numericFeatureBins(features[r.index]!.name, r.thresholds);
      infinite[r.index] = { train: r.infiniteTrain, valid: r.infiniteValid };
    }
  };
  record(binNumericFeatures(job(numeric.slice((threads - 1) * perThread))));
  features.forEach((feature, index) => {
    if (feature.type === 'numeric') return;
    const fitted = categoricalBins(options, feature.name);
    featureBins[index] = fitted;
    binCategoricalColumn(table, fitted, rows, bins.subarray(index * rows.length, (index + 1) * rows.length));
    const valid = validBins.subarray(index * validRows.length, (index + 1) * validRows.length);
    binCategoricalColumn(table, fitted, validRows, valid);
    infinite[index] = { train: -1, valid: -1 };
  });
  // The offered features no worker has started, from the last one.
  record(binNumericFeatures(job(shares.flat().reverse())));
  let workerError: string | undefined;
  const settled = await Promise.allSettled(pending);
  settled.forEach((outcome, w) => {
    if (outcome.status === 'fulfilled') record(outcome.value);
    else {
      // Its whole share again on this thread (claimed or not): the same functions give the same bins.
      workerError ??= outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      record(binNumericFeatures({ ...job(shares[w]!), claims: undefined }));
    }
  });

  // binRows bins every feature's training rows, then the validation rows: its first error is the first
  // feature with an infinite training value, else the first with an infinite validation value.
  const train = infinite.findIndex((f) => f.train >= 0);
  if (train >= 0) throw infiniteValueError(features[train]!.name, rows[infinite[train]!.train]!);
  const valid = infinite.findIndex((f) => f.valid >= 0);
  if (valid >= 0) throw infiniteValueError(features[valid]!.name, validRows[infinite[valid]!.valid]!);
  return { featureBins, bins, validBins, ...(workerError ? { workerError } : {}) };
}

interface NumericFeature {
  readonly index: number;
  readonly values: Float64Array | Float32Array;
}

/**
 * A feature's values as float32 in shared memory, for a worker thread: half the bytes of a structured
 * clone of the float64 column and no copy on the worker's side; binning rounds every value to float32
 * first, so the bins are the same.
 */
function sharedFloat32(feature: NumericFeature): NumericFeature {
  const values = new Float32Array(new SharedArrayBuffer(4 * feature.values.length));
  values.set(feature.values);
  return { index: feature.index, values };
}
