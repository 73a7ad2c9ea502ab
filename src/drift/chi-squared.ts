/**
 * Pearson's chi-squared goodness-of-fit test of current bucket counts against reference shares: the drift test
 * for small windows (Evidently switches from PSI / Jensen-Shannon to p-value tests below 1,000 rows, where the
 * distance scores are dominated by sampling noise). The reference is a profile (bucket counts), not raw rows,
 * so one test serves numeric columns (on the reference's quantile bins plus missing) and categorical ones (top
 * categories, other, missing).
 *
 * Expected counts: eᵢ = n · (rᵢ + ½) / (R + ½k) — the reference shares with a half-count added, so a bucket the
 * reference never saw (missing values in a column that had none) has a small positive expectation instead of
 * zero. Buckets with eᵢ < 5 are pooled (Cochran's rule); a pool still below 5 joins the smallest other bucket.
 * Buckets empty on both sides are left out. Statistic X² = Σ (oᵢ − eᵢ)² / eᵢ on k' − 1 degrees of freedom;
 * p = Q(k'−1, X²) (upper regularized incomplete gamma).
 */

/** Smallest expected count of a bucket before it is pooled (Cochran's rule). */
export const MIN_EXPECTED = 5;

export interface ChiSquaredResult {
  readonly statistic: number;
  readonly df: number;
  /** 1 when fewer than two buckets remain (nothing to compare). */
  readonly p_value: number;
}

export function chiSquaredTest(reference: readonly number[], current: readonly number[]): ChiSquaredResult {
  const k = reference.length;
  const referenceTotal = reference.reduce((a, b) => a + b, 0);
  const n = current.reduce((a, b) => a + b, 0);
  const cells: { observed: number; expected: number }[] = [];
  for (let i = 0; i < k; i++) {
    if (reference[i] === 0 && current[i] === 0) continue;
    cells.push({ observed: current[i], expected: (n * (reference[i] + 0.5)) / (referenceTotal + 0.5 * k) });
  }
  // Re-normalise over the buckets kept so that Σ e = n.
  const expectedTotal = cells.reduce((a, c) => a + c.expected, 0);
  for (const cell of cells) cell.expected *= n / expectedTotal;
  const large = cells.filter((c) => c.expected >= MIN_EXPECTED);
  const small = cells.filter((c) => c.expected < MIN_EXPECTED);
  if (small.length > 0) {
    const pool = small.reduce((a, c) => ({ observed: a.observed + c.observed, expected: a.expected + c.expected }), {
      observed: 0,
      expected: 0,
    });
    if (pool.expected >= MIN_EXPECTED || large.length === 0) large.push(pool);
    else {
      const smallest = large.reduce((a, c) => (c.expected < a.expected ? c : a));
      smallest.observed += pool.observed;
      smallest.expected += pool.expected;
    }
  }
  if (large.length < 2 || n === 0) return { statistic: 0, df: 0, p_value: 1 };
  let statistic = 0;
  for (const cell of large) statistic += (cell.observed - cell.expected) ** 2 / cell.expected;
  const df = large.length - 1;
  return { statistic, df, p_value: chiSquaredSurvival(statistic, df) };
}

/** P(X ≥ x) for X ~ χ²(df): the upper regularized incomplete gamma Q(df/2, x/2). */
export function chiSquaredSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return upperRegularizedGamma(df / 2, x / 2);
}

/** Q(a, x) by its series (x < a + 1) or its continued fraction (Numerical Recipes §6.2), ~1e-14 accurate. */
function upperRegularizedGamma(a: number, x: number): number {
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefactor));
  }
  // Lentz's method for the continued fraction of Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(logPrefactor) * h);
}

/** ln Γ(a) for a > 0 (Lanczos, g = 7, n = 9). */
function logGamma(a: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
  const z = a - 1;
  let sum = coefficients[0];
  for (let i = 1; i < 9; i++) sum += coefficients[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
