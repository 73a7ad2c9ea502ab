import { describe, expect, it } from 'vitest';
import { codeRanges, codeRangesProblem, inCodeRanges } from '../../src/model/code-ranges.ts';

describe('code ranges', () => {
  it('merge ascending codes into ranges with gaps', () => {
    expect(codeRanges([])).toEqual([]);
    expect(codeRanges([1, 2, 3, 7])).toEqual([1, 3, 7, 7]);
    expect(codeRanges([0, 0, 1, 5, 6, 6, 9])).toEqual([0, 1, 5, 6, 9, 9]);
  });

  it('answer membership by binary search, also inside a slice of a pooled list', () => {
    const ranges = [2, 4, 8, 8, 10, 20];
    const members = Array.from({ length: 25 }, (_, c) => c).filter((c) => inCodeRanges(ranges, c));
    expect(members).toEqual([2, 3, 4, 8, ...Array.from({ length: 11 }, (_, i) => 10 + i)]);
    const pool = [0, 1, ...ranges, 30, 31];
    expect(inCodeRanges(pool, 0, 2, 8)).toBe(false);
    expect(inCodeRanges(pool, 8, 2, 8)).toBe(true);
    expect(inCodeRanges(pool, 30, 2, 8)).toBe(false);
  });

  it('name what is wrong with a stored set', () => {
    expect(codeRangesProblem([0, 3, 5, 9], 10)).toBeNull();
    expect(codeRangesProblem([0, 3, 4, 9], 10)).toMatch(/touches the one before/);
    expect(codeRangesProblem([0, 10], 10)).toMatch(/not within the codes 0..9/);
    expect(codeRangesProblem([3, 1], 10)).toMatch(/\[3, 1\]/);
    expect(codeRangesProblem([1.5, 2], 10)).toMatch(/not within/);
    expect(codeRangesProblem([1], 10)).toMatch(/pairs/);
  });
});
