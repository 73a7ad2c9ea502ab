/**
 * Penalised negative log-likelihoods of the linear models, as L-BFGS objectives.
 *
 * Parameters θ = [W (columns × outputs, row-major), b (outputs)], scores s_i = x_i·W + b.
 *   f(θ) = (1/n) Σ_i loss(s_i, y_i) + (l2 / 2) ‖W‖²      (the bias is not penalised)
 *   ∂f/∂W[c,k] = (1/n) Σ_i x_ic · r_ik + l2 · W[c,k],   ∂f/∂b_k = (1/n) Σ_i r_ik
 * where the residual r_ik = ∂loss/∂s_ik:
 *   logistic (sigmoid, y ∈ {0,1}): loss = log(1 + e^s) − y·s,       r = σ(s) − y
 *   softmax (y ∈ {0..K−1}):        loss = log Σ_k e^{s_k} − s_y,    r_k = softmax(s)_k − [y = k]
 */
import type { LinearDesign } from '../../model/predict-linear.ts';
import { linearScores } from '../../model/predict-linear.ts';
import type { ObjectiveFn } from './lbfgs.ts';

export type ClassificationLoss = 'logistic' | 'softmax';

/** The objective over `design` with targets `target` (class indices) and `outputs` scores per row. */
export function classificationObjective(
  loss: ClassificationLoss,
  design: LinearDesign,
  target: Float64Array,
  outputs: number,
  l2: number,
): ObjectiveFn {
  const n = design.rowCount;
  const weightCount = design.columnCount * outputs;
  const scores = new Float64Array(n * outputs);
  // Reused residual buffer: r_ik, overwritten each evaluation.
  const residual = new Float64Array(n * outputs);
  return (theta, grad) => {
    const weights = theta.subarray(0, weightCount);
    const bias = theta.subarray(weightCount);
    linearScores(design, weights, bias, outputs, scores);
    let total = 0;
    if (loss === 'logistic') {
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        const y = target[i]!;
        total += softplus(s) - y * s;
        residual[i] = sigmoid(s) - y;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const base = i * outputs;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < outputs; k++) max = Math.max(max, scores[base + k]!);
        let sum = 0;
        for (let k = 0; k < outputs; k++) {
          const e = Math.exp(scores[base + k]! - max);
          residual[base + k] = e;
          sum += e;
        }
        const y = target[i]!;
        total += max + Math.log(sum) - scores[base + y]!;
        for (let k = 0; k < outputs; k++) residual[base + k]! /= sum;
        residual[base + y]! -= 1;
      }
    }
    accumulateGradient(design, residual, outputs, grad);
    let penalty = 0;
    for (let j = 0; j < grad.length; j++) grad[j]! /= n;
    for (let j = 0; j < weightCount; j++) {
      penalty += theta[j]! * theta[j]!;
      grad[j]! += l2 * theta[j]!;
    }
    return total / n + 0.5 * l2 * penalty;
  };
}

/** grad[W] = Σ_i x_iᵀ r_i and grad[b] = Σ_i r_i (unscaled). */
function accumulateGradient(design: LinearDesign, residual: Float64Array, outputs: number, grad: Float64Array): void {
  grad.fill(0);
  const n = design.rowCount;
  const biasOffset = design.columnCount * outputs;
  for (const block of design.blocks) {
    if (block.kind === 'numeric') {
      const { values } = block;
      const w = block.column * outputs;
      if (outputs === 1) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += values[i]! * residual[i]!;
        grad[w] = sum;
      } else {
        for (let i = 0; i < n; i++) {
          const x = values[i]!;
          const base = i * outputs;
          for (let k = 0; k < outputs; k++) grad[w + k]! += x * residual[base + k]!;
        }
      }
    } else {
      const { hot } = block;
      for (let i = 0; i < n; i++) {
        const c = hot[i]!;
        if (c < 0) continue;
        const w = c * outputs;
        const base = i * outputs;
        for (let k = 0; k < outputs; k++) grad[w + k]! += residual[base + k]!;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const base = i * outputs;
    for (let k = 0; k < outputs; k++) grad[biasOffset + k]! += residual[base + k]!;
  }
}

/** log(1 + e^s) without overflow. */
function softplus(s: number): number {
  return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
}

function sigmoid(s: number): number {
  if (s >= 0) return 1 / (1 + Math.exp(-s));
  const e = Math.exp(s);
  return e / (1 + e);
}
