/**
 * Column names that are Object.prototype's properties load like any other, from CSV and from Parquet, and
 * records keyed by them become tables.
 */
import { describe, expect, it } from 'vitest';
import { loadData, tableFromRecords } from '../../src/data/index.ts';
import { buildParquet } from '../fixtures/data/generate-parquet.ts';
import { folderWith } from './helpers.ts';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('columns named like Object.prototype properties', () => {
  it('load from CSV and Parquet with their values, and forced types apply', async () => {
    // Parsed from JSON text: an object literal's `__proto__: ...` would set the prototype instead.
    const records: Record<string, string | number | null>[] = JSON.parse(
      '[{"__proto__": "a", "constructor": 1.5, "toString": "x", "hasOwnProperty": 7},' +
        ' {"__proto__": "b", "constructor": 2.5, "toString": null, "hasOwnProperty": 8}]',
    );
    const parquet = buildParquet(
      records,
      { codec: 0, pageVersion: 1, rowsPerGroup: 10, rowsPerPage: 10, dictionary: false },
      [
        { name: '__proto__', type: 'BYTE_ARRAY', optional: true, convertedType: 0 },
        { name: 'constructor', type: 'DOUBLE', optional: true },
        { name: 'toString', type: 'BYTE_ARRAY', optional: true, convertedType: 0 },
        { name: 'hasOwnProperty', type: 'DOUBLE', optional: true },
      ],
    );
    const cwd = folderWith({ 'odd.csv': `${NAMES.join(',')}\na,1.5,x,7\nb,2.5,,8\n`, 'odd.parquet': parquet });
    for (const path of ['odd.csv', 'odd.parquet']) {
      const types = JSON.parse('{"hasOwnProperty": "categorical"}');
      const { table, issues } = await loadData({ paths: [path], cwd, columnTypes: types });
      expect(issues).toEqual([]);
      expect(table.columns.map((c) => [c.name, c.type])).toEqual([
        ['__proto__', 'categorical'],
        ['constructor', 'numeric'],
        ['toString', 'categorical'],
        ['hasOwnProperty', 'categorical'],
      ]);
      const proto = table.columns[0]!;
      expect(proto.type === 'categorical' && proto.categories).toEqual(['a', 'b']);
    }
    const fromRecords = tableFromRecords(records);
    expect(fromRecords.columns.map((c) => c.name)).toEqual(NAMES);
    // A record without `toString` has it missing, not Object.prototype.toString.
    const partial = tableFromRecords(JSON.parse('[{"__proto__": "a"}, {"__proto__": "b", "toString": "y"}]'));
    const toStringColumn = partial.columns[1]!;
    expect(toStringColumn.type === 'categorical' && Array.from(toStringColumn.codes)).toEqual([-1, 0]);
  });
});
