/**
 * The boosting loop: gradients → row sample → column sample → learn a tree per output → shrink →
 * update train and validation scores → early stopping. Stops after n_trees rounds, when the validation
 * loss has not improved for early_stopping_rounds rounds (keeping the best round), or when no tree of a
 * round finds a split that helps.
 */
import type { GbdtParams } from '../../config/schema.ts';
import { Random } from '../../lib/random.ts';
import type { TrainProgress } from '../types.ts';
import type { Executor } from './executor.ts';
import { EXP_REFRESH_ROUNDS, type Objective } from './objectives.ts';
import { applyLeafValuesKernel, markLeavesKernel, TREE_NODE_STRIDE, traverseKernel } from './scores.ts';
import { type BinnedTree, TreeLearner } from './tree-learner.ts';

/** Independent random streams derived from the run's seed, so one option does not shift another's draws. */
export const SEED_STREAM = { validation: 1, bins: 2, rows: 3, columns: 4 } as const;

/** A seed for stream `stream` of `seed`. */
export function streamSeed(seed: number, stream: number): number {
  return (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
}

export interface BoostingInput {
  readonly objective: Objective;
  readonly params: GbdtParams;
  /** Holds the training rows' bins and target (and the validation rows' bins and target, if any). */
  readonly executor: Executor;
  readonly seed: number;
  /** Per feature: 1 when its trees split it by sets of categories (categorical features, partition mode). */
  readonly setSplitFeatures: Uint8Array;
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

/** Runs the loop. Synchronous within a round; yields to the event loop between rounds. */
export async function boost(input: BoostingInput): Promise<BoostingResult> {
  const { objective, params, executor } = input;
  const m = executor.memory;
  const outputs = objective.outputs;
  const rowCount = m.rowCount;
  const featureCount = m.featureCount;
  const learner = new TreeLearner(executor, {
    growth: params.growth,
    maxDepth: params.max_depth,
    maxLeaves: params.max_leaves,
    minSamplesLeaf: params.min_samples_leaf,
    minHessianLeaf: params.min_hessian_leaf,
    l1: params.l1,
    l2: params.l2,
    minSplitGain: params.min_split_gain,
    categorical: {
      features: input.setSplitFeatures,
      params: {
        catSmooth: params.cat_smooth,
        catL2: params.cat_l2,
        maxCatThreshold: params.max_cat_threshold,
        minDataPerGroup: params.min_data_per_group,
      },
    },
  });
  const baseScore = objective.boostFromScore(m.target);
  fillScores(m.scores, baseScore);
  const validation = m.validRowCount > 0;
  if (validation) fillScores(m.validScores, baseScore);
  const rowRandom = new Random(streamSeed(input.seed, SEED_STREAM.rows));
  const columnRandom = new Random(streamSeed(input.seed, SEED_STREAM.columns));
  const columnCount = Math.max(1, Math.round(params.colsample * featureCount));
  const allFeatures = Array.from({ length: featureCount }, (_, f) => f);
  const earlyStopping = validation && params.early_stopping_rounds > 0;
  const sampleBuffer = params.subsample < 1 ? new Uint32Array(rowCount) : undefined;
  const identity = new Uint32Array(sampleBuffer ? 0 : rowCount);
  for (let i = 0; i < identity.length; i++) identity[i] = i;

  const trees: BoostedTree[] = [];
  const history: BoostingResult['history'] = [];
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
    // Gradients at the current scores; their loss is the previous round's training loss.
    const trainLoss = gradients(executor, objective, round % EXP_REFRESH_ROUNDS === 0);
    if (round > 0) report(trainLoss);
    const sample = sampleBuffer ? bernoulliSample(params.subsample, rowRandom, sampleBuffer) : undefined;
    const sampled = sample ? sample.length : rowCount;

    const roundTrees: BoostedTree[] = [];
    for (let k = 0; k < outputs; k++) {
      learner.setFeatures(
        columnCount < featureCount ? sampleColumns(featureCount, columnCount, columnRandom) : allFeatures,
      );
      if (sample) m.rows.set(sample);
      else m.rows.set(identity);
      const tree = learner.learn(sampled, k, sample === undefined);
      for (let node = 0; node < tree.value.length; node++) tree.value[node]! *= params.learning_rate;
      roundTrees.push({ output: k, tree });
      // Trees that split are applied now, while their leaf ranges are valid; a one-leaf tree is a
      // constant, applied below if the round is kept.
      if (tree.feature.length > 1) {
        if (sample) addTreeScores(executor, tree, k, false);
        else addLeafScores(executor, tree, sampled, k);
      }
    }
    if (roundTrees.every(({ tree }) => tree.feature.length === 1)) {
      stopReason = 'no_split';
      break;
    }
    for (const { output, tree } of roundTrees) {
      if (tree.feature.length === 1) addTreeScores(executor, tree, output, false);
      if (validation) addTreeScores(executor, tree, output, true);
    }
    trees.push(...roundTrees);
    roundsRun = round + 1;
    const validLoss = validation ? meanLoss(executor, objective, true) : undefined;
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
  if (history.length > 0) report(meanLoss(executor, objective, false));
  const rounds = earlyStopping ? bestRounds : roundsRun;
  return {
    baseScore,
    trees: trees.slice(0, rounds * outputs),
    rounds,
    roundsRun,
    stopReason,
    history,
    trainScores: m.scores.slice(),
  };
}

/**
 * Fills memory.gradHess; returns the mean training loss at the current scores (block sums in order).
 * `exact`: recompute memory.expScores from the scores (objectives that keep them).
 */
function gradients(executor: Executor, objective: Objective, exact: boolean): number {
  const m = executor.memory;
  const blocks = executor.blocks(m.rowCount);
  executor.run(objective.gradientKernel, blocks, [exact ? 1 : 0]);
  let loss = 0;
  for (let t = 0; t < blocks; t++) loss += m.blockLoss[t]!;
  return loss / Math.max(1, m.rowCount);
}

/** Mean loss of the training or validation rows at their current scores (block sums in order). */
function meanLoss(executor: Executor, objective: Objective, validation: boolean): number {
  const m = executor.memory;
  const rows = validation ? m.validRowCount : m.rowCount;
  const blocks = executor.blocks(rows);
  executor.run(objective.lossKernel, blocks, [validation ? 1 : 0]);
  let loss = 0;
  for (let t = 0; t < blocks; t++) loss += m.blockLoss[t]!;
  return loss / Math.max(1, rows);
}

function fillScores(scores: Float64Array, baseScore: readonly number[]): void {
  const outputs = baseScore.length;
  for (let i = 0; i < scores.length; i++) scores[i] = baseScore[i % outputs]!;
}

/**
 * Adds each leaf's value to the rows the learner left in its range of memory.rows[0, size) (every
 * training row): their leaves are marked, then the scores updated in row order.
 */
function addLeafScores(executor: Executor, tree: BinnedTree, size: number, k: number): void {
  const { leafRanges, leafValues } = executor.memory;
  const order: number[] = [];
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node]! < 0) order.push(node);
  order.sort((a, b) => tree.rowBegin[a]! - tree.rowBegin[b]!);
  const { leafFactors } = executor.memory;
  order.forEach((node, i) => {
    leafRanges[2 * i] = tree.rowBegin[node]!;
    leafRanges[2 * i + 1] = tree.rowEnd[node]!;
    leafValues[i] = tree.value[node]!;
    leafFactors[i] = Math.exp(-tree.value[node]!);
  });
  executor.run(markLeavesKernel, executor.blocks(size), [size, order.length, k]);
  executor.run(applyLeafValuesKernel, executor.blocks(size), [size, order.length, k]);
}

/** Routes every training (or validation) row through the tree on its bins and adds its leaf value. */
function addTreeScores(executor: Executor, tree: BinnedTree, k: number, validation: boolean): void {
  const m = executor.memory;
  for (let node = 0; node < tree.feature.length; node++) {
    const at = node * TREE_NODE_STRIDE;
    m.treeNodes[at] = tree.feature[node]!;
    m.treeNodes[at + 1] = tree.left[node]!;
    m.treeNodes[at + 2] = tree.right[node]!;
    m.treeNodes.set(tree.leftMask[node]!, at + 3);
    m.treeValues[node] = tree.value[node]!;
    m.treeFactors[node] = Math.exp(-tree.value[node]!);
  }
  const rows = validation ? m.validRowCount : m.rowCount;
  executor.run(traverseKernel, executor.blocks(rows), [validation ? 1 : 0, k]);
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
