import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDigest } from '../../src/data/digest.ts';
import { loadData } from '../../src/data/load.ts';
import type { Table } from '../../src/data/types.ts';
import { DataError } from '../../src/errors.ts';
import { folderWith } from './helpers.ts';

const names = (table: Table): string[] => table.columns.map((c) => c.name);

describe('loadData: files', () => {
  const cwd = folderWith({
    'data/b.csv': 'x,y\n3,c\n4,d\n',
    'data/a.csv': 'x,y\n1,a\n2,b\n',
    'data/sub/c.csv': 'y,z,x\ne,true,5\n',
    'data/notes.txt': 'not data',
  });

  it('reads matched files in path order whatever the glob order', async () => {
    const one = await loadData({ paths: ['data/b.csv', 'data/*.csv'], cwd });
    const two = await loadData({ paths: ['data/a.csv', 'data/b.csv'], cwd });
    for (const data of [one, two]) {
      expect(data.files.map((f) => f.path)).toEqual(['data/a.csv', 'data/b.csv']);
      expect(data.table.columns[0]!.type === 'numeric' && Array.from(data.table.columns[0]!.values)).toEqual([
        1, 2, 3, 4,
      ]);
    }
  });

  it('records each file: format, sha256 and size of its bytes, rows, first row, header', async () => {
    const { files } = await loadData({ paths: ['data/**/*.csv'], cwd });
    const bytes = readFileSync(join(cwd, 'data/sub/c.csv'));
    expect(files[2]).toEqual({
      path: 'data/sub/c.csv',
      format: 'csv',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      rows: 1,
      firstRow: 4,
      columns: ['y', 'z', 'x'],
    });
  });

  it('unions columns in first-seen order; a file without a column gets missing values and an issue', async () => {
    const { table, issues, issueCounts, rowOrigin } = await loadData({ paths: ['data/**/*.csv'], cwd });
    expect(names(table)).toEqual(['x', 'y', 'z']);
    const z = table.columns[2]!;
    expect(z.type === 'categorical' && Array.from(z.codes)).toEqual([-1, -1, -1, -1, 0]);
    expect(issues).toEqual([
      { kind: 'missing_column', file: 'data/a.csv', column: 'z' },
      { kind: 'missing_column', file: 'data/b.csv', column: 'z' },
    ]);
    expect(issueCounts).toEqual({ 'missing_column:z': 2 });
    expect(rowOrigin(4)).toEqual({ file: 'data/sub/c.csv', line: 2 });
    expect(() => rowOrigin(5)).toThrow(RangeError);
  });

  it('names the globs when nothing matches', async () => {
    const error = await loadData({ paths: ['nope/*.csv', 'data/*.json'], cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain('no file matches "nope/*.csv", "data/*.json"');
  });

  it('rejects a matched file of an unsupported type', async () => {
    await expect(loadData({ paths: ['data/*'], cwd })).rejects.toThrow(/data\/notes\.txt: unsupported file type/);
  });
});

describe('loadData: types across files', () => {
  it('decides the type over all files: one non-number makes the column categorical', async () => {
    const cwd = folderWith({ '1.csv': 'v\n1\n2\n', '2.csv': 'v\n3\nx\n' });
    const { table } = await loadData({ paths: ['*.csv'], cwd });
    const v = table.columns[0]!;
    expect(v.type).toBe('categorical');
    expect(v.type === 'categorical' && Array.from(v.codes, (c) => v.categories[c])).toEqual(['1', '2', '3', 'x']);
  });

  it('ignores columnTypes for columns the data does not have', async () => {
    const cwd = folderWith({ 'd.csv': 'a\n1\n' });
    const { table, issues } = await loadData({ paths: ['d.csv'], cwd, columnTypes: { ghost: 'categorical' } });
    expect(names(table)).toEqual(['a']);
    expect(issues).toEqual([]);
  });

  it('reports type mismatches in the right file and line when several files are read', async () => {
    const cwd = folderWith({ 'a.csv': 'v\n1\n2\n', 'b.csv': 'v\n3\n\nbad\n' });
    const { issues } = await loadData({ paths: ['*.csv'], cwd, columnTypes: { v: 'numeric' } });
    expect(issues).toEqual([
      { kind: 'type_mismatch', file: 'b.csv', line: 4, column: 'v', value: 'bad', expected: 'numeric' },
    ]);
  });
});

describe('loadData: digest stability across sources', () => {
  const header = 'id,city,temp,day';
  const rows = ['1,Zürich,3.5,2024-01-01', '2,"Oslo, NO",-2,2024-01-02', '3,Lima,NA,2024-01-03', '4,Lima,18.25,'];

  async function digestOf(files: Record<string, string>): Promise<string> {
    const { table } = await loadData({ paths: ['**/*.csv'], cwd: folderWith(files) });
    return dataDigest(table, names(table));
  }

  it('does not depend on file split, row order or line endings', async () => {
    const base = await digestOf({ 'all.csv': `${header}\n${rows.join('\n')}\n` });
    expect(
      await digestOf({
        'z.csv': `${header}\n${rows[0]}\n${rows[1]}\n`,
        'a.csv': `${header}\n${rows[2]}\n${rows[3]}\n`,
      }),
    ).toBe(base);
    expect(await digestOf({ 'all.csv': `${header}\n${[...rows].reverse().join('\n')}\n` })).toBe(base);
    expect(await digestOf({ 'all.csv': `${header}\r\n${rows.join('\r\n')}\r\n` })).toBe(base);
    // Column order in the file does not matter either (columns are digested by sorted name).
    const swapped = rows.map((r) => {
      const m = /^(\d+),("[^"]*"|[^,]*),(.*)$/.exec(r)!;
      return `${m[2]},${m[1]},${m[3]}`;
    });
    expect(await digestOf({ 'all.csv': `city,id,temp,day\n${swapped.join('\n')}\n` })).toBe(base);
  });

  it('changes when one value changes', async () => {
    const base = await digestOf({ 'all.csv': `${header}\n${rows.join('\n')}\n` });
    const changed = [...rows];
    changed[2] = '3,Lima,NA,2024-01-04';
    expect(await digestOf({ 'all.csv': `${header}\n${changed.join('\n')}\n` })).not.toBe(base);
  });
});
