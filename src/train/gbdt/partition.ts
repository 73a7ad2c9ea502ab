/**
 * Stable partition of a node's row range by a split: left rows first, both halves in row order (which
 * keeps the histogram loops' memory access ascending). With several threads, large ranges run as two
 * chunk kernels: mark and count the left rows per chunk, then scatter each chunk to offsets from the
 * prefix sums — the same (unique) result as the serial pass.
 */
import type { Executor } from './executor.ts';
import type { ThreadScratch, TrainingMemory } from './memory.ts';

/**
 * Partitions memory.rows[begin, end) by the bins of `feature` set in `leftMask` (MASK_WORDS words, one
 * bit per bin, the missing bin included; see SplitInfo.leftMask); returns the number of rows going left
 * (now first in the range).
 */
export function partitionRows(
  executor: Executor,
  begin: number,
  end: number,
  feature: number,
  leftMask: Int32Array,
): number {
  const m = executor.memory;
  const size = end - begin;
  if (executor.threads === 1 || size < 2 * MIN_CHUNK_ROWS) {
    return partitionSerial(m, begin, end, feature, leftMask);
  }
  // A stable partition is unique, so chunks may follow the thread count: about four per thread.
  const chunkRows = Math.max(MIN_CHUNK_ROWS, Math.ceil(size / (4 * executor.threads)));
  const chunks = Math.ceil(size / chunkRows);
  const args = [begin, end, feature * m.rowCount, chunkRows, ...leftMask];
  executor.run(partitionCountKernel, chunks, args);
  let totalLeft = 0;
  for (let t = 0; t < chunks; t++) totalLeft += m.blockCounts[t]!;
  let left = begin;
  let right = begin + totalLeft;
  for (let t = 0; t < chunks; t++) {
    const rows = Math.min(end, begin + (t + 1) * chunkRows) - (begin + t * chunkRows);
    m.blockOffsets[2 * t] = left;
    m.blockOffsets[2 * t + 1] = right;
    left += m.blockCounts[t]!;
    right += rows - m.blockCounts[t]!;
  }
  executor.run(partitionScatterKernel, chunks, args);
  executor.run(partitionCopyKernel, chunks, args);
  return totalLeft;
}

/** Smallest chunk of a parallel partition. */
const MIN_CHUNK_ROWS = 4096;

/**
 * Kernel: marks the rows of chunk `task` of rows[begin, end) going left (memory.sides, by position) and
 * counts them. a = [begin, end, column (feature x rowCount), chunkRows, then the 8 words of the left mask].
 */
export function partitionCountKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]! + task * a[3]!;
  const end = Math.min(a[1]!, begin + a[3]!);
  const column = a[2]!;
  // Side of each bin, so the row loop has no unpredictable branch.
  const side = s.sides;
  for (let b = 0; b < 256; b++) side[b] = (a[4 + (b >>> 5)]! >>> (b & 31)) & 1;
  const { rows, bins, sides } = m;
  let left = 0;
  for (let i = begin; i < end; i++) {
    const goesLeft = side[bins[column + rows[i]!]!]!;
    sides[i] = goesLeft;
    left += goesLeft;
  }
  m.blockCounts[task] = left;
}

/**
 * Kernel: writes chunk `task`'s rows to spareRows by their marks, left ones from blockOffsets[2 task],
 * right ones from blockOffsets[2 task + 1]. Same parameters as partitionCountKernel. The target index
 * is computed arithmetically (no branch); each write stays inside the chunk's own slots, as other
 * chunks are written at the same time.
 */
export function partitionScatterKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const begin = a[0]! + task * a[3]!;
  const end = Math.min(a[1]!, begin + a[3]!);
  const { rows, sides, spareRows } = m;
  let left = m.blockOffsets[2 * task]!;
  let right = m.blockOffsets[2 * task + 1]!;
  for (let i = begin; i < end; i++) {
    const goesLeft = sides[i]!;
    spareRows[right + goesLeft * (left - right)] = rows[i]!;
    left += goesLeft;
    right += 1 - goesLeft;
  }
}

/** Kernel: copies chunk `task` of spareRows[begin, end) back into rows. Same parameters as partitionCountKernel. */
export function partitionCopyKernel(task: number, m: TrainingMemory, a: Int32Array): void {
  const begin = a[0]! + task * a[3]!;
  const end = Math.min(a[1]!, begin + a[3]!);
  const { rows, spareRows } = m;
  for (let i = begin; i < end; i++) rows[i] = spareRows[i]!;
}

/**
 * The serial pass (one thread, or a range of one block): left rows compacted in place, right rows via
 * spareRows. Branch-free (a 256-entry side table, both cursors written, one advanced): a left/right
 * branch per row is mispredicted half the time and made this loop 4x slower.
 */
export function partitionSerial(
  m: TrainingMemory,
  begin: number,
  end: number,
  feature: number,
  leftMask: Int32Array,
): number {
  const { rows, bins, spareRows } = m;
  const column = feature * m.rowCount;
  const side = SIDE;
  for (let b = 0; b < 256; b++) side[b] = (leftMask[b >>> 5]! >>> (b & 31)) & 1;
  let write = begin;
  let spilled = 0;
  for (let i = begin; i < end; i++) {
    const row = rows[i]!;
    const goesLeft = side[bins[column + row]!]!;
    rows[write] = row;
    spareRows[spilled] = row;
    write += goesLeft;
    spilled += 1 - goesLeft;
  }
  rows.set(spareRows.subarray(0, spilled), write);
  return write - begin;
}

const SIDE = new Uint8Array(256);
