/**
 * Sets of category codes as ranges: the form categorical set splits take in the model format
 * (Tree.leftCodeRanges). A flat list [first0, last0, first1, last1, …] of inclusive ranges, ascending,
 * with a gap between neighbours (so one set has one form). A bin of the trainer is a range of codes, so
 * a split's set stays a few ranges however many categories a feature has.
 */

/** The ranges of ascending codes (repeats allowed) — e.g. [1, 2, 3, 7] → [1, 3, 7, 7]. */
export function codeRanges(codes: Iterable<number>): number[] {
  const ranges: number[] = [];
  for (const code of codes) {
    const last = ranges.length - 1;
    if (last > 0 && code <= ranges[last]! + 1) ranges[last] = Math.max(ranges[last]!, code);
    else ranges.push(code, code);
  }
  return ranges;
}

/** Whether `code` lies in one of the ranges (binary search). */
export function inCodeRanges(ranges: ArrayLike<number>, code: number, from = 0, to = ranges.length): boolean {
  let lo = from / 2;
  let hi = to / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (code < ranges[2 * mid]!) hi = mid - 1;
    else if (code > ranges[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** What is wrong with `ranges` as a set of codes 0..known-1, or null when nothing is. */
export function codeRangesProblem(ranges: readonly number[], known: number): string | null {
  if (ranges.length % 2 !== 0) return `expected [first, last] pairs, got ${ranges.length} numbers`;
  for (let i = 0; i < ranges.length; i += 2) {
    const first = ranges[i]!;
    const last = ranges[i + 1]!;
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first || last >= known) {
      return `range [${first}, ${last}] is not within the codes 0..${known - 1}`;
    }
    if (i > 0 && first <= ranges[i - 1]! + 1) {
      return `range [${first}, ${last}] overlaps or touches the one before; expected ascending ranges with gaps`;
    }
  }
  return null;
}
