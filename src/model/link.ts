/**
 * Raw scores to predictions, computed in float64 like the exported graph does
 * (Sigmoid / Softmax / ArgMax in double precision).
 */
import type { Link, Predictions } from './types.ts';

/**
 * `scores` is rowCount x outputs row-major. identity → values; sigmoid → probabilities [1-p, p];
 * softmax → probabilities over outputs. labelIndex is the first index of the largest probability.
 */
export function applyLink(link: Link, scores: Float64Array, rowCount: number): Predictions {
  if (link === 'identity') {
    return { rowCount, values: scores.slice(0, rowCount) };
  }
  const classes = link === 'sigmoid' ? 2 : scores.length / Math.max(rowCount, 1);
  const probabilities = new Float64Array(rowCount * classes);
  const labelIndex = new Int32Array(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const base = row * classes;
    if (link === 'sigmoid') {
      const p = sigmoid(scores[row]!);
      probabilities[base] = 1 - p;
      probabilities[base + 1] = p;
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < classes; k++) max = Math.max(max, scores[base + k]!);
      let sum = 0;
      for (let k = 0; k < classes; k++) {
        const e = Math.exp(scores[base + k]! - max);
        probabilities[base + k] = e;
        sum += e;
      }
      for (let k = 0; k < classes; k++) probabilities[base + k]! /= sum;
    }
    let best = 0;
    for (let k = 1; k < classes; k++) if (probabilities[base + k]! > probabilities[base + best]!) best = k;
    labelIndex[row] = best;
  }
  return { rowCount, probabilities, labelIndex };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Number of raw scores a model of this link produces per row. */
export function outputCount(link: Link, classes: number): number {
  return link === 'softmax' ? classes : 1;
}
