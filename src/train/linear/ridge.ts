/**
 * Ridge regression in closed form: minimises (1/2n) Σ (y_i − x_i·w − b)² + (l2/2) ‖w‖² by solving
 * the normal equations (XᵀX/n + l2·I_w) [w; b] = Xᵀy/n with a Cholesky factorisation (bias unpenalised).
 */
import type { LinearDesign } from '../../model/predict-linear.ts';

/**
 * Smallest penalty used to solve the system. With l2 = 0 and collinear columns (every category of a
 * feature one-hot beside the bias) XᵀX is singular; this negligible ridge picks the minimum-norm-like
 * solution instead of failing.
 */
export const MIN_RIDGE = 1e-10;

export interface RidgeSolution {
  /** weights[column] (one output). */
  readonly weights: Float64Array;
  readonly bias: number;
}

/** Solves ridge regression on `design` for targets `y`. */
export function solveRidge(design: LinearDesign, y: Float64Array, l2: number): RidgeSolution {
  const n = design.rowCount;
  const d = design.columnCount;
  const size = d + 1; // last unknown is the bias
  const a = new Float64Array(size * size);
  const rhs = new Float64Array(size);
  // Per row, the non-zero design entries (at most one per block, plus the bias) as (index, value).
  const index = new Int32Array(design.blocks.length + 1);
  const value = new Float64Array(design.blocks.length + 1);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (const block of design.blocks) {
      if (block.kind === 'numeric') {
        index[m] = block.column;
        value[m++] = block.values[i]!;
      } else if (block.hot[i]! >= 0) {
        index[m] = block.hot[i]!;
        value[m++] = 1;
      }
    }
    index[m] = d;
    value[m++] = 1;
    const yi = y[i]!;
    for (let p = 0; p < m; p++) {
      const row = index[p]! * size;
      const vp = value[p]!;
      rhs[index[p]!]! += vp * yi;
      for (let q = 0; q < m; q++) a[row + index[q]!]! += vp * value[q]!;
    }
  }
  const penalty = Math.max(l2, MIN_RIDGE);
  for (let j = 0; j < size * size; j++) a[j]! /= n;
  for (let j = 0; j < size; j++) rhs[j]! /= n;
  for (let j = 0; j < d; j++) a[j * size + j]! += penalty;
  // Positive definite for n > 0: vᵀAv = ‖Xv‖²/n + penalty·‖w‖² vanishes only when w = 0 and b = 0.
  const solution = choleskySolve(a, rhs, size);
  return { weights: solution.subarray(0, d), bias: solution[d]! };
}

/** Solves A x = b for symmetric positive definite A (row-major, size × size). A is overwritten. */
export function choleskySolve(a: Float64Array, b: Float64Array, size: number): Float64Array {
  // In-place lower-triangular factor L with A = L Lᵀ.
  for (let j = 0; j < size; j++) {
    let diag = a[j * size + j]!;
    for (let k = 0; k < j; k++) diag -= a[j * size + k]! * a[j * size + k]!;
    if (!(diag > 0)) throw new Error(`ridge system is not positive definite at column ${j} (pivot ${diag})`);
    const ljj = Math.sqrt(diag);
    a[j * size + j] = ljj;
    for (let i = j + 1; i < size; i++) {
      let sum = a[i * size + j]!;
      for (let k = 0; k < j; k++) sum -= a[i * size + k]! * a[j * size + k]!;
      a[i * size + j] = sum / ljj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < size; i++) {
    let sum = x[i]!;
    for (let k = 0; k < i; k++) sum -= a[i * size + k]! * x[k]!;
    x[i] = sum / a[i * size + i]!;
  }
  for (let i = size - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let k = i + 1; k < size; k++) sum -= a[k * size + i]! * x[k]!;
    x[i] = sum / a[i * size + i]!;
  }
  return x;
}
