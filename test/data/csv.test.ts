import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadData } from '../../src/data/load.ts';
import type { CategoricalColumn, Column, LoadedData, NumericColumn, Table } from '../../src/data/types.ts';
import { DataError } from '../../src/errors.ts';
import { folderWith } from './helpers.ts';

async function loadText(text: string | Uint8Array, name = 'data.csv', options = {}): Promise<LoadedData> {
  return loadData({ paths: [name], cwd: folderWith({ [name]: text }), ...options });
}

function column(table: Table, name: string): Column {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

function texts(table: Table, name: string): (string | null)[] {
  const c = column(table, name) as CategoricalColumn;
  expect(c.type).toBe('categorical');
  return Array.from(c.codes, (code) => (code < 0 ? null : c.categories[code]!));
}

function numbers(table: Table, name: string): number[] {
  const c = column(table, name) as NumericColumn;
  expect(c.type).toBe('numeric');
  return Array.from(c.values);
}

describe('CSV dialect', () => {
  it('reads quoted fields with embedded delimiters, quotes and line breaks', async () => {
    const text = 'name,note,n\n"Smith, J.","said ""hi""",1\nplain,"two\nlines",2\n"",x,3\n';
    const { table, rowOrigin } = await loadText(text);
    expect(table.rowCount).toBe(3);
    expect(texts(table, 'name')).toEqual(['Smith, J.', 'plain', null]);
    expect(texts(table, 'note')).toEqual(['said "hi"', 'two\nlines', 'x']);
    expect(numbers(table, 'n')).toEqual([1, 2, 3]);
    // The third record starts on line 5 because the second spans lines 3–4.
    expect([0, 1, 2].map((r) => rowOrigin(r).line)).toEqual([2, 3, 5]);
  });

  it('gives the same table for CRLF, LF and CR line ends, with or without a final newline', async () => {
    const lf = 'a,b\n1,x\n2,"y\nz"\n3,w';
    const variants = [
      lf,
      `${lf}\n`,
      lf.replaceAll('\n', '\r\n'),
      `${lf.replaceAll('\n', '\r\n')}\r\n`,
      lf.replaceAll('\n', '\r'),
    ];
    const loaded = await Promise.all(variants.map((v) => loadText(v)));
    for (const data of loaded) {
      expect(data.table.rowCount).toBe(3);
      expect(numbers(data.table, 'a')).toEqual([1, 2, 3]);
      expect([0, 1, 2].map((r) => data.rowOrigin(r).line)).toEqual([2, 3, 5]);
    }
    // Line breaks inside quotes are kept as written.
    expect(texts(loaded[0]!.table, 'b')[1]).toBe('y\nz');
    expect(texts(loaded[2]!.table, 'b')[1]).toBe('y\r\nz');
  });

  it('counts lines correctly after a quoted CRLF field and skipped blank lines', async () => {
    const text = 'a,b\r\n"p\r\nq\nr",1\r\n\r\n\r\n3,oops,extra\r\n4,5\r\n';
    const { table, rowOrigin, issues } = await loadText(text);
    expect(table.rowCount).toBe(2);
    expect(rowOrigin(0).line).toBe(2);
    expect(rowOrigin(1).line).toBe(8);
    expect(issues).toEqual([{ kind: 'ragged_row', file: 'data.csv', line: 7, expectedFields: 2, actualFields: 3 }]);
  });

  it('strips a UTF-8 BOM and keeps unicode text intact', async () => {
    const text = '\ufeffcity,temp\nZürich,3.5\n東京,12\n"São Paulo 🌧",22\n';
    const { table } = await loadText(new Uint8Array(Buffer.from(text, 'utf8')));
    expect(table.columns.map((c) => c.name)).toEqual(['city', 'temp']);
    expect(texts(table, 'city')).toEqual(['Zürich', '東京', 'São Paulo 🌧']);
    expect(numbers(table, 'temp')).toEqual([3.5, 12, 22]);
  });

  it('reads TSV with tabs and gzipped CSV', async () => {
    const tsv = await loadText('a\tb\n1\thello, world\n2\t"x\ty"\n', 'data.tsv');
    expect(texts(tsv.table, 'b')).toEqual(['hello, world', 'x\ty']);
    const gz = await loadText(gzipSync(Buffer.from('a,b\n1,x\n2,y\n')), 'data.csv.gz');
    expect(numbers(gz.table, 'a')).toEqual([1, 2]);
    expect(gz.files[0]!.format).toBe('csv');
  });

  it('keeps a stray quote inside an unquoted field as a character', async () => {
    const { table } = await loadText('a,b\n5" screen,1\n');
    expect(texts(table, 'a')).toEqual(['5" screen']);
  });

  it('fails with the file and line on an unclosed quote', async () => {
    const error = await loadText('a,b\n1,2\n3,"open\n4,5\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^data\.csv: in the record after line 2: .*Quote Not Closed/);
  });

  it('requires a header row', async () => {
    await expect(loadText('')).rejects.toThrow(/data\.csv: no header row/);
    await expect(loadText('\n\n')).rejects.toThrow(DataError);
  });

  it('reports a header-only file as empty_file and still knows its columns', async () => {
    const { table, issues, files } = await loadText('a,b\n');
    expect(table.rowCount).toBe(0);
    expect(table.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(issues).toEqual([{ kind: 'empty_file', file: 'data.csv' }]);
    expect(files[0]).toMatchObject({ rows: 0, columns: ['a', 'b'] });
  });
});

describe('CSV rows and headers', () => {
  it('drops ragged rows, reporting line and field counts', async () => {
    const { table, issues, issueCounts, rowOrigin } = await loadText('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    expect(numbers(table, 'a')).toEqual([1, 10]);
    expect(rowOrigin(1).line).toBe(5);
    expect(issues).toEqual([
      { kind: 'ragged_row', file: 'data.csv', line: 3, expectedFields: 3, actualFields: 2 },
      { kind: 'ragged_row', file: 'data.csv', line: 4, expectedFields: 3, actualFields: 4 },
    ]);
    expect(issueCounts['ragged_row:data.csv']).toBe(2);
  });

  it('keeps every row and line across the internal 65,536-row blocks', async () => {
    const n = 70_000;
    const lines = ['i,c'];
    for (let i = 0; i < n; i++) lines.push(i === 65_540 ? `${i},"x\ny"` : `${i},k${i % 3}`);
    const { table, rowOrigin } = await loadText(`${lines.join('\n')}\n`);
    expect(table.rowCount).toBe(n);
    const values = numbers(table, 'i');
    expect(values.every((v, i) => v === i)).toBe(true);
    expect(texts(table, 'c').slice(65_534, 65_538)).toEqual(['k2', 'k0', 'k1', 'k2']);
    expect([0, 65_535, 65_536, 65_540, 65_541, n - 1].map((r) => rowOrigin(r).line)).toEqual([
      2,
      65_537,
      65_538,
      65_542,
      65_544,
      n + 2,
    ]);
  });

  it('stores at most 20 ragged_row issues per file but counts them all', async () => {
    const text = `a,b\n${Array.from({ length: 30 }, () => '1').join('\n')}\n`;
    const { issues, issueCounts, table } = await loadText(text);
    expect(table.rowCount).toBe(0);
    expect(issues.filter((i) => i.kind === 'ragged_row')).toHaveLength(20);
    expect(issueCounts['ragged_row:data.csv']).toBe(30);
  });

  it('keeps the first of duplicate header names and reports their 1-based positions', async () => {
    const { table, issues, files } = await loadText('x,y,x,x\n1,2,3,4\n');
    expect(table.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(numbers(table, 'x')).toEqual([1]);
    expect(issues).toEqual([{ kind: 'duplicate_header', file: 'data.csv', column: 'x', positions: [1, 3, 4] }]);
    expect(files[0]!.columns).toEqual(['x', 'y', 'x', 'x']);
  });

  it('names an empty header cell after its position', async () => {
    const { table } = await loadText(',a\n0,1\n');
    expect(table.columns.map((c) => c.name)).toEqual(['column_1', 'a']);
  });

  it('does not read dropped columns at all', async () => {
    const { table } = await loadText('id,a,b\nx1,1,2\nx2,3,4\n', 'data.csv', { drop: ['id', 'nope'] });
    expect(table.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('CSV values', () => {
  it('treats the default missing texts (trimmed) as missing', async () => {
    const text = 'n,s\n1,a\nNA,NA\n,\n  ,  \nnull,None\nNaN,nan\n N/A ,NULL\n2,b\n';
    const { table } = await loadText(text);
    expect(numbers(table, 'n').map((v) => (Number.isNaN(v) ? null : v))).toEqual([
      1,
      null,
      null,
      null,
      null,
      null,
      null,
      2,
    ]);
    expect(texts(table, 's')).toEqual(['a', null, null, null, null, null, null, 'b']);
  });

  it('uses the given missing values instead of the defaults', async () => {
    const { table } = await loadText('n,s\n-999,NA\n3,x\n', 'data.csv', { missingValues: ['-999'] });
    expect(numbers(table, 'n').map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, 3]);
    expect(texts(table, 's')).toEqual(['NA', 'x']);
  });

  it('infers numeric, datetime and categorical columns', async () => {
    const text = [
      'num,date,cat,mixed,padded,allmissing',
      '1e3,2020-01-02,a,1,  3 ,NA',
      '-0.5,2020-01-03T04:05:06Z,b,2020-01-01,4,',
      '.5,2020-01-04 10:00,a,x, 5,NA',
    ].join('\n');
    const { table } = await loadText(text);
    const types = Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      num: 'numeric',
      date: 'datetime',
      cat: 'categorical',
      mixed: 'categorical',
      padded: 'numeric',
      allmissing: 'numeric',
    });
    expect(numbers(table, 'num')).toEqual([1000, -0.5, 0.5]);
    expect(numbers(table, 'padded')).toEqual([3, 4, 5]);
    const date = column(table, 'date');
    expect(date.type === 'datetime' && Array.from(date.values)).toEqual([
      Date.UTC(2020, 0, 2),
      Date.UTC(2020, 0, 3, 4, 5, 6),
      Date.UTC(2020, 0, 4, 10),
    ]);
    // Categorical values keep their exact text, including the one that looks like a date.
    expect(texts(table, 'mixed')).toEqual(['1', '2020-01-01', 'x']);
  });

  it('does not take "12abc", hex or Infinity for numbers', async () => {
    for (const bad of ['12abc', '0x1F', 'Infinity', '1e999', '1_000']) {
      const { table } = await loadText(`v\n1\n${bad}\n`);
      expect(column(table, 'v').type, bad).toBe('categorical');
    }
  });

  it('forces types: unparsable values become missing with a type_mismatch issue (file, line, value)', async () => {
    const text = 'zip,n,when\n02134,1,2020-01-01\n10001,oops,2020-13-01\n"9\n9",3,2020-02-03\n';
    const { table, issues, issueCounts } = await loadText(text, 'data.csv', {
      columnTypes: { zip: 'categorical', n: 'numeric', when: 'datetime', absent: 'numeric' },
    });
    expect(texts(table, 'zip')).toEqual(['02134', '10001', '9\n9']);
    expect(numbers(table, 'n').map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, 3]);
    const when = column(table, 'when');
    expect(when.type).toBe('datetime');
    expect(when.type === 'datetime' && Number.isNaN(when.values[1]!)).toBe(true);
    expect(issues).toEqual([
      { kind: 'type_mismatch', file: 'data.csv', line: 3, column: 'n', value: 'oops', expected: 'numeric' },
      { kind: 'type_mismatch', file: 'data.csv', line: 3, column: 'when', value: '2020-13-01', expected: 'datetime' },
    ]);
    expect(issueCounts).toEqual({ 'type_mismatch:n': 1, 'type_mismatch:when': 1 });
    expect(table.columns.map((c) => c.name)).not.toContain('absent');
  });

  it('caps stored type_mismatch issues per column at 20 but counts all', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? `${i}` : `bad${i}`));
    const { issues, issueCounts } = await loadText(`v\n${rows.join('\n')}\n`, 'data.csv', {
      columnTypes: { v: 'numeric' },
    });
    const stored = issues.filter((i) => i.kind === 'type_mismatch');
    expect(stored).toHaveLength(20);
    expect(stored[0]).toMatchObject({ line: 3, value: 'bad1' });
    expect(issueCounts['type_mismatch:v']).toBe(25);
  });
});
