import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describe, expect, it } from 'vitest';
import { dataDigest } from '../../src/data/digest.ts';
import { loadData } from '../../src/data/load.ts';
import { selectRows } from '../../src/data/table.ts';
import type { Table } from '../../src/data/types.ts';
import { DataError } from '../../src/errors.ts';
import { buildFixtures, PENGUIN_ROWS } from '../fixtures/data/generate-parquet.ts';
import { FIXTURES, folderWith } from './helpers.ts';

const PARQUET_FILES = ['penguins-plain.parquet', 'penguins-dict-snappy.parquet', 'penguins-v2-gzip.parquet'];

function allColumns(table: Table): string[] {
  return table.columns.map((c) => c.name);
}

describe('Parquet fixtures', () => {
  it('are exactly what the committed generator script writes', () => {
    for (const [name, bytes] of Object.entries(buildFixtures())) {
      expect(Buffer.compare(readFileSync(join(FIXTURES, name)), Buffer.from(bytes)), name).toBe(0);
    }
  });

  it("are read the same by hyparquet's own row reader (an independent decoding path)", async () => {
    for (const name of PARQUET_FILES) {
      const bytes = readFileSync(join(FIXTURES, name));
      const rows = await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
        compressors,
      });
      expect(rows.map((r) => r.island)).toEqual(PENGUIN_ROWS.map((r) => r.island));
      expect(rows.map((r) => (r.observed === null ? null : (r.observed as Date).getTime()))).toEqual(
        PENGUIN_ROWS.map((r) => r.observed),
      );
    }
  });
});

describe('loadData on Parquet', () => {
  it('maps Parquet types to table columns (strings, doubles, int32, int64, timestamp, boolean, nulls)', async () => {
    for (const name of PARQUET_FILES) {
      const { table, files, issues, rowOrigin } = await loadData({ paths: [name], cwd: FIXTURES });
      expect(issues, name).toEqual([]);
      expect(table.rowCount).toBe(8);
      expect(table.columns.map((c) => [c.name, c.type])).toEqual([
        ['species', 'categorical'],
        ['island', 'categorical'],
        ['bill_length_mm', 'numeric'],
        ['flipper_length_mm', 'numeric'],
        ['body_mass_g', 'numeric'],
        ['observed', 'datetime'],
        ['male', 'categorical'],
      ]);
      for (const c of table.columns) {
        const expected = PENGUIN_ROWS.map((r) => r[c.name] ?? null);
        const actual =
          c.type === 'categorical'
            ? Array.from(c.codes, (code) => (code < 0 ? null : c.categories[code]))
            : Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
        const normalised = expected.map((v) => (typeof v === 'boolean' ? String(v) : v));
        expect(actual, `${name} ${c.name}`).toEqual(normalised);
      }
      expect(files[0]).toMatchObject({ path: name, format: 'parquet', rows: 8, firstRow: 0 });
      expect(files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(rowOrigin(7)).toEqual({ file: name, line: 8 });
    }
  });

  it('gives the same digest as the CSV file holding the same values', async () => {
    const csv = await loadData({ paths: ['penguins-mini.csv'], cwd: FIXTURES });
    const expected = dataDigest(csv.table, allColumns(csv.table));
    for (const name of PARQUET_FILES) {
      const { table } = await loadData({ paths: [name], cwd: FIXTURES });
      expect(dataDigest(table, allColumns(table)), name).toBe(expected);
    }
  });

  it('concatenates Parquet and CSV files into one table in path order', async () => {
    const { table, files, rowOrigin } = await loadData({
      paths: ['penguins-mini.csv', 'penguins-dict-snappy.parquet'],
      cwd: FIXTURES,
    });
    expect(files.map((f) => [f.path, f.firstRow, f.rows])).toEqual([
      ['penguins-dict-snappy.parquet', 0, 8],
      ['penguins-mini.csv', 8, 8],
    ]);
    expect(table.rowCount).toBe(16);
    expect(rowOrigin(3)).toEqual({ file: 'penguins-dict-snappy.parquet', line: 4 });
    expect(rowOrigin(8)).toEqual({ file: 'penguins-mini.csv', line: 2 });
    // Both halves hold the same values, so the table is the parquet half twice.
    const half = selectRows(table, [0, 1, 2, 3, 4, 5, 6, 7]);
    const doubled = selectRows(
      half,
      [...Array(16).keys()].map((i) => i % 8),
    );
    expect(dataDigest(table, allColumns(table))).toBe(dataDigest(doubled, allColumns(doubled)));
  });

  it('forces a Parquet column to another type', async () => {
    const { table, issues } = await loadData({
      paths: ['penguins-plain.parquet'],
      cwd: FIXTURES,
      columnTypes: { flipper_length_mm: 'categorical', island: 'numeric', observed: 'numeric' },
    });
    const flipper = table.columns.find((c) => c.name === 'flipper_length_mm')!;
    expect(flipper.type === 'categorical' && flipper.categories.slice(0, 3)).toEqual(['181', '210', '195']);
    const observed = table.columns.find((c) => c.name === 'observed')!;
    expect(observed.type === 'numeric' && observed.values[0]).toBe(Date.parse('2007-11-11T09:30:00Z'));
    const island = issues.filter((i) => i.kind === 'type_mismatch' && i.column === 'island');
    expect(island).toHaveLength(8);
    expect(island[0]).toEqual({
      kind: 'type_mismatch',
      file: 'penguins-plain.parquet',
      line: 1,
      column: 'island',
      value: 'Torgersen',
      expected: 'numeric',
    });
  });

  it('converts DATE, DECIMAL, UINT_32 and TIMESTAMP_MILLIS; ±Infinity becomes missing with an issue', async () => {
    const { table, issues } = await loadData({ paths: ['types.parquet'], cwd: FIXTURES });
    const values = (name: string): (number | null)[] => {
      const c = table.columns.find((col) => col.name === name)!;
      if (c.type === 'categorical') throw new Error(`${name} is categorical`);
      return Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
    };
    expect(table.columns.map((c) => [c.name, c.type])).toEqual([
      ['ratio', 'numeric'],
      ['day', 'datetime'],
      ['price', 'numeric'],
      ['count', 'numeric'],
      ['at', 'datetime'],
    ]);
    expect(values('ratio')).toEqual([1.5, null, null, null]);
    expect(values('day')).toEqual([0, Date.UTC(2022, 0, 8), -86_400_000, null]);
    expect(values('price')).toEqual([123.45, -0.05, 0, 1]);
    expect(values('count')).toEqual([4_294_967_295, 1, 2, 3]);
    expect(values('at')).toEqual([0, 1_000_000_000_000, null, -1]);
    expect(issues).toEqual([
      {
        kind: 'type_mismatch',
        file: 'types.parquet',
        line: 2,
        column: 'ratio',
        value: 'Infinity',
        expected: 'numeric',
      },
      {
        kind: 'type_mismatch',
        file: 'types.parquet',
        line: 4,
        column: 'ratio',
        value: '-Infinity',
        expected: 'numeric',
      },
    ]);
  });

  it('reports a file with no rows as empty_file and keeps its columns', async () => {
    const { table, issues } = await loadData({ paths: ['penguins-empty.parquet'], cwd: FIXTURES });
    expect(table.rowCount).toBe(0);
    expect(table.columns).toHaveLength(7);
    expect(issues).toEqual([{ kind: 'empty_file', file: 'penguins-empty.parquet' }]);
  });

  it('refuses nested columns unless they are dropped', async () => {
    await expect(loadData({ paths: ['nested.parquet'], cwd: FIXTURES })).rejects.toThrow(
      /nested\.parquet: column "point" is nested .*drop it/,
    );
    const { table } = await loadData({ paths: ['nested.parquet'], cwd: FIXTURES, drop: ['point'] });
    expect(table.columns.map((c) => c.name)).toEqual(['id']);
    expect(table.columns[0]!.type === 'numeric' && Array.from(table.columns[0]!.values)).toEqual([1, 2, 3]);
  });

  it('rejects a file that is not Parquet, naming it', async () => {
    const cwd = folderWith({ 'bad.parquet': 'PAR1 this is not parquet PAR1' });
    const error = await loadData({ paths: ['bad.parquet'], cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^bad\.parquet: not a readable Parquet file/);
  });

  it('rejects a truncated Parquet file', async () => {
    const bytes = readFileSync(join(FIXTURES, 'penguins-plain.parquet'));
    const cwd = folderWith({ 'cut.parquet': bytes.subarray(0, bytes.length - 200) });
    await expect(loadData({ paths: ['cut.parquet'], cwd })).rejects.toThrow(DataError);
  });
});
