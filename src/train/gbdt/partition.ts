/**
 * Stable partition of a node's row range by a split: left rows first, both halves in row order (which
 * keeps the histogram loops' memory access ascending). With several threads, large ranges run as two
 * chunk kernels: each chunk partitions its rows into its own slice of spareRows (left rows ascending
 * from the front, right rows from the back), then each chunk places both parts at offsets from the
 * prefix sums of the left counts — the same (unique) result as the serial pass.
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
    return partitionSerial(m, executor.scratch, begin, end, feature, leftMask);
  }
  // A stable partition is unique, so chunks may follow the thread count: about four per thread.
  const chunkRows = Math.max(MIN_CHUNK_ROWS, Math.ceil(size / (4 * executor.threads)));
  const chunks = Math.ceil(size / chunkRows);
  const args = [begin, end, feature, chunkRows, ...leftMask];
  executor.run(partitionChunkKernel, chunks, args);
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
  executor.run(partitionPlaceKernel, chunks, args);
  return totalLeft;
}

/** Smallest chunk of a parallel partition. */
const MIN_CHUNK_ROWS = 4096;

/**
 * Kernel: partitions chunk `task` of rows[begin, end) into the same positions of spareRows: left rows
 * ascending from the chunk's start, right rows descending from its end; counts the left ones
 * (blockCounts[task]). a = [begin, end, feature, chunkRows, then the 8 words of the left mask]. The row
 * loop is kernels.wat's partitionChunk.
 */
export function partitionChunkKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]! + task * a[3]!;
  const end = Math.min(a[1]!, begin + a[3]!);
  const side = s.sides;
  for (let b = 0; b < 256; b++) side[b] = (a[4 + (b >>> 5)]! >>> (b & 31)) & 1;
  m.blockCounts[task] = s.wasm.partitionChunk(
    m.rows.byteOffset + 4 * begin,
    end - begin,
    m.bins.byteOffset + a[2]! * m.rowCount,
    side.byteOffset,
    m.spareRows.byteOffset + 4 * begin,
  );
}

/**
 * Kernel: moves chunk `task`'s parts from spareRows to their places in rows: the left part to
 * blockOffsets[2 task] on, the right part (stored backwards) to blockOffsets[2 task + 1] on, in row
 * order. Same parameters as partitionChunkKernel; each chunk writes only its own final positions.
 */
export function partitionPlaceKernel(task: number, m: TrainingMemory, a: Int32Array, s: ThreadScratch): void {
  const begin = a[0]! + task * a[3]!;
  const end = Math.min(a[1]!, begin + a[3]!);
  const { rows, spareRows } = m;
  const leftEnd = begin + m.blockCounts[task]!;
  rows.set(spareRows.subarray(begin, leftEnd), m.blockOffsets[2 * task]!);
  const to = rows.byteOffset + 4 * m.blockOffsets[2 * task + 1]!;
  s.wasm.copyReversed(spareRows.byteOffset + 4 * leftEnd, end - leftEnd, to);
}

/**
 * The serial pass (one thread, or a range of one block), on the calling thread's scratch: left rows
 * compacted in place, right rows via spareRows (kernels.wat's partition, branch-free with a side per bin).
 */
export function partitionSerial(
  m: TrainingMemory,
  s: ThreadScratch,
  begin: number,
  end: number,
  feature: number,
  leftMask: Int32Array,
): number {
  const side = s.sides;
  for (let b = 0; b < 256; b++) side[b] = (leftMask[b >>> 5]! >>> (b & 31)) & 1;
  const { rows, spareRows } = m;
  const left = s.wasm.partition(
    rows.byteOffset + 4 * begin,
    end - begin,
    m.bins.byteOffset + feature * m.rowCount,
    side.byteOffset,
    spareRows.byteOffset,
  );
  rows.set(spareRows.subarray(0, end - begin - left), begin + left);
  return left;
}
