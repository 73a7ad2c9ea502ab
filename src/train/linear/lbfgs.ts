/**
 * Limited-memory BFGS for smooth convex objectives. Deterministic: plain float64 arithmetic in a
 * fixed order, no randomness, so the same problem always gives the same bytes.
 */

/** Writes the gradient at `x` into `grad` and returns the objective value. */
export type ObjectiveFn = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Maximum iterations (each one line search). */
  readonly maxIter: number;
  /** Stop when |f_prev - f| / max(|f_prev|, |f|, 1) falls below this. */
  readonly tolerance: number;
  /** Stop when the largest gradient component falls below this. Default 1e-10. */
  readonly gradientTolerance?: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
  /** Called after each iteration with the objective and the current point (do not modify it). */
  readonly onIteration?: (iteration: number, value: number, x: Float64Array) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Why it stopped. */
  readonly reason: 'tolerance' | 'gradient' | 'max_iter' | 'line_search';
  /** Objective after each iteration. */
  readonly history: readonly number[];
}

/** Sufficient-decrease constant of the Armijo condition. */
const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 60;

/**
 * Minimises `fn` from `x0` (not modified). Backtracking Armijo line search from a unit step (the
 * quasi-Newton step is usually well scaled); a correction pair is kept only when sᵀy > 0 so the
 * inverse-Hessian estimate stays positive definite.
 */
export function minimizeLbfgs(fn: ObjectiveFn, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const memory = options.memory ?? 10;
  const gradientTolerance = options.gradientTolerance ?? 1e-10;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fn(x, g);
  const history: number[] = [];
  if (!Number.isFinite(f)) throw new Error(`objective is not finite at the starting point (${f})`);
  if (maxAbs(g) < gradientTolerance) return { x, value: f, iterations: 0, reason: 'gradient', history };

  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const alpha = new Float64Array(memory);
  const direction = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);

  for (let iteration = 1; iteration <= options.maxIter; iteration++) {
    // Two-loop recursion: direction = -H·g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    for (let j = sList.length - 1; j >= 0; j--) {
      alpha[j] = rhoList[j]! * dot(sList[j]!, direction);
      axpy(-alpha[j]!, yList[j]!, direction);
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let i = 0; i < n; i++) direction[i]! *= gamma;
    }
    for (let j = 0; j < sList.length; j++) {
      const beta = rhoList[j]! * dot(yList[j]!, direction);
      axpy(alpha[j]! - beta, sList[j]!, direction);
    }
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = yList.length = rhoList.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      slope = dot(g, direction);
    }

    // The first step has no curvature information: keep it to unit length.
    let step = sList.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;
    let fNew = Number.NaN;
    let accepted = false;
    for (let t = 0; t < MAX_BACKTRACKS; t++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * direction[i]!;
      fNew = fn(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + ARMIJO_C1 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) return { x, value: f, iterations: iteration - 1, reason: 'line_search', history };

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * dot(y, y)) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }

    const fPrev = f;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    history.push(f);
    options.onIteration?.(iteration, f, x);
    if (maxAbs(g) < gradientTolerance) return { x, value: f, iterations: iteration, reason: 'gradient', history };
    if (Math.abs(fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) < options.tolerance) {
      return { x, value: f, iterations: iteration, reason: 'tolerance', history };
    }
  }
  return { x, value: f, iterations: options.maxIter, reason: 'max_iter', history };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
