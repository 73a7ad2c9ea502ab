/**
 * Leaf values as integer digits that onnxruntime's TreeEnsembleRegressor sums exactly in float32.
 *
 * The op adds each target's leaf weights in float32. Integers add exactly in float32 while every partial sum
 * stays within 2^24, whatever the order (the op's threads each sum a share of the trees, then add the shares).
 * So trees are taken in groups of at most TREES_PER_GROUP, and each leaf value is written in digits:
 * v = Σ_s a_s · 2^e_s + r, with integers |a_s| ≤ 2^B where B = 23 − log2(TREES_PER_GROUP) (a group's digits
 * sum within 2^23), and scales 2^e_s, each 2^(B+1) below the last, shared by every leaf of the model (equal
 * leaf values get equal digits, so sums that are equal in TypeScript stay equal). Digit s of a group is a
 * target of its own; a float64 MatMul by the scales gives the sums. Digits are taken until the leftovers r of
 * a group's leaves sum to within 2^-PRECISION_BITS of the largest |leaf|: about what the TypeScript model's own
 * float64 sums round off.
 *
 * Why groups of 32 and not one group per output (bench/README.md, issue 15): onnxruntime pays ~2 ns per leaf
 * weight per row, and per target per row; a group of 200 trees needs 4 digits for the same precision, a group
 * of 32 needs 3, and one tree per target (2 float32 halves) makes the targets as many as the trees.
 */

/** A group's summed leftover is within 2^-PRECISION_BITS of the model's largest |leaf value|. */
const PRECISION_BITS = 50;

/** Trees whose digits one target sums. */
export const TREES_PER_GROUP = 32;

/** Bits of a digit: TREES_PER_GROUP of them sum within 2^23. */
const DIGIT_BITS = 23 - Math.log2(TREES_PER_GROUP);

/** Digits per leaf: a group's leftovers, each within 2^top · 2^-(digits · (B + 1)) where 2^top < 2 · largest. */
export const DIGITS = Math.ceil((PRECISION_BITS + 1 + Math.log2(TREES_PER_GROUP)) / (DIGIT_BITS + 1));

/** Beyond this a leaf's digits would overflow the float64 sums (2^e_0 · 2^23 must stay finite). */
export const MAX_LEAF_MAGNITUDE = 1e300;

/**
 * The scales 2^e_s (powers of two, so a digit times its scale is exact in float64) for leaves whose largest
 * |value| is `largest`. Throws a RangeError for a largest value that is not finite or beyond MAX_LEAF_MAGNITUDE.
 */
export function digitScales(largest: number): number[] {
  if (!(largest <= MAX_LEAF_MAGNITUDE)) {
    throw new RangeError(`leaf value magnitude ${largest} is beyond ${MAX_LEAF_MAGNITUDE}`);
  }
  // 2^top ≥ largest, so |v| / 2^(top − B) ≤ 2^B.
  const top = largest > 0 ? exponentAtLeast(largest) : 0;
  return Array.from({ length: DIGITS }, (_, s) => 2 ** (top - DIGIT_BITS - s * (DIGIT_BITS + 1)));
}

/**
 * The digits of `value` by `scales`: integers of at most 2^B whose sum by the scales is `value` to within half
 * the last scale. Every step is exact in float64: a digit times a power of two is exact, and what is left is
 * a multiple of the smaller of value's own unit and the scale, within half a scale.
 */
export function splitLeaf(scales: readonly number[], value: number): number[] {
  const digits = new Array<number>(scales.length);
  let left = value;
  for (let s = 0; s < scales.length; s++) {
    const scale = scales[s]!;
    // Below the smallest normal float64 the leftover is negligible (and a zero scale would divide by 0).
    const digit = scale >= 2 ** -1022 ? Math.round(left / scale) : 0;
    digits[s] = digit;
    left -= digit * scale;
  }
  return digits;
}

/** The smallest integer e with 2^e ≥ m, for a positive finite m. */
function exponentAtLeast(m: number): number {
  let e = Math.ceil(Math.log2(m));
  while (2 ** e < m) e++;
  while (e > -1074 && 2 ** (e - 1) >= m) e--;
  return e;
}
