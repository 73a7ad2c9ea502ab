/**
 * The boosting loop: gradients → row sample → column sample → learn a tree per output → shrink →
 * update train and validation scores → early stopping. Stops after n_trees rounds, when the validation
 * loss has not improved for early_stopping_rounds rounds (keeping the best round), or when no tree of a
 * round finds a split that helps.
 */
import type { GbdtParams } from '../../config/schema.ts';
import { Random } from '../../lib/random.ts';
import type { TrainProgress } from '../types.ts';
import type { HistogramBuilder } from './histogram-builder.ts';
import type { Objective } from './objectives.ts';
import { type BinnedTree, TreeLearner } from './tree-learner.ts';

/** Independent random streams derived from the run's seed, so one option does not shift another's draws. */
export const SEED_STREAM = { validation: 1, bins: 2, rows: 3, columns: 4 } as const;

/** A seed for stream `stream` of `seed`. */
export function streamSeed(seed: number, stream: number): number {
  return (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
}

export interface ValidationSet {
  /** Column-major bins of the validation rows (feature f of row i at f * rowCount + i). */
  readonly bins: Uint8Array;
  readonly rowCount: number;
  readonly target: Float64Array;
}

export interface BoostingInput {
  readonly objective: Objective;
  readonly params: GbdtParams;
  /** Holds the training rows' bins; its gradient and row buffers are the loop's working memory. */
  readonly builder: HistogramBuilder;
  /** Value bins per feature (the missing bin is the next index). */
  readonly valueBins: readonly number[];
  /** Target of the training rows, in bin-matrix order. */
  readonly target: Float64Array;
  readonly validation?: ValidationSet;
  readonly seed: number;
  readonly onProgress?: (event: TrainProgress) => void;
}

export interface BoostedTree {
  /** Raw-score output the tree adds to. */
  readonly output: number;
  /** Leaf values already multiplied by the learning rate. */
  readonly tree: BinnedTree;
}

export type StopReason = 'n_trees' | 'early_stopping' | 'no_split';

export interface BoostingResult {
  readonly baseScore: number[];
  /** Trees of the kept rounds, round by round, outputs in order within a round. */
  readonly trees: BoostedTree[];
  /** Rounds kept (the best round under early stopping). */
  readonly rounds: number;
  readonly roundsRun: number;
  readonly stopReason: StopReason;
  readonly history: { iteration: number; trainLoss: number; validLoss?: number }[];
  /**
   * Raw scores of the training rows (rowCount x outputs) after the last round run; they are the kept
   * model's scores when `rounds === roundsRun`.
   */
  readonly trainScores: Float64Array;
}

/** Runs the loop. Synchronous between rounds; yields to the event loop once per round. */
export async function boost(input: BoostingInput): Promise<BoostingResult> {
  const { objective, params, builder, target, validation } = input;
  const outputs = objective.outputs;
  const rowCount = builder.rowCount;
  const featureCount = input.valueBins.length;
  const learner = new TreeLearner(builder, input.valueBins, {
    growth: params.growth,
    maxDepth: params.max_depth,
    maxLeaves: params.max_leaves,
    minSamplesLeaf: params.min_samples_leaf,
    minHessianLeaf: params.min_hessian_leaf,
    l1: params.l1,
    l2: params.l2,
    minSplitGain: params.min_split_gain,
  });
  const missingBins = Int32Array.from(input.valueBins);
  const baseScore = objective.boostFromScore(target);
  const trainScores = filledScores(rowCount, baseScore);
  const validScores = validation ? filledScores(validation.rowCount, baseScore) : undefined;
  const rowRandom = new Random(streamSeed(input.seed, SEED_STREAM.rows));
  const columnRandom = new Random(streamSeed(input.seed, SEED_STREAM.columns));
  const columnCount = Math.max(1, Math.round(params.colsample * featureCount));
  const allFeatures = Array.from({ length: featureCount }, (_, f) => f);
  const earlyStopping = validation !== undefined && params.early_stopping_rounds > 0;

  const trees: BoostedTree[] = [];
  const history: BoostingResult['history'] = [];
  const sampleBuffer = params.subsample < 1 ? new Uint32Array(rowCount) : undefined;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRounds = 0;
  let stopReason: StopReason = 'n_trees';
  let roundsRun = 0;
  const report = (trainLoss: number) => {
    const entry = history[history.length - 1]!;
    entry.trainLoss = trainLoss;
    input.onProgress?.({ iteration: entry.iteration, total: params.n_trees, trainLoss, validLoss: entry.validLoss });
  };

  for (let round = 0; round < params.n_trees; round++) {
    const trainLoss = objective.gradients(trainScores, target, builder.gradHess);
    if (round > 0) report(trainLoss);
    const sample = sampleBuffer ? bernoulliSample(params.subsample, rowRandom, sampleBuffer) : undefined;
    const sampled = sample ? sample.length : rowCount;

    const roundTrees: BoostedTree[] = [];
    for (let k = 0; k < outputs; k++) {
      builder.setFeatures(columnCount < featureCount ? sampleColumns(featureCount, columnCount, columnRandom) : allFeatures);
      if (sample) builder.rows.set(sample);
      else for (let i = 0; i < rowCount; i++) builder.rows[i] = i;
      const tree = learner.learn(sampled, k);
      for (let node = 0; node < tree.value.length; node++) tree.value[node]! *= params.learning_rate;
      roundTrees.push({ output: k, tree });
      // Only trees that split are applied now (their leaf ranges are still valid); a one-leaf tree is
      // a constant, applied below if the round is kept.
      if (tree.feature.length > 1) {
        if (sample) addTreeScores(tree, builder.bins, rowCount, missingBins, trainScores, outputs, k);
        else addLeafScores(tree, builder.rows, trainScores, outputs, k);
      }
    }
    if (roundTrees.every(({ tree }) => tree.feature.length === 1)) {
      stopReason = 'no_split';
      break;
    }
    for (const { output, tree } of roundTrees) {
      if (tree.feature.length === 1) addConstant(trainScores, outputs, output, tree.value[0]!);
      if (validation && validScores) {
        addTreeScores(tree, validation.bins, validation.rowCount, missingBins, validScores, outputs, output);
      }
    }
    trees.push(...roundTrees);
    roundsRun = round + 1;
    const validLoss = validation && validScores ? objective.loss(validScores, validation.target) : undefined;
    history.push({ iteration: roundsRun, trainLoss: Number.NaN, validLoss });
    if (earlyStopping && validLoss !== undefined) {
      if (validLoss < bestLoss) {
        bestLoss = validLoss;
        bestRounds = roundsRun;
      } else if (roundsRun - bestRounds >= params.early_stopping_rounds) {
        stopReason = 'early_stopping';
        break;
      }
    }
    // Let timers and I/O (progress display, signals) run between rounds.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (history.length > 0) report(objective.loss(trainScores, target));
  const rounds = earlyStopping ? bestRounds : roundsRun;
  return {
    baseScore,
    trees: trees.slice(0, rounds * outputs),
    rounds,
    roundsRun,
    stopReason,
    history,
    trainScores,
  };
}

function filledScores(rowCount: number, baseScore: readonly number[]): Float64Array {
  const outputs = baseScore.length;
  const scores = new Float64Array(rowCount * outputs);
  for (let i = 0; i < rowCount; i++) for (let k = 0; k < outputs; k++) scores[i * outputs + k] = baseScore[k]!;
  return scores;
}

/** Each row kept with probability `rate` (one draw per row, ascending), written into `buffer`. */
function bernoulliSample(rate: number, random: Random, buffer: Uint32Array): Uint32Array {
  let count = 0;
  for (let i = 0; i < buffer.length; i++) if (random.next() < rate) buffer[count++] = i;
  return buffer.subarray(0, count);
}

/** `count` of `featureCount` features, drawn without replacement, ascending. */
function sampleColumns(featureCount: number, count: number, random: Random): number[] {
  const all = Array.from({ length: featureCount }, (_, f) => f);
  random.shuffle(all);
  return all.slice(0, count).sort((a, b) => a - b);
}

/** Adds each leaf's value to the rows the learner left in its range. */
function addLeafScores(tree: BinnedTree, rows: Uint32Array, scores: Float64Array, outputs: number, k: number): void {
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node]! >= 0) continue;
    const value = tree.value[node]!;
    const end = tree.rowEnd[node]!;
    for (let i = tree.rowBegin[node]!; i < end; i++) scores[rows[i]! * outputs + k] += value;
  }
}

function addConstant(scores: Float64Array, outputs: number, k: number, value: number): void {
  for (let i = k; i < scores.length; i += outputs) scores[i] += value;
}

/** Routes every row of a column-major bin matrix through the tree and adds its leaf value. */
export function addTreeScores(
  tree: BinnedTree,
  bins: Uint8Array,
  rowCount: number,
  missingBins: Int32Array,
  scores: Float64Array,
  outputs: number,
  k: number,
): void {
  const feature = Int32Array.from(tree.feature);
  const bin = Int32Array.from(tree.bin);
  const missingLeft = Uint8Array.from(tree.missingLeft, (m) => (m ? 1 : 0));
  const left = Int32Array.from(tree.left);
  const right = Int32Array.from(tree.right);
  const value = Float64Array.from(tree.value);
  for (let row = 0; row < rowCount; row++) {
    let node = 0;
    for (let f = feature[0]!; f >= 0; f = feature[node]!) {
      const b = bins[f * rowCount + row]!;
      const goLeft = b === missingBins[f]! ? missingLeft[node] === 1 : b <= bin[node]!;
      node = goLeft ? left[node]! : right[node]!;
    }
    scores[row * outputs + k] += value[node]!;
  }
}
