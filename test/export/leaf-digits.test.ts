/** src/export/leaf-digits.ts: leaf values as integer digits that float32 sums keep exactly. */
import { describe, expect, it } from 'vitest';
import { DIGITS, digitScales, MAX_LEAF_MAGNITUDE, splitLeaf, TREES_PER_GROUP } from '../../src/export/leaf-digits.ts';
import { Random } from '../../src/lib/random.ts';

const DIGIT_BOUND = 2 ** 23 / TREES_PER_GROUP;

/** Digit s of the values summed in float32, in order, as onnxruntime's tree op adds a target's weights. */
function float32Sum(scales: readonly number[], values: readonly number[], s: number): number {
  let sum = 0;
  for (const v of values) sum = Math.fround(sum + splitLeaf(scales, v)[s]!);
  return sum;
}

/** What the digits leave of `value` (each step exact in float64). */
function leftover(scales: readonly number[], value: number): number {
  const digits = splitLeaf(scales, value);
  return digits.reduce((left, digit, s) => left - digit * scales[s]!, value);
}

describe('leaf digits', () => {
  it('splits values of every magnitude into bounded integers whose scaled sum is the value', () => {
    const random = new Random(7);
    for (const largest of [1e-200, 3.7e-9, 0.37, 1, 2, 4000.123456789, 8.5e30, MAX_LEAF_MAGNITUDE]) {
      const scales = digitScales(largest);
      expect(scales).toHaveLength(DIGITS);
      for (const scale of scales) expect(Number.isInteger(Math.log2(scale))).toBe(true);
      for (const v of [largest, -largest, 0, largest * random.next(), -largest * random.next() * 1e-6]) {
        const digits = splitLeaf(scales, v);
        for (const digit of digits) {
          expect(Number.isInteger(digit)).toBe(true);
          expect(Math.abs(digit)).toBeLessThanOrEqual(DIGIT_BOUND);
        }
        expect(Math.abs(leftover(scales, v))).toBeLessThanOrEqual(largest * 2 ** -55);
      }
    }
  });

  it("sums a group's digits exactly in float32, in any order, leaving less than 2^-50 of the largest", () => {
    const random = new Random(11);
    for (let trial = 0; trial < 200; trial++) {
      const largest = 10 ** (random.next() * 8 - 4);
      const values = Array.from({ length: TREES_PER_GROUP }, () => (random.next() * 2 - 1) * largest);
      values[0] = trial % 2 ? largest : -largest;
      const scales = digitScales(largest);
      for (let s = 0; s < DIGITS; s++) {
        // Integers below 2^53 add exactly in float64: the float32 sum must equal it, in either order.
        const exact = values.reduce((sum, v) => sum + splitLeaf(scales, v)[s]!, 0);
        expect(float32Sum(scales, values, s)).toBe(exact);
        expect(float32Sum(scales, [...values].reverse(), s)).toBe(exact);
      }
      const left = values.reduce((sum, v) => sum + Math.abs(leftover(scales, v)), 0);
      expect(left).toBeLessThanOrEqual(largest * 2 ** -50);
    }
  });

  it('gives equal values equal digits, and 0 only zeros', () => {
    const scales = digitScales(3.25);
    expect(splitLeaf(scales, 0.1)).toEqual(splitLeaf(scales, 0.1));
    expect(splitLeaf(scales, 0).every((digit) => digit === 0)).toBe(true);
    expect(digitScales(0)).toHaveLength(DIGITS);
  });

  it('refuses a largest value beyond the float64 sums it feeds', () => {
    expect(() => digitScales(MAX_LEAF_MAGNITUDE * 10)).toThrow(RangeError);
    expect(() => digitScales(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => digitScales(Number.NaN)).toThrow(RangeError);
  });
});
