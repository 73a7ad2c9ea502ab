import { describe, expect, it } from 'vitest';
import { canonicalOrder, dataDigest, hashUnit, rowKeys } from '../../src/data/digest.ts';
import { selectRows, tableFromRecords } from '../../src/data/table.ts';
import type { Table } from '../../src/data/types.ts';
import { InputError } from '../../src/errors.ts';
import { Random } from '../../src/lib/random.ts';

const records = [
  { a: 1, s: 'x', t: 10 },
  { a: 2, s: 'y', t: null },
  { a: null, s: 'x', t: 30 },
  { a: 1, s: null, t: 10 },
  { a: 2, s: 'y', t: null }, // duplicate of row 1
  { a: -0, s: 'z', t: 0 },
];
const COLUMNS = ['a', 's', 't'];

function shuffled(table: Table, seed: number): Table {
  const order = Array.from({ length: table.rowCount }, (_, i) => i);
  new Random(seed).shuffle(order);
  return selectRows(table, order);
}

/** The same table with categories listed in another order (different codes, same values). */
function recoded(table: Table): Table {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((c) => {
      if (c.type !== 'categorical') return c;
      const categories = [...c.categories].reverse();
      const codes = c.codes.map((code) => (code < 0 ? -1 : categories.indexOf(c.categories[code]!)));
      return { ...c, categories, codes };
    }),
  };
}

describe('rowKeys', () => {
  const table = tableFromRecords(records);

  it('depends on content only: equal rows get equal keys, column order does not matter', () => {
    const k = rowKeys(table, COLUMNS);
    const k2 = rowKeys(table, ['t', 'a', 's']);
    expect(k2).toEqual(k);
    expect([k.hi[1], k.lo[1]]).toEqual([k.hi[4], k.lo[4]]);
    expect(new Set(Array.from(k.hi, (h, i) => `${h}:${k.lo[i]}`)).size).toBe(5);
    expect(rowKeys(recoded(table), COLUMNS)).toEqual(k);
  });

  it('treats -0 as 0 and every NaN as missing', () => {
    const a = tableFromRecords([{ v: 0 }, { v: null }]);
    const b = tableFromRecords([{ v: -0 }, { v: Number.NaN }]);
    expect(rowKeys(a, ['v'])).toEqual(rowKeys(b, ['v']));
  });

  it('tells a missing category from the empty string and adjacent columns apart', () => {
    const t = tableFromRecords(
      [
        { p: '', q: 'ab' },
        { p: null, q: 'ab' },
        { p: 'a', q: 'b' },
        { p: 'ab', q: '' },
      ],
      {
        p: 'categorical',
      },
    );
    const k = rowKeys(t, ['p', 'q']);
    expect(new Set(Array.from(k.hi, (h, i) => `${h}:${k.lo[i]}`)).size).toBe(4);
  });

  it('names the available columns when one is unknown', () => {
    expect(() => rowKeys(table, ['nope'])).toThrow(InputError);
    expect(() => rowKeys(table, ['nope'])).toThrow(/"a", "s", "t"/);
  });
});

describe('canonicalOrder', () => {
  const table = tableFromRecords(records);

  function contents(t: Table, order: Uint32Array): string[] {
    const sorted = selectRows(t, order);
    return Array.from({ length: t.rowCount }, (_, r) =>
      COLUMNS.map((name) => {
        const c = sorted.columns.find((col) => col.name === name)!;
        return c.type === 'categorical' ? String(c.categories[c.codes[r]!] ?? null) : String(c.values[r]);
      }).join('|'),
    );
  }

  it('puts equal contents at equal positions whatever the input order or dictionary codes', () => {
    const expected = contents(table, canonicalOrder(table, COLUMNS));
    for (const seed of [1, 2, 3, 4]) {
      const t = shuffled(table, seed);
      expect(contents(t, canonicalOrder(t, COLUMNS))).toEqual(expected);
    }
    const r = recoded(table);
    expect(contents(r, canonicalOrder(r, COLUMNS))).toEqual(expected);
  });

  it('is a permutation, and orders rows with colliding keys by their values', () => {
    const order = canonicalOrder(table, COLUMNS);
    expect(Array.from(order).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // Force every key equal: the order then comes from comparing values alone.
    const zeros = { hi: new Uint32Array(6), lo: new Uint32Array(6) };
    const byValue = canonicalOrder(table, COLUMNS, zeros);
    expect(contents(table, byValue)).toEqual(['NaN|x|30', '0|z|0', '1|null|10', '1|x|10', '2|y|NaN', '2|y|NaN']);
    const shuffledTable = shuffled(table, 9);
    expect(contents(shuffledTable, canonicalOrder(shuffledTable, COLUMNS, zeros))).toEqual(contents(table, byValue));
  });

  it('sorts a large table by key (radix passes agree with a comparison sort)', () => {
    const rng = new Random(7);
    const big = tableFromRecords(Array.from({ length: 5000 }, () => ({ v: rng.int(1000), w: `c${rng.int(50)}` })));
    const keys = rowKeys(big, ['v', 'w']);
    const order = canonicalOrder(big, ['v', 'w'], keys);
    let outOfOrder = 0;
    for (let i = 1; i < order.length; i++) {
      const a = order[i - 1]!;
      const b = order[i]!;
      if ((keys.hi[a]! - keys.hi[b]! || keys.lo[a]! - keys.lo[b]!) > 0) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
    expect(new Set(order).size).toBe(5000);
  });
});

describe('dataDigest', () => {
  const table = tableFromRecords(records);
  const digest = dataDigest(table, COLUMNS);

  it('is a sha256 hex string independent of row order and dictionary codes', () => {
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(dataDigest(shuffled(table, 5), COLUMNS)).toBe(digest);
    expect(dataDigest(recoded(table), ['t', 's', 'a'])).toBe(digest);
  });

  it('covers exactly the named columns', () => {
    const withExtra = tableFromRecords(records.map((r, i) => ({ ...r, extra: i })));
    expect(dataDigest(withExtra, COLUMNS)).toBe(digest);
    expect(dataDigest(withExtra, [...COLUMNS, 'extra'])).not.toBe(digest);
  });

  it('changes when any value, name, type or row count changes', () => {
    const variants: Table[] = [
      tableFromRecords(records.map((r, i) => (i === 2 ? { ...r, t: 31 } : r))),
      tableFromRecords(records.map((r, i) => (i === 0 ? { ...r, s: 'X' } : r))),
      tableFromRecords(records.map((r, i) => (i === 3 ? { ...r, s: '' } : r))),
      tableFromRecords(records.map((r, i) => (i === 1 ? { ...r, a: null } : r))),
      tableFromRecords(records.slice(1)),
      tableFromRecords([...records, records[0]!]),
      tableFromRecords(records, { t: 'datetime' }),
    ];
    const digests = variants.map((v) => dataDigest(v, COLUMNS));
    for (const d of digests) expect(d).not.toBe(digest);
    expect(new Set(digests).size).toBe(digests.length);
    const renamed = tableFromRecords(records.map(({ a, s, t }) => ({ a, s, u: t })));
    expect(dataDigest(renamed, ['a', 's', 'u'])).not.toBe(digest);
  });

  it('separates string boundaries unambiguously', () => {
    const ab = tableFromRecords([{ p: 'ab', q: 'c' }]);
    const a = tableFromRecords([{ p: 'a', q: 'bc' }]);
    expect(dataDigest(ab, ['p', 'q'])).not.toBe(dataDigest(a, ['p', 'q']));
  });
});

describe('hashUnit', () => {
  it('is deterministic, in [0, 1), and changes with the seed', () => {
    expect(hashUnit(1, 2, 42)).toBe(hashUnit(1, 2, 42));
    expect(hashUnit(1, 2, 42)).not.toBe(hashUnit(1, 2, 43));
    expect(hashUnit(1, 2, 42)).not.toBe(hashUnit(2, 1, 42));
  });

  it('is roughly uniform over the rows of a table (chi-squared over 20 bins)', () => {
    const n = 20_000;
    const table = tableFromRecords(Array.from({ length: n }, (_, i) => ({ i })));
    const { hi, lo } = rowKeys(table, ['i']);
    const bins = new Array(20).fill(0);
    let below = 0;
    let outside = 0;
    for (let r = 0; r < n; r++) {
      const u = hashUnit(hi[r]!, lo[r]!, 42);
      if (!(u >= 0 && u < 1)) outside++;
      bins[Math.floor(u * 20)]++;
      if (u < 0.2) below++;
    }
    expect(outside).toBe(0);
    const expected = n / 20;
    const chi2 = bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(43.8); // 99.9th percentile of chi-squared with 19 degrees of freedom
    expect(Math.abs(below / n - 0.2)).toBeLessThan(0.015);
  });
});
