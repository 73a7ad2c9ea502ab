import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDigest } from '../../src/data/digest.ts';
import {
  cellText,
  getColumn,
  readTable,
  selectColumns,
  selectRows,
  tableFromRecords,
  writeTable,
} from '../../src/data/table.ts';
import type { Table } from '../../src/data/types.ts';
import { InputError } from '../../src/errors.ts';
import { folderWith } from './helpers.ts';

const table = tableFromRecords(
  [
    { n: 1.5, s: 'a', d: '2024-01-01', b: true },
    { n: null, s: 'b', d: null, b: false },
    { n: -2, s: null, d: 1_704_153_600_000 },
    { n: 4, s: 'a', d: '2024-01-03T12:00:00Z', b: true },
  ],
  { d: 'datetime' },
);

describe('tableFromRecords', () => {
  it('builds typed columns in first-seen key order, with missing values', () => {
    expect(table.rowCount).toBe(4);
    expect(table.columns.map((c) => [c.name, c.type])).toEqual([
      ['n', 'numeric'],
      ['s', 'categorical'],
      ['d', 'datetime'],
      ['b', 'categorical'],
    ]);
    const n = getColumn(table, 'n');
    expect(n.type === 'numeric' && Array.from(n.values)).toEqual([1.5, Number.NaN, -2, 4]);
    const s = getColumn(table, 's');
    expect(s.type === 'categorical' && [s.categories, Array.from(s.codes)]).toEqual([
      ['a', 'b'],
      [0, 1, -1, 0],
    ]);
    const d = getColumn(table, 'd');
    expect(d.type === 'datetime' && Array.from(d.values)).toEqual([
      Date.UTC(2024, 0, 1),
      Number.NaN,
      Date.UTC(2024, 0, 2),
      Date.UTC(2024, 0, 3, 12),
    ]);
    const b = getColumn(table, 'b');
    expect(b.type === 'categorical' && Array.from(b.codes, (c) => b.categories[c] ?? null)).toEqual([
      'true',
      'false',
      null,
      'true',
    ]);
  });

  it('accepts numbers in a forced categorical column as their text', () => {
    const t = tableFromRecords([{ zip: 2134 }, { zip: '02134' }], { zip: 'categorical' });
    const zip = getColumn(t, 'zip');
    expect(zip.type === 'categorical' && zip.categories).toEqual(['2134', '02134']);
  });

  it('rejects values of the wrong kind, naming the record index and column', () => {
    expect(() => tableFromRecords([{ x: 1 }, { x: 2 }, { x: 'three' }])).toThrow(
      /record 2, column "x": the string "three" but record 0 holds a number/,
    );
    expect(() => tableFromRecords([{ x: 1 }, { x: '2' }], { x: 'numeric' })).toThrow(
      /record 1, column "x": expected a finite number, got the string "2"/,
    );
    expect(() => tableFromRecords([{ x: Number.POSITIVE_INFINITY }])).toThrow(
      /record 0, column "x": expected a finite number/,
    );
    expect(() => tableFromRecords([{ when: 'soon' }], { when: 'datetime' })).toThrow(
      /record 0, column "when": expected an ISO-8601/,
    );
    expect(() => tableFromRecords([{ x: { nested: 1 } } as never])).toThrow(InputError);
    expect(() => tableFromRecords([null as never])).toThrow(/record 0 is not an object/);
  });

  it('gives an empty table for no records', () => {
    expect(tableFromRecords([])).toEqual({ rowCount: 0, columns: [] });
  });
});

describe('selecting', () => {
  it('gathers rows in the given order, sharing the category list', () => {
    const picked = selectRows(table, Uint32Array.from([3, 0, 3]));
    expect(picked.rowCount).toBe(3);
    const n = getColumn(picked, 'n');
    expect(n.type === 'numeric' && Array.from(n.values)).toEqual([4, 1.5, 4]);
    const s = getColumn(picked, 's');
    const source = getColumn(table, 's');
    expect(s.type === 'categorical' && source.type === 'categorical' && s.categories === source.categories).toBe(true);
    expect(selectRows(table, []).rowCount).toBe(0);
    expect(() => selectRows(table, [0, 4])).toThrow(/row 4 \(position 1\) is outside the table/);
  });

  it('projects columns in the requested order', () => {
    const t = selectColumns(table, ['s', 'n']);
    expect(t.columns.map((c) => c.name)).toEqual(['s', 'n']);
    expect(t.rowCount).toBe(4);
    expect(() => selectColumns(table, ['n', 'zz'])).toThrow(/column "zz" not found; columns are: "n", "s", "d", "b"/);
  });

  it('prints cells for messages', () => {
    expect(cellText(table, 'n', 0)).toBe('1.5');
    expect(cellText(table, 'n', 1)).toBe('(missing)');
    expect(cellText(table, 's', 2)).toBe('(missing)');
    expect(cellText(table, 's', 3)).toBe('a');
    expect(cellText(table, 'd', 3)).toBe('2024-01-03T12:00:00.000Z');
    expect(() => cellText(table, 'n', 9)).toThrow(InputError);
  });
});

describe('writeTable / readTable', () => {
  function roundTrip(t: Table): { dir: string; back: Table } {
    const dir = join(folderWith({}), 'table');
    writeTable(dir, t);
    return { dir, back: readTable(dir) };
  }

  it('round-trips every column type exactly', () => {
    const { dir, back } = roundTrip(table);
    expect(back).toEqual(table);
    expect(dataDigest(back, ['n', 's', 'd', 'b'])).toBe(dataDigest(table, ['n', 's', 'd', 'b']));
    expect(readdirSync(dir).sort()).toEqual(['0.f64.bin', '1.i32.bin', '2.f64.bin', '3.i32.bin', 'table.json']);
    expect(readFileSync(join(dir, '0.f64.bin')).length).toBe(4 * 8);
  });

  it('round-trips an empty table and a sliced (offset) column', () => {
    expect(roundTrip({ rowCount: 0, columns: [] }).back).toEqual({ rowCount: 0, columns: [] });
    const backing = new Float64Array([9, 1, 2, 3]);
    const sliced: Table = { rowCount: 3, columns: [{ type: 'numeric', name: 'v', values: backing.subarray(1) }] };
    const { back } = roundTrip(sliced);
    const v = back.columns[0]!;
    expect(v.type === 'numeric' && Array.from(v.values)).toEqual([1, 2, 3]);
  });

  it('rejects a truncated .bin file with a clear message', () => {
    const { dir } = roundTrip(table);
    const path = join(dir, '1.i32.bin');
    writeFileSync(path, readFileSync(path).subarray(0, 10));
    expect(() => readTable(dir)).toThrow(InputError);
    expect(() => readTable(dir)).toThrow(
      /1\.i32\.bin: column "s" should hold 4 values \(16 bytes\), the file has 10 bytes/,
    );
  });

  it('rejects a category code outside the list', () => {
    const { dir } = roundTrip(table);
    writeFileSync(join(dir, '1.i32.bin'), Buffer.from(Int32Array.from([0, 1, 7, -1]).buffer));
    expect(() => readTable(dir)).toThrow(/row 2 has category code 7; column "s" has 2 categories/);
  });

  it('rejects a missing or malformed manifest', () => {
    expect(() => readTable(join(folderWith({}), 'nothing'))).toThrow(/cannot read table manifest/);
    const { dir } = roundTrip(table);
    const manifest = JSON.parse(readFileSync(join(dir, 'table.json'), 'utf8'));
    manifest.columns[0].type = 'text';
    writeFileSync(join(dir, 'table.json'), JSON.stringify(manifest));
    expect(() => readTable(dir)).toThrow(/not a table manifest: columns\.0/);
  });
});
