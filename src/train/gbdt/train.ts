/**
 * The GBDT trainer: checks the data, holds out the early-stopping slice, bins the features, runs the
 * boosting loop and turns the binned trees into the model format (float32 thresholds).
 */

import type { GbdtParams } from '../../config/schema.ts';
import { DataError } from '../../errors.ts';
import { columnRecord } from '../../lib/column-keys.ts';
import { Random } from '../../lib/random.ts';
import type { GbdtModel, Tree } from '../../model/types.ts';
import type { TrainInput, TrainResult } from '../types.ts';
import type { CategoryOrder, FeatureBins } from './bin-mapper.ts';
import { type BinnedFeatures, binFeatures } from './binning.ts';
import { type BoostingResult, boost, SEED_STREAM, streamSeed } from './boosting.ts';
import { Executor, startTrainingWorkers } from './executor.ts';
import { BIN_STRIDE } from './histogram.ts';
import { createObjective, type ObjectiveKind } from './objectives.ts';

/** Memory the histogram slots may take; beyond it the learner rebuilds evicted histograms. */
const HISTOGRAM_MEMORY_BYTES = 512 * 1024 * 1024;

/** trainGbdt's result plus what the checks need: which rows trained, and their training-time scores. */
export interface GbdtFit {
  readonly result: TrainResult & { readonly model: GbdtModel };
  /** Table rows the trees were fitted on, ascending. */
  readonly trainRows: Uint32Array;
  /** Table rows held out for early stopping, ascending. */
  readonly validRows: Uint32Array;
  /**
   * Raw scores (trainRows.length x outputs, row-major, in trainRows order) as training computed them
   * for the model's trees; undefined when early stopping dropped rounds after the best one.
   */
  readonly trainScores?: Float64Array;
  readonly featureBins: readonly FeatureBins[];
}

/**
 * Trains gradient-boosted trees (`input.trainer.algorithm === 'gbdt'`, params already defaulted).
 * Binary and multiclass classification (log-loss, softmax) and regression (squared error). The same
 * input and seed give the same model whatever the thread count.
 */
export async function trainGbdt(input: TrainInput): Promise<TrainResult> {
  return (await fitGbdt(input)).result;
}

/** trainGbdt, also returning the training rows and their training-time scores. */
export async function fitGbdt(input: TrainInput): Promise<GbdtFit> {
  const { data, trainer, seed } = input;
  if (trainer.algorithm !== 'gbdt') throw new Error(`trainGbdt called with algorithm "${trainer.algorithm}"`);
  const params = trainer.params;
  const { signature, table, target } = data;
  const kind = objectiveKind(input);
  const classes = signature.classes?.length ?? 0;
  const objective = createObjective(kind, classes);
  const { trainRows, validRows } = holdOut(table.rowCount, params, seed);

  const categoryOrder: CategoryOrder = kind === 'multiclass' ? 'frequency' : 'mean_target';
  // Worker threads start first: they start up while the main thread samples the rows, then bin their
  // share of the features.
  const started = startTrainingWorkers(params.threads, trainRows.length);
  let workers = started.workers;
  let binned: BinnedFeatures;
  let executor: Executor;
  try {
    binned = await binFeatures(
      {
        table,
        features: signature.features,
        rows: trainRows,
        validRows,
        target,
        categoryOrder,
        maxBins: params.max_bins,
        seed: streamSeed(seed, SEED_STREAM.bins),
      },
      workers,
    );
    if (binned.workerError) {
      await workers?.terminate();
      workers = undefined;
    }
    const featureBinCounts = Int32Array.from(binned.featureBins, (f) => f.valueBins + 1);
    const histBytes = featureBinCounts.reduce((sum, bins) => sum + bins, 0) * BIN_STRIDE * 8;
    const wantedSlots = Math.min(params.max_leaves, 2 ** params.max_depth) + 1;
    const slots = Math.max(3, Math.min(wantedSlots, Math.floor(HISTOGRAM_MEMORY_BYTES / histBytes)));
    // From here on the executor owns the workers (and stops them when it closes).
    executor = await Executor.create(
      {
        featureCount: binned.featureBins.length,
        rowCount: trainRows.length,
        featureBinCounts,
        outputs: objective.outputs,
        expScores: objective.expScores,
        slots,
        maxLeaves: Math.min(params.max_leaves, 2 ** params.max_depth),
        validRowCount: validRows.length,
        threads: workers ? params.threads : 1,
      },
      workers,
    );
  } catch (error) {
    // Bad data (binning) or too little memory (the executor): stop the workers, or the process stays up.
    await workers?.terminate();
    throw error;
  }
  const { featureBins } = binned;
  let boosted: BoostingResult;
  try {
    const m = executor.memory;
    m.bins.set(binned.bins);
    m.validBins.set(binned.validBins);
    for (let i = 0; i < trainRows.length; i++) m.target[i] = target[trainRows[i]!]!;
    for (let i = 0; i < validRows.length; i++) m.validTarget[i] = target[validRows[i]!]!;
    boosted = await boost({
      objective,
      params,
      executor,
      seed,
      setSplitFeatures: Uint8Array.from(featureBins, (f) =>
        f.type === 'categorical' && params.categorical_splits === 'partition' ? 1 : 0,
      ),
      onProgress: input.onProgress,
    });
  } finally {
    await executor.close();
  }

  const categoryCodes = columnRecord<readonly string[]>();
  for (const f of featureBins) if (f.type === 'categorical') categoryCodes[f.name] = f.categories;
  const model: GbdtModel = {
    kind: 'gbdt',
    signature,
    link: objective.link,
    baseScore: boosted.baseScore,
    trees: boosted.trees.map(({ output, tree }) => toModelTree(output, tree, featureBins)),
    categoryCodes,
    params: { ...params, best_iteration: boosted.rounds },
  };
  const last = boosted.history[boosted.history.length - 1];
  const summary: Record<string, number | string> = {
    objective: kind,
    loss: objective.lossName,
    rounds: boosted.rounds,
    rounds_run: boosted.roundsRun,
    trees: model.trees.length,
    stop_reason: boosted.stopReason,
    train_rows: trainRows.length,
    valid_rows: validRows.length,
    threads: executor.threads,
  };
  const workerError = started.error ?? binned.workerError ?? executor.workerError;
  if (workerError) summary.worker_threads_error = workerError;
  if (last) summary.train_loss = last.trainLoss;
  const best = boosted.history[boosted.rounds - 1];
  if (best?.validLoss !== undefined) summary.valid_loss = best.validLoss;
  return {
    result: { model, history: boosted.history, summary },
    trainRows,
    validRows,
    trainScores: boosted.rounds === boosted.roundsRun ? boosted.trainScores : undefined,
    featureBins,
  };
}

function objectiveKind(input: TrainInput): ObjectiveKind {
  const { signature, table, target } = input.data;
  if (table.rowCount === 0) throw new DataError('no training rows: the data set is empty');
  if (target.length !== table.rowCount) {
    throw new DataError(`target has ${target.length} values for ${table.rowCount} rows`);
  }
  if (signature.features.length === 0) throw new DataError('no features to train on');
  if (signature.task === 'regression') {
    for (let i = 0; i < target.length; i++) {
      if (!Number.isFinite(target[i]!)) {
        throw new DataError(`target "${signature.target}", row ${i + 1}: ${target[i]} is not a finite number`);
      }
    }
    return 'regression';
  }
  const classes = signature.classes?.length ?? 0;
  if (classes < 2) {
    throw new DataError(`target "${signature.target}" has ${classes} class(es); classification needs at least 2`);
  }
  for (let i = 0; i < target.length; i++) {
    const y = target[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new DataError(`target "${signature.target}", row ${i + 1}: class index ${y} is not in [0, ${classes})`);
    }
  }
  return classes === 2 ? 'binary' : 'multiclass';
}

/**
 * The early-stopping slice: floor(rows × validation_fraction) rows drawn with the seed (not
 * stratified). None when early stopping is off or a side would be empty.
 */
function holdOut(
  rowCount: number,
  params: GbdtParams,
  seed: number,
): { trainRows: Uint32Array; validRows: Uint32Array } {
  const validCount = Math.floor(rowCount * params.validation_fraction);
  const all = new Uint32Array(rowCount);
  for (let i = 0; i < rowCount; i++) all[i] = i;
  if (params.early_stopping_rounds === 0 || validCount < 1 || validCount >= rowCount) {
    return { trainRows: all, validRows: new Uint32Array(0) };
  }
  new Random(streamSeed(seed, SEED_STREAM.validation)).shuffle(all);
  return {
    validRows: all.slice(0, validCount).sort(),
    trainRows: all.slice(validCount).sort(),
  };
}

function toModelTree(
  output: number,
  tree: BoostingResult['trees'][number]['tree'],
  bins: readonly FeatureBins[],
): Tree {
  const sets = tree.leftBins.map((leftBins, node) =>
    leftBins.length === 0 ? [] : codeRangesOfBins(bins[tree.feature[node]!]!, leftBins),
  );
  const threshold = tree.feature.map((f, node) =>
    f < 0 || sets[node]!.length > 0 ? 0 : bins[f]!.thresholds[tree.bin[node]!]!,
  );
  return {
    output,
    feature: tree.feature.slice(),
    threshold,
    ...(sets.some((ranges) => ranges.length > 0) ? { leftCodeRanges: sets } : {}),
    left: tree.left.slice(),
    right: tree.right.slice(),
    missingLeft: tree.missingLeft.slice(),
    value: tree.value.slice(),
    gain: tree.gain.slice(),
    cover: tree.cover.slice(),
  };
}

/**
 * The code ranges of the listed bins (ascending) of a categorical feature: bin b holds codes
 * thresholds[b-1]+1 .. thresholds[b], so neighbouring bins make one range.
 */
function codeRangesOfBins(feature: FeatureBins, bins: readonly number[]): number[] {
  const ranges: number[] = [];
  for (const b of bins) {
    const first = b === 0 ? 0 : feature.thresholds[b - 1]! + 1;
    const last = feature.thresholds[b]!;
    if (ranges.length > 0 && first === ranges[ranges.length - 1]! + 1) ranges[ranges.length - 1] = last;
    else ranges.push(first, last);
  }
  return ranges;
}
