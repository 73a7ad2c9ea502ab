/**
 * Content identity of rows and tables: per-row 64-bit keys, a canonical row order, a table digest, and a
 * seeded uniform number per row (the train/holdout split). All depend only on the values, never on file
 * order, row order, CSV vs Parquet, or dictionary code assignment.
 *
 * Row key (not cryptographic): each value becomes two 32-bit words, a number by its float64 bits (-0 as
 * 0, every NaN/missing as one marker), a category by a 64-bit hash of its string (computed once per
 * dictionary entry), a datetime like a number; the words of the named columns, taken in sorted column-name
 * order, feed two MurmurHash3 lanes with different seeds, joined by MurmurHash3's 128-bit finalisation.
 *
 * Digest canonical form (sha256 over this byte stream; integers little-endian):
 *   "conveyor-data-digest-v1\n"
 *   u32 column count
 *   per column, in sorted name order (code-unit order): u32 UTF-8 byte length, the name's UTF-8 bytes,
 *     u32 byte length + UTF-8 bytes of the type ("numeric" | "categorical" | "datetime")
 *   u32 row count (low word), u32 row count (high word)
 *   per column, same order:
 *     numeric / datetime: every row's float64 (8 bytes) in canonical row order (`canonicalOrder`);
 *       -0 written as +0, missing (any NaN) as 0x7ff8000000000000
 *     categorical: u32 count K of distinct values present, then those K values in sorted code-unit order,
 *       each as u32 UTF-8 byte length + bytes; then every row's u32 rank in that list (0…K−1), in canonical
 *       row order, 0xFFFFFFFF for missing. (Ranks, not dictionary codes: categories the rows do not use
 *       and the order of the dictionary do not matter.)
 * Every field is length-prefixed or fixed-size, so two different tables cannot produce the same stream.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';
import type { Column, Table } from './types.ts';

const MISSING_LO = 0x00000000;
const MISSING_HI = 0x7ff80000; // canonical quiet NaN 0x7ff8000000000000
const SEED_1 = 0x2f7b6a35;
const SEED_2 = 0x9e3779b9;

/** 64-bit content key per row over `columns` (order of `columns` does not matter). */
export function rowKeys(table: Table, columns: readonly string[]): { hi: Uint32Array; lo: Uint32Array } {
  const n = table.rowCount;
  const h1 = new Int32Array(n).fill(SEED_1);
  const h2 = new Int32Array(n).fill(SEED_2);
  const sorted = sortedColumns(table, columns);
  for (const column of sorted) {
    if (column.type === 'categorical') mixCategorical(h1, h2, column.codes, column.categories);
    else mixFloat(h1, h2, column.values);
  }
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const length = sorted.length * 8;
  for (let i = 0; i < n; i++) {
    let a = h1[i]! ^ length;
    let b = h2[i]! ^ length;
    a = (a + b) | 0;
    b = (b + a) | 0;
    a = fmix32(a);
    b = fmix32(b);
    a = (a + b) | 0;
    b = (b + a) | 0;
    hi[i] = a >>> 0;
    lo[i] = b >>> 0;
  }
  return { hi, lo };
}

function mixFloat(h1: Int32Array, h2: Int32Array, values: Float64Array): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let a: number;
    let b: number;
    if (Number.isNaN(v)) {
      a = MISSING_LO;
      b = MISSING_HI;
    } else if (v === 0) {
      a = 0;
      b = 0;
    } else {
      a = words[2 * i]!;
      b = words[2 * i + 1]!;
    }
    h1[i] = step(step(h1[i]!, a), b);
    h2[i] = step(step(h2[i]!, b), a);
  }
}

function mixCategorical(h1: Int32Array, h2: Int32Array, codes: Int32Array, categories: readonly string[]): void {
  const entryA = new Int32Array(categories.length);
  const entryB = new Int32Array(categories.length);
  categories.forEach((text, code) => {
    entryA[code] = stringHash(text, 0x5bd1e995);
    entryB[code] = stringHash(text, 0x27d4eb2f);
  });
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    const a = code < 0 ? MISSING_LO : entryA[code]!;
    const b = code < 0 ? MISSING_HI : entryB[code]!;
    h1[i] = step(step(h1[i]!, a), b);
    h2[i] = step(step(h2[i]!, b), a);
  }
}

/**
 * Permutation of the rows sorted by content: by row key (LSD radix sort), rows with equal keys by their
 * values (sorted column-name order; missing first, numbers ascending, strings by code units). Equal
 * contents get equal positions whatever the input order. `keys` may be passed when already computed with
 * `rowKeys(table, columns)`.
 */
export function canonicalOrder(
  table: Table,
  columns: readonly string[],
  keys: { hi: Uint32Array; lo: Uint32Array } = rowKeys(table, columns),
): Uint32Array {
  const n = table.rowCount;
  if (keys.hi.length !== n || keys.lo.length !== n) {
    throw new InputError(`canonicalOrder: keys have ${keys.hi.length} rows, the table ${n}`);
  }
  const sorted = radixSortByKey(keys.hi, keys.lo);
  breakTies(sorted, sortedColumns(table, columns));
  return sorted.order;
}

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
/** (word, shift) of the six 11/11/10-bit digits of a 64-bit key, least significant first. */
const DIGITS = [
  [0, 0],
  [0, 11],
  [0, 22],
  [1, 0],
  [1, 11],
  [1, 22],
] as const;

interface SortedKeys {
  readonly order: Uint32Array;
  /** Keys in sorted order (`hi[i]` is the key of row `order[i]`). */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
}

/**
 * Stable LSD radix sort of row indices by (hi, lo): six passes of 11-bit digits that carry the keys along
 * (sequential reads instead of a random key lookup per row and pass), with all six histograms counted in
 * one pass up front (a histogram does not depend on the order).
 */
function radixSortByKey(hiKeys: Uint32Array, loKeys: Uint32Array): SortedKeys {
  const n = hiKeys.length;
  const histograms = new Uint32Array(DIGITS.length * BUCKETS);
  for (let i = 0; i < n; i++) {
    const l = loKeys[i]!;
    const h = hiKeys[i]!;
    histograms[l & 2047]!++;
    histograms[BUCKETS + ((l >>> 11) & 2047)]!++;
    histograms[2 * BUCKETS + (l >>> 22)]!++;
    histograms[3 * BUCKETS + (h & 2047)]!++;
    histograms[4 * BUCKETS + ((h >>> 11) & 2047)]!++;
    histograms[5 * BUCKETS + (h >>> 22)]!++;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let hi = hiKeys.slice();
  let lo = loKeys.slice();
  let nextOrder = new Uint32Array(n);
  let nextHi = new Uint32Array(n);
  let nextLo = new Uint32Array(n);
  DIGITS.forEach(([word, shift], pass) => {
    const offsets = histograms.subarray(pass * BUCKETS, (pass + 1) * BUCKETS);
    let sum = 0;
    let trivial = false;
    for (let d = 0; d < BUCKETS; d++) {
      const count = offsets[d]!;
      if (count === n) trivial = true; // every key has this digit: the pass would not move anything
      offsets[d] = sum;
      sum += count;
    }
    if (trivial) return;
    const digitsOf = word === 0 ? lo : hi;
    for (let i = 0; i < n; i++) {
      const at = offsets[(digitsOf[i]! >>> shift) & 2047]!++;
      nextOrder[at] = order[i]!;
      nextHi[at] = hi[i]!;
      nextLo[at] = lo[i]!;
    }
    [order, nextOrder] = [nextOrder, order];
    [hi, nextHi] = [nextHi, hi];
    [lo, nextLo] = [nextLo, lo];
  });
  return { order, hi, lo };
}

/** Sort runs of equal keys by their values, so that the order is a total order on row contents. */
function breakTies({ order, hi, lo }: SortedKeys, columns: readonly Column[]): void {
  const n = order.length;
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && hi[i] === hi[start] && lo[i] === lo[start]) continue;
    if (i - start > 1) sortRun(order, start, i, columns);
    start = i;
  }
}

/** Sort order[start, end) by row values: insertion sort in place for the usual short runs. */
function sortRun(order: Uint32Array, start: number, end: number, columns: readonly Column[]): void {
  if (end - start > 32) {
    const run = Array.from(order.subarray(start, end));
    run.sort((a, b) => compareRows(columns, a, b));
    order.set(run, start);
    return;
  }
  for (let i = start + 1; i < end; i++) {
    const row = order[i]!;
    let j = i - 1;
    while (j >= start && compareRows(columns, order[j]!, row) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = row;
  }
}

function compareRows(columns: readonly Column[], a: number, b: number): number {
  for (const column of columns) {
    let c: number;
    if (column.type === 'categorical') {
      const ca = column.codes[a]!;
      const cb = column.codes[b]!;
      if (ca === cb) continue;
      if (ca < 0 || cb < 0) c = ca < 0 ? -1 : 1;
      else {
        const sa = column.categories[ca]!;
        const sb = column.categories[cb]!;
        c = sa < sb ? -1 : sa > sb ? 1 : 0;
      }
    } else {
      const va = column.values[a]!;
      const vb = column.values[b]!;
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) c = na === nb ? 0 : na ? -1 : 1;
      else c = va < vb ? -1 : va > vb ? 1 : 0;
    }
    if (c !== 0) return c;
  }
  return 0;
}

const TYPE_NAMES = { numeric: 'numeric', categorical: 'categorical', datetime: 'datetime' } as const;

/**
 * sha256 (hex) of exactly `columns` of `table`, in the canonical form described at the top of this file:
 * independent of row order, file order, line endings, source format and dictionary codes; any change of a
 * value, a column name or a column type changes it.
 */
export function dataDigest(table: Table, columns: readonly string[]): string {
  const sorted = sortedColumns(table, columns);
  const order = canonicalOrder(table, columns);
  const hash = createHash('sha256');
  const out = new ByteSink(hash);
  out.bytes(Buffer.from('conveyor-data-digest-v1\n', 'utf8'));
  out.u32(sorted.length);
  for (const column of sorted) {
    out.text(column.name);
    out.text(TYPE_NAMES[column.type]);
  }
  out.u32(table.rowCount % 0x1_0000_0000);
  out.u32(Math.floor(table.rowCount / 0x1_0000_0000));
  for (const column of sorted) {
    if (column.type === 'categorical') writeCategorical(out, column.codes, column.categories, order);
    else writeFloats(out, column.values, order);
  }
  out.flush();
  return hash.digest('hex');
}

const BLOCK = 65_536;

/** Float64 values in `order`, canonicalised, hashed block by block. */
function writeFloats(out: ByteSink, values: Float64Array, order: Uint32Array): void {
  const block = new Float64Array(Math.min(BLOCK, order.length));
  const words = new Uint32Array(block.buffer);
  for (let start = 0; start < order.length; start += BLOCK) {
    const n = Math.min(BLOCK, order.length - start);
    for (let i = 0; i < n; i++) {
      const v = values[order[start + i]!]!;
      if (Number.isNaN(v)) {
        words[2 * i] = MISSING_LO;
        words[2 * i + 1] = MISSING_HI;
      } else block[i] = v === 0 ? 0 : v;
    }
    out.bytes(new Uint8Array(block.buffer, 0, n * 8));
  }
}

/** The sorted list of categories present, then each row's rank in it (see the canonical form above). */
function writeCategorical(out: ByteSink, codes: Int32Array, categories: readonly string[], order: Uint32Array): void {
  const used = new Uint8Array(categories.length);
  for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) used[codes[i]!] = 1;
  const present = [...used.keys()].filter((code) => used[code] === 1);
  present.sort((a, b) => (categories[a]! < categories[b]! ? -1 : categories[a]! > categories[b]! ? 1 : 0));
  const rank = new Uint32Array(categories.length);
  out.u32(present.length);
  present.forEach((code, r) => {
    rank[code] = r;
    out.text(categories[code]!);
  });
  const block = new Uint32Array(Math.min(BLOCK, order.length));
  for (let start = 0; start < order.length; start += BLOCK) {
    const n = Math.min(BLOCK, order.length - start);
    for (let i = 0; i < n; i++) {
      const code = codes[order[start + i]!]!;
      block[i] = code < 0 ? 0xffffffff : rank[code]!;
    }
    out.bytes(new Uint8Array(block.buffer, 0, n * 4));
  }
}

/**
 * A uniform number in [0, 1) from a row key and a seed (MurmurHash3 of the two key words): the same row
 * content and seed always give the same number, so a row's train/holdout side depends on nothing else.
 */
export function hashUnit(hi: number, lo: number, seed: number): number {
  let h = fmix32((seed >>> 0) ^ 0x6a09e667);
  h = step(h, lo >>> 0);
  h = step(h, hi >>> 0);
  h = fmix32(h ^ 8);
  return (h >>> 0) / 4_294_967_296;
}

/** The named columns in sorted name order; InputError naming the table's columns when one is absent. */
function sortedColumns(table: Table, columns: readonly string[]): Column[] {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const names = [...new Set(columns)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const column = byName.get(name);
    if (column === undefined) {
      const list = table.columns.map((c) => JSON.stringify(c.name)).join(', ');
      throw new InputError(`column "${name}" not found; columns are: ${list}`);
    }
    return column;
  });
}

/** One MurmurHash3 x86_32 block step. */
function step(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's 32-bit finaliser (avalanche). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** 32-bit MurmurHash3 of a string's UTF-16 code units, seeded. */
function stringHash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = step(h, text.charCodeAt(i));
  return fmix32(h ^ text.length);
}

/** Buffers small writes into 1 MiB blocks before hashing them; large ones go straight to the hash. */
class ByteSink {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private readonly view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  private offset = 0;
  private readonly hash: ReturnType<typeof createHash>;
  constructor(hash: ReturnType<typeof createHash>) {
    this.hash = hash;
  }

  u32(value: number): void {
    if (this.offset + 4 > this.buffer.length) this.flush();
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  text(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u32(bytes.length);
    this.bytes(bytes);
  }

  bytes(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length) {
      this.flush();
      this.hash.update(bytes);
      return;
    }
    if (this.offset + bytes.length > this.buffer.length) this.flush();
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  flush(): void {
    if (this.offset > 0) this.hash.update(this.buffer.subarray(0, this.offset));
    this.offset = 0;
  }
}
