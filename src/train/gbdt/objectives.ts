/**
 * Objectives: each fills gradient/hessian buffers from raw scores, gives the initial score, and
 * measures the loss. The tree learner sees only the buffers.
 *
 * Gradient boosting takes a second-order step on the loss L(y, s) per row: with g = ∂L/∂s and
 * h = ∂²L/∂s², a tree leaf's output is -ΣG/(ΣH + λ) (see split.ts).
 *
 * Binary log-loss (label y ∈ {0, 1}, score s, p = σ(s) = 1/(1 + e^-s)):
 *   L = -y·log p - (1-y)·log(1-p) = log(1 + e^s) - y·s
 *   g = σ(s) - y = p - y,   h = p·(1 - p)
 *   Computed stably as L = log1p(e^-|s|) + max(s, 0) - y·s. Math.exp is a third of the gradient
 *   pass, so training keeps q = e^-s per row (memory.expScores): adding a leaf value v multiplies it by
 *   e^-v (one exp per leaf, not per row), and it is recomputed exactly every EXP_REFRESH_ROUNDS rounds,
 *   which keeps its rounding drift below ~1e-14 relative. Deterministic (per row, in row order).
 *   Initial score: the log-odds of the training prior, log(p̄/(1-p̄)), which minimises L for a constant.
 *
 * Multiclass softmax (K classes, scores s_1..s_K, p_k = e^{s_k}/Σ_j e^{s_j}, label y):
 *   L = -log p_y = log Σ_j e^{s_j} - s_y
 *   g_k = p_k - [y = k],   ∂²L/∂s_k² = p_k·(1 - p_k)
 *   One tree per class per round, each fitted to its own (g_k, h_k) with the other scores held fixed
 *   (the diagonal of the Hessian). The hessian is scaled by K/(K-1) as in LightGBM: Friedman's
 *   multiclass TreeBoost (2001, Algorithm 6) takes leaf steps of (K-1)/K·Σg/Σ|g|(1-|g|), i.e. the
 *   diagonal Newton step shrunk by (K-1)/K, since the K scores are only determined up to a constant.
 *   Initial scores: log of the training class priors (softmax of them gives the priors).
 *
 * Squared error (regression):
 *   L = ½·(s - y)²,   g = s - y,   h = 1
 *   so a leaf's output is the mean residual shrunk by λ: -Σ(s-y)/(n + λ). Initial score: the mean of y.
 *   The reported loss is the mean squared error (twice L).
 */
import type { Link } from '../../model/types.ts';
import type { Kernel, ThreadScratch, TrainingMemory } from './memory.ts';

export type ObjectiveKind = 'binary' | 'multiclass' | 'regression';

export interface Objective {
  readonly kind: ObjectiveKind;
  /** Raw scores per row (1, or the number of classes for multiclass). */
  readonly outputs: number;
  readonly link: Link;
  /** Name of the loss the gradient kernel and `loss` measure, for the report. */
  readonly lossName: string;
  /** Initial raw score per output: the best constant for the training target. */
  boostFromScore(target: Float64Array): number[];
  /**
   * Row-block kernel: fills memory.gradHess from memory.scores and memory.target (output k's [g, h]
   * pair of row i at k * 2 * rowCount + 2 * i) and memory.blockLoss[task] with the block's loss sum.
   */
  readonly gradientKernel: Kernel;
  /** Whether the gradient kernel reads e^-score per row from memory.expScores (a = [exact]). */
  readonly expScores: boolean;
  /**
   * Row-block kernel: memory.blockLoss[task] = the loss sum of row block `task` of the training rows
   * (a = [0]) or of the validation rows (a = [1]), at their current scores.
   */
  readonly lossKernel: Kernel;
}

/** Rounds between exact recomputations of memory.expScores (see the binary log-loss notes above). */
export const EXP_REFRESH_ROUNDS = 16;

/** Probability clamp for initial scores (a class absent from training). */
const MIN_PRIOR = 1e-15;

/** The objective of a task: binary (2 classes), multiclass (> 2) or regression. */
export function createObjective(kind: ObjectiveKind, classes: number): Objective {
  switch (kind) {
    case 'binary':
      return {
        kind,
        outputs: 1,
        link: 'sigmoid',
        lossName: 'log_loss',
        boostFromScore(target) {
          let positives = 0;
          for (let i = 0; i < target.length; i++) positives += target[i]!;
          const p = Math.min(1 - MIN_PRIOR, Math.max(MIN_PRIOR, positives / Math.max(1, target.length)));
          return [Math.log(p / (1 - p))];
        },
        gradientKernel: binaryGradientKernel,
        expScores: true,
        lossKernel: binaryLossKernel,
      };
    case 'multiclass':
      return {
        kind,
        outputs: classes,
        link: 'softmax',
        lossName: 'log_loss',
        boostFromScore(target) {
          const counts = new Float64Array(classes);
          for (let i = 0; i < target.length; i++) counts[target[i]!]! += 1;
          return Array.from(counts, (c) => Math.log(Math.max(MIN_PRIOR, c / Math.max(1, target.length))));
        },
        gradientKernel: multiclassGradientKernel,
        expScores: false,
        lossKernel: multiclassLossKernel,
      };
    case 'regression':
      return {
        kind,
        outputs: 1,
        link: 'identity',
        lossName: 'mse',
        boostFromScore(target) {
          let sum = 0;
          for (let i = 0; i < target.length; i++) sum += target[i]!;
          return [target.length > 0 ? sum / target.length : 0];
        },
        gradientKernel: squaredErrorGradientKernel,
        expScores: false,
        lossKernel: squaredErrorLossKernel,
      };
  }
}

// Kernels: self-contained (workers run them from their source text); 1e-16 is the smallest hessian a
// row contributes, so a confidently right row cannot make a 0/0 leaf.

/**
 * Binary log-loss gradients of row block `task`. a = [exact]: 1 recomputes memory.expScores (e^-s)
 * from the scores, 0 uses them as the score updates left them. Per row (kernels.wat's binaryGradients,
 * 64 rows a call, two at a time): e = e^-|s| from q = e^-s (q is 0 or Infinity only where |s| > 700:
 * then e is 0 either way), p = 1/(1 + e^-s), g = p - y, h = max(p(1 - p), 1e-16). The loss needs
 * log1p(e^-|s|) per row: the factors 1 + e^-|s| (in (1, 2]) are multiplied 64 at a time and one log
 * taken per 64 rows.
 */
export function binaryGradientKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const from = task * m.blockRows;
  const to = Math.min(m.rowCount, from + m.blockRows);
  const { scores, target, gradHess, expScores } = m;
  if (a[0] === 1) for (let i = from; i < to; i++) expScores[i] = Math.exp(-scores[i]!);
  // The running sum of max(s, 0) - y·s, in the thread's scratch (the WebAssembly loop adds to it).
  const linear = s.gradients;
  linear[0] = 0;
  let logs = 0;
  let product = 1;
  for (let i = from; i < to; i += 64) {
    const rows = Math.min(64, to - i);
    product = s.wasm.binaryGradients(
      scores.byteOffset + 8 * i,
      target.byteOffset + 8 * i,
      expScores.byteOffset + 8 * i,
      gradHess.byteOffset + 16 * i,
      rows,
      linear.byteOffset,
    );
    if (rows === 64) {
      logs += Math.log(product);
      product = 1;
    }
  }
  m.blockLoss[task] = logs + Math.log(product) + linear[0]!;
}

/**
 * Softmax gradients of row block `task` for every class; hessians scaled by K/(K-1). a = []. The loss
 * log Σe^(s-max) is summed as the log of running products (one log per 64 rows or before overflow).
 */
export function multiclassGradientKernel(task: number, m: TrainingMemory, _a: Int32Array, s: ThreadScratch): void {
  const from = task * m.blockRows;
  const to = Math.min(m.rowCount, from + m.blockRows);
  const k = m.outputs;
  const factor = k / (k - 1);
  const n = m.rowCount;
  const { scores, target, gradHess } = m;
  const exps = s.gradients;
  let linear = 0;
  let logs = 0;
  let product = 1;
  for (let i = from; i < to; i++) {
    const base = i * k;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, scores[base + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(scores[base + c]! - max);
      exps[c] = e;
      sum += e;
    }
    const y = target[i]!;
    linear += max - scores[base + y]!;
    product *= sum;
    if (((i - from) & 63) === 63 || product > 1e250) {
      logs += Math.log(product);
      product = 1;
    }
    const inverse = 1 / sum;
    for (let c = 0; c < k; c++) {
      const p = exps[c]! * inverse;
      const at = c * 2 * n + 2 * i;
      gradHess[at] = c === y ? p - 1 : p;
      gradHess[at + 1] = Math.max(factor * p * (1 - p), 1e-16);
    }
  }
  m.blockLoss[task] = logs + Math.log(product) + linear;
}

/** Squared-error gradients of row block `task`; the loss sum is of (s - y)². a = []. */
export function squaredErrorGradientKernel(task: number, m: TrainingMemory): void {
  const from = task * m.blockRows;
  const to = Math.min(m.rowCount, from + m.blockRows);
  const { scores, target, gradHess } = m;
  let loss = 0;
  for (let i = from; i < to; i++) {
    const r = scores[i]! - target[i]!;
    loss += r * r;
    gradHess[2 * i] = r;
    gradHess[2 * i + 1] = 1;
  }
  m.blockLoss[task] = loss;
}

/** Binary log-loss sum of row block `task` of the training (a = [0]) or validation (a = [1]) rows. */
export function binaryLossKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const valid = a[0] === 1;
  const scores = valid ? m.validScores : m.scores;
  const target = valid ? m.validTarget : m.target;
  const from = task * m.blockRows;
  const to = Math.min(valid ? m.validRowCount : m.rowCount, from + m.blockRows);
  let loss = 0;
  for (let i = from; i < to; i++) {
    const s = scores[i]!;
    loss += Math.log1p(Math.exp(-Math.abs(s))) + Math.max(s, 0) - target[i]! * s;
  }
  m.blockLoss[task] = loss;
}

/** Softmax log-loss sum of row block `task` of the training (a = [0]) or validation (a = [1]) rows. */
export function multiclassLossKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const valid = a[0] === 1;
  const scores = valid ? m.validScores : m.scores;
  const target = valid ? m.validTarget : m.target;
  const from = task * m.blockRows;
  const to = Math.min(valid ? m.validRowCount : m.rowCount, from + m.blockRows);
  const k = m.outputs;
  let loss = 0;
  for (let i = from; i < to; i++) {
    const base = i * k;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, scores[base + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(scores[base + c]! - max);
    loss += Math.log(sum) + max - scores[base + target[i]!]!;
  }
  m.blockLoss[task] = loss;
}

/** Sum of (s - y)² over row block `task` of the training (a = [0]) or validation (a = [1]) rows. */
export function squaredErrorLossKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const valid = a[0] === 1;
  const scores = valid ? m.validScores : m.scores;
  const target = valid ? m.validTarget : m.target;
  const from = task * m.blockRows;
  const to = Math.min(valid ? m.validRowCount : m.rowCount, from + m.blockRows);
  let loss = 0;
  for (let i = from; i < to; i++) {
    const r = scores[i]! - target[i]!;
    loss += r * r;
  }
  m.blockLoss[task] = loss;
}
