import { afterAll, describe, expect, test } from 'vitest';
import { Random } from '../../src/lib/random.ts';
import { Executor, MIN_BLOCK_ROWS, MIN_ROWS_FOR_WORKERS } from '../../src/train/gbdt/executor.ts';
import { BIN_STRIDE, buildHistogram, countBins, GROUPED_MAX_BLOCKS } from '../../src/train/gbdt/histogram.ts';
import { partitionRows } from '../../src/train/gbdt/partition.ts';
import { splitSearchKernel } from '../../src/train/gbdt/split.ts';

// Enough rows for several row blocks and for worker threads to start.
const ROWS = MIN_ROWS_FOR_WORKERS + 3 * MIN_BLOCK_ROWS + 123;
const BINS = [5, 17, 256, 3, 9];

async function executorWith(threads: number): Promise<Executor> {
  const executor = await Executor.create({
    featureCount: BINS.length,
    rowCount: ROWS,
    featureBinCounts: Int32Array.from(BINS),
    outputs: 1,
    expScores: false,
    slots: 3,
    maxLeaves: 4,
    validRowCount: 0,
    threads,
  });
  const m = executor.memory;
  const random = new Random(9);
  BINS.forEach((bins, f) => {
    for (let r = 0; r < ROWS; r++) m.bins[f * ROWS + r] = random.int(bins);
  });
  for (let i = 0; i < 2 * ROWS; i++) m.gradHess[i] = random.next() * 2 - 1;
  m.features.set(BINS.map((_, f) => f));
  // Every third row, ascending: a node that is not the root.
  let count = 0;
  for (let r = 0; r < ROWS; r += 3) m.rows[count++] = r;
  return executor;
}

const executors: Executor[] = [];
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
});

describe('executor kernels', () => {
  test('block histograms merged in order equal the plain sums, and are identical for 1 and 2 threads', async () => {
    const one = await executorWith(1);
    const two = await executorWith(2);
    executors.push(one, two);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    const size = Math.ceil(ROWS / 3);
    for (const executor of [one, two]) buildHistogram(executor, 1, 0, size, 0, BINS.length);
    const m = one.memory;
    const base = m.histDoubles;
    const expected = new Float64Array(m.histDoubles);
    for (let i = 0; i < size; i++) {
      const row = m.rows[i]!;
      BINS.forEach((_, f) => {
        const at = (m.featureOffsets[f]! + m.bins[f * ROWS + row]!) * BIN_STRIDE;
        expected[at] += m.gradHess[2 * row]!;
        expected[at + 1] += m.gradHess[2 * row + 1]!;
        expected[at + 2] += 1;
      });
    }
    const got = m.hist.subarray(base, base + m.histDoubles);
    for (let k = 0; k < expected.length; k++) expect(got[k]).toBeCloseTo(expected[k]!, 9);
    expect(Array.from(two.memory.hist.subarray(base, base + m.histDoubles))).toEqual(Array.from(got));

    // Subtraction (the split search's first step, one feature per task): root - node = the other rows' histogram.
    for (const executor of [one, two]) {
      for (let r = 0; r < ROWS; r++) executor.memory.rows[r] = r;
      buildHistogram(executor, 0, 0, ROWS, 0, BINS.length, true);
      executor.run(splitSearchKernel, BINS.length, [BINS.length, 1, 0, base, -1, -1]);
    }
    expect(Array.from(two.memory.hist.subarray(0, m.histDoubles))).toEqual(
      Array.from(m.hist.subarray(0, m.histDoubles)),
    );
    const counts = Array.from({ length: BINS[0]! }, (_, b) => m.hist[(m.featureOffsets[0]! + b) * BIN_STRIDE + 2]);
    let others = 0;
    for (let r = 0; r < ROWS; r++) if (r % 3 !== 0) others++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(others);
  });

  test('a node of a few blocks shared out by blocks and feature groups sums like the block kernel, on any node size', async () => {
    const one = await executorWith(1);
    const two = await executorWith(2);
    executors.push(one, two);
    // One block (split by groups only), a few blocks, and the most blocks the grouped path takes.
    const sizes = [MIN_BLOCK_ROWS - 7, 2 * MIN_BLOCK_ROWS + 5, GROUPED_MAX_BLOCKS * MIN_BLOCK_ROWS];
    for (const size of sizes) {
      expect(two.blocks(size)).toBeLessThanOrEqual(GROUPED_MAX_BLOCKS);
      for (const executor of [one, two]) buildHistogram(executor, 2, 5, 5 + size, 0, BINS.length);
      const slot = one.memory.hist.subarray(2 * one.memory.histDoubles, 3 * one.memory.histDoubles);
      expect(Array.from(two.memory.hist.subarray(2 * two.memory.histDoubles, 3 * two.memory.histDoubles))).toEqual(
        Array.from(slot),
      );
      expect(slot.reduce((sum, v, k) => (k % BIN_STRIDE === 2 ? sum + v : sum), 0)).toBe(size * BINS.length);
    }
  });

  test('the root on every row takes its counts from binCounts: the same histogram as counting them', async () => {
    for (const threads of [1, 2]) {
      const executor = await executorWith(threads);
      executors.push(executor);
      const m = executor.memory;
      for (let r = 0; r < ROWS; r++) m.rows[r] = r;
      buildHistogram(executor, 0, 0, ROWS, 0, BINS.length, true);
      countBins(executor);
      buildHistogram(executor, 1, 0, ROWS, 0, BINS.length, true, true);
      const counted = Array.from(m.hist.subarray(0, m.histDoubles));
      expect(Array.from(m.hist.subarray(m.histDoubles, 2 * m.histDoubles))).toEqual(counted);
      expect(counted.filter((_, k) => k % BIN_STRIDE === 2).reduce((a, b) => a + b, 0)).toBe(ROWS * BINS.length);
    }
  });

  test('block-parallel partition equals the serial stable partition', async () => {
    const executor = await executorWith(2);
    executors.push(executor);
    const m = executor.memory;
    const size = Math.ceil(ROWS / 3);
    const rows = Array.from(m.rows.subarray(0, size));
    const column = 2 * ROWS;
    // A set split: scattered bins and the missing bin go left.
    const leftBin = (b: number) => b % 3 === 0 || b < 20 || b === m.missingBins[2];
    const mask = new Int32Array(8);
    for (let b = 0; b < 256; b++) if (leftBin(b)) mask[b >>> 5]! |= 1 << (b & 31);
    const goesLeft = (row: number) => leftBin(m.bins[column + row]!);
    const left = partitionRows(executor, 0, size, 2, mask);
    const expected = [...rows.filter(goesLeft), ...rows.filter((r) => !goesLeft(r))];
    expect(left).toBe(rows.filter(goesLeft).length);
    expect(Array.from(m.rows.subarray(0, size))).toEqual(expected);
  });
});
