/**
 * What the CSV reader accepts as text: UTF-8 checked (never replaced), other encodings only when declared,
 * binary files and other delimiters refused with what was found, a declared delimiter used.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadData } from '../../src/data/index.ts';
import type { CategoricalColumn } from '../../src/data/types.ts';
import { DataError } from '../../src/errors.ts';
import { folderWith } from './helpers.ts';

async function loadError(files: Record<string, string | Uint8Array>, options: object = {}): Promise<DataError> {
  const cwd = folderWith(files);
  const error = await loadData({ paths: ['*.csv*'], cwd, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

function categories(table: { columns: readonly { name: string }[] }, name: string): readonly string[] {
  return (table.columns.find((c) => c.name === name) as CategoricalColumn).categories;
}

const latin1 = Buffer.from('city,price\nBerlin,1\nZ\xfcrich,2\nK\xf8benhavn,3\n', 'latin1');

describe('CSV text encoding', () => {
  it('refuses bytes that are not UTF-8 with the file, the line and the encoding to declare (exit code 2)', async () => {
    const error = await loadError({ 'prices.csv': latin1 });
    expect(error.message).toBe(
      'prices.csv:3: byte 0xFC (byte 22 of the file) is not UTF-8; the file is in another encoding (often latin1 or windows-1252): declare it as data.encoding in the config',
    );
    expect(error.exitCode).toBe(2);
  });

  it('reads a declared encoding exactly: latin1, and UTF-16 with its byte order mark', async () => {
    const cwd = folderWith({
      'prices.csv': latin1,
      'wide.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('city,price\nS\u00e3o Paulo,4\n', 'utf16le')]),
    });
    const { table } = await loadData({ paths: ['prices.csv'], cwd, encoding: 'latin1' });
    expect(categories(table, 'city')).toEqual(['Berlin', 'Zürich', 'København']);
    const wide = await loadData({ paths: ['wide.csv'], cwd, encoding: 'utf-16le' });
    expect(categories(wide.table, 'city')).toEqual(['São Paulo']);
  });

  it('keeps multi-byte UTF-8 characters that straddle the 1 MiB read chunks, and finds a bad byte far in', async () => {
    // 'é' is 2 bytes: with an odd-length prefix some 'é' falls across each chunk boundary.
    const rows = Array.from({ length: 70_000 }, (_, i) => `caf\u00e9${i % 7},${i}`);
    const text = `name,n\nx,0\n${rows.join('\n')}\n`;
    const cwd = folderWith({
      'big.csv': text,
      'bad.csv': Buffer.concat([Buffer.from(text), Buffer.from([0xe9, 0x0a])]),
    });
    const { table } = await loadData({ paths: ['big.csv'], cwd });
    expect(table.rowCount).toBe(70_001);
    expect(categories(table, 'name')).toContain('café3');
    const bad = await loadData({ paths: ['bad.csv'], cwd }).catch((e: Error) => e);
    expect((bad as Error).message).toMatch(/^bad\.csv:70003: byte 0xE9 /);
  });

  it('refuses bytes a declared encoding cannot decode, naming it', async () => {
    // UTF-16 needs pairs of bytes: a lone last byte is not a character.
    const odd = Buffer.concat([Buffer.from('a,b\n1,2\n', 'utf16le'), Buffer.from([0x41])]);
    const error = await loadError({ 'odd.csv': odd }, { encoding: 'utf-16le' });
    expect(error.message).toBe('odd.csv:3: the file ends inside a utf-16le character; check data.encoding');
    // Shift_JIS: 0x81 starts a two-byte character; 0x20 cannot end one.
    const sjis = await loadError(
      { 'sjis.csv': Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x81, 0x20, 0x2c, 0x31, 0x0a]) },
      { encoding: 'shift_jis' },
    );
    expect(sjis.message).toMatch(
      /^sjis\.csv:2: the bytes 0x81 0x20 0x2C 0x31 \(from byte 5\) are not valid shift_jis; check data\.encoding$/,
    );
  });

  it('refuses a file that ends inside a UTF-8 character', async () => {
    const error = await loadError({ 'cut.csv': Buffer.from([...Buffer.from('a,b\n1,'), 0xc3]) });
    expect(error.message).toMatch(/^cut\.csv:2: byte 0xC3 .* is not UTF-8/);
  });
});

describe('files that are not CSV text', () => {
  it('names a workbook, a Parquet file and gzip data renamed .csv', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect((await loadError({ 'sheet.csv': zip })).message).toBe(
      'sheet.csv: not CSV text: the file is a ZIP archive, e.g. an Excel .xlsx workbook (save the sheet as CSV)',
    );
    expect((await loadError({ 'table.csv': Buffer.from('PAR1\u0015\u0000') })).message).toMatch(
      /table\.csv: not CSV text: the file is a Parquet file \(name it \.parquet\)/,
    );
    expect((await loadError({ 'data.csv': gzipSync('a,b\n1,2\n') })).message).toMatch(
      /data\.csv: not CSV text: the file is gzip-compressed data \(name it \.csv\.gz\)/,
    );
  });

  it('refuses other binary data by its NUL bytes', async () => {
    const bytes = Buffer.from([0x41, 0x42, 0x2c, 0x00, 0x01, 0x02, 0xff, 0x0a]);
    expect((await loadError({ 'blob.csv': bytes })).message).toBe(
      'blob.csv: not CSV text: a NUL byte at byte 4 means binary data (or UTF-16 text: then declare data.encoding: utf-16le)',
    );
  });
});

describe('CSV delimiters', () => {
  const semicolons = 'species;bill_length_mm;island\nAdelie;39,1;Torgersen\nGentoo;46,5;Biscoe\n';

  it('refuses a semicolon-delimited file read with commas, saying what was found', async () => {
    const error = await loadError({ 'eu.csv': semicolons });
    expect(error.message).toBe(
      'eu.csv:1: the header reads as one column "species;bill_length_mm;island" with the delimiter ","; it holds 3 names separated by ";": declare data.delimiter: ";" in the config',
    );
  });

  it('reads a declared delimiter (for .csv and .csv.gz files alike)', async () => {
    const cwd = folderWith({
      'eu.csv': semicolons,
      'more.csv.gz': gzipSync('species;bill_length_mm;island\nChinstrap;50;Dream\n'),
    });
    const { table } = await loadData({ paths: ['*.csv*'], cwd, delimiter: ';' });
    expect(table.columns.map((c) => c.name)).toEqual(['species', 'bill_length_mm', 'island']);
    expect(categories(table, 'bill_length_mm')).toEqual(['39,1', '46,5', '50']);
    expect(table.rowCount).toBe(3);
  });

  it('names a tab-delimited file read as .csv', async () => {
    expect((await loadError({ 'tabs.csv': 'a\tb\tc\n1\t2\t3\n' })).message).toMatch(
      /tabs\.csv:1: .* 3 names separated by a tab: declare data\.delimiter: "\\t"/,
    );
  });
});
