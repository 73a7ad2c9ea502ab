/** Finding a table's column by name: one lookup with one error for data, models and the server. */
import type { Column, Table } from '../data/types.ts';
import { InputError } from '../errors.ts';

/** The column called `name`; InputError listing the table's columns when there is none (`what` names it). */
export function getColumn(table: Table, name: string, what = 'column'): Column {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) {
    const names = table.columns.map((c) => JSON.stringify(c.name)).join(', ');
    throw new InputError(`${what} "${name}" not found; columns are: ${names}`);
  }
  return column;
}
