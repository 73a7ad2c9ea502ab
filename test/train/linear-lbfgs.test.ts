import { describe, expect, it } from 'vitest';
import { minimizeLbfgs } from '../../src/train/linear/lbfgs.ts';
import { choleskySolve } from '../../src/train/linear/ridge.ts';

describe('minimizeLbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const result = minimizeLbfgs(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      { maxIter: 500, tolerance: 1e-16 },
    );
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
    expect(result.history.every((f, i) => i === 0 || f <= result.history[i - 1]!)).toBe(true);
  });

  it('solves a convex quadratic to the exact minimiser', () => {
    // f = ½ xᵀAx − bᵀx with A = [[4,1],[1,3]], b = [1,2] → x* = A⁻¹b = [1/11, 7/11]
    const result = minimizeLbfgs(
      (x, g) => {
        g[0] = 4 * x[0]! + x[1]! - 1;
        g[1] = x[0]! + 3 * x[1]! - 2;
        return 0.5 * (4 * x[0]! ** 2 + 2 * x[0]! * x[1]! + 3 * x[1]! ** 2) - x[0]! - 2 * x[1]!;
      },
      Float64Array.of(0, 0),
      { maxIter: 100, tolerance: 1e-20 },
    );
    expect(result.x[0]).toBeCloseTo(1 / 11, 9);
    expect(result.x[1]).toBeCloseTo(7 / 11, 9);
    expect(result.reason).toBe('gradient');
  });
});

describe('choleskySolve', () => {
  it('solves a symmetric positive definite system', () => {
    const a = Float64Array.of(4, 1, 1, 3);
    expect(Array.from(choleskySolve(a, Float64Array.of(1, 2), 2)).map((v) => v * 11)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(7, 12),
    ]);
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2)).toThrow(/not positive definite/);
  });
});
