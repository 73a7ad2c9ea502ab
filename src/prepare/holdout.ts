/**
 * Which rows are held out (the `hash` split): close to the configured share even on small data, and a row
 * never changes side when batches arrive.
 *
 * A side that depends on the row alone (the row's hash below the share) keeps the second property but not the
 * first: the held-out count is binomial (69 of 442 rows for 0.2, two standard deviations off). A side chosen
 * from hash ranks over all rows keeps the first but not the second: a new batch moves the ranks. So rows are
 * decided in streams that only ever grow at their end:
 *
 * - a stream is one batch (file) and, for classification, one class in it (stratified), rows in file order;
 *   new files start new streams, and rows appended to a file extend its streams;
 * - each stream carries a deficit d = share × rows so far − rows held out so far (starting at the share); a row
 *   goes to holdout when its seeded content hash u ∈ [0, 1) is below d. The deficit stays within (share − 1,
 *   1 + share), so every stream holds out its share to within one row, and within that the hash still decides
 *   which rows (a row with a low hash is likelier to be held out);
 * - identical rows never straddle the split: a row whose content occurs more than once is decided by its hash
 *   alone (u < share), the same for every copy. Streams count it as they would anyway, so a copy arriving later
 *   moves no other row.
 *
 * Guarantee: a row's side depends only on its own content, the seed, and the rows before it in its own file
 * (and class). Adding files, or appending rows to a file, never moves a row already there — except a row that
 * gains an identical copy, which takes its hash side. Editing, removing or reordering rows of a file can move
 * the rows after them in that file.
 */
import { hashUnit } from '../data/index.ts';

export interface HoldoutInput {
  /** Content keys of the rows, in table order (files in path order, rows in file order). */
  readonly keys: { readonly hi: Uint32Array; readonly lo: Uint32Array };
  /** Batch (file) index of each row; rows of a batch are consecutive or not, order within a batch is kept. */
  readonly batch: Int32Array;
  /** Class index of each row (classification), or null to use one stream per batch. */
  readonly stratum: Int32Array | null;
  readonly share: number;
  readonly seed: number;
}

/** 1 for held-out rows, 0 for training rows, per row in table order. */
export function holdoutMask(input: HoldoutInput): Uint8Array {
  const { keys, batch, stratum, share, seed } = input;
  const n = batch.length;
  const copies = countCopies(keys);
  const deficits = new Map<string, number>();
  const held = new Uint8Array(n);
  for (let row = 0; row < n; row++) {
    const stream = stratum === null ? `${batch[row]}` : `${batch[row]}:${stratum[row]}`;
    const deficit = deficits.get(stream) ?? share;
    const u = hashUnit(keys.hi[row]!, keys.lo[row]!, seed);
    const streamSide = u < deficit ? 1 : 0;
    deficits.set(stream, deficit + share - streamSide);
    held[row] = copies.get(keyOf(keys, row))! > 1 ? (u < share ? 1 : 0) : streamSide;
  }
  return held;
}

/** The 64-bit key rounded to a double's 53 bits: two rows collide with probability ~n²/2^54, which only makes them hash-decided. */
function keyOf(keys: HoldoutInput['keys'], row: number): number {
  return keys.hi[row]! * 4_294_967_296 + keys.lo[row]!;
}

function countCopies(keys: HoldoutInput['keys']): Map<number, number> {
  const counts = new Map<number, number>();
  for (let row = 0; row < keys.hi.length; row++) {
    const key = keyOf(keys, row);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
