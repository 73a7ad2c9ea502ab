/**
 * Test inputs for data validation, built in memory so these tests do not depend on the loader:
 * LoadedData from column arrays (with a real row → file:line mapping), a tiny CSV reader for the bundled
 * penguins batches, row resampling and synthetic data.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../src/config/schema.ts';
import type {
  Column,
  ColumnType,
  LoadedData,
  NumericColumn,
  ReadIssue,
  RowOrigin,
  SourceFile,
  Table,
} from '../../src/data/types.ts';
import { Random } from '../../src/lib/random.ts';
import type { DataValidationOptions } from '../../src/validate/types.ts';

export type Cell = number | string | Date | null;

export interface FileSpec {
  readonly path: string;
  /** Columns of this file, in header order; all of equal length. */
  readonly columns: Readonly<Record<string, readonly Cell[]>>;
  /** Line of each kept row (default: 2, 3, … — header on line 1). */
  readonly lines?: readonly number[];
  readonly format?: 'csv' | 'parquet';
}

export interface BuildOptions {
  readonly issues?: readonly ReadIssue[];
  readonly issueCounts?: Readonly<Record<string, number>>;
  /** Column types; otherwise inferred from the cells (number → numeric, string → categorical, Date → datetime). */
  readonly types?: Readonly<Record<string, ColumnType>>;
}

/** LoadedData over files whose rows are concatenated in the order given; a column absent from a file is missing there. */
export function buildLoaded(files: readonly FileSpec[], options: BuildOptions = {}): LoadedData {
  const names: string[] = [];
  for (const file of files) for (const name of Object.keys(file.columns)) if (!names.includes(name)) names.push(name);
  const sources: SourceFile[] = [];
  const lines: number[][] = [];
  let firstRow = 0;
  for (const file of files) {
    const rows = Object.values(file.columns)[0]?.length ?? 0;
    for (const [name, cells] of Object.entries(file.columns)) {
      if (cells.length !== rows) throw new Error(`${file.path}: column ${name} has ${cells.length} cells, not ${rows}`);
    }
    const content = JSON.stringify(file.columns);
    sources.push({
      path: file.path,
      format: file.format ?? 'csv',
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: Buffer.byteLength(content),
      rows,
      firstRow,
      columns: Object.keys(file.columns),
    });
    lines.push(file.lines ? [...file.lines] : Array.from({ length: rows }, (_, i) => i + 2));
    firstRow += rows;
  }
  const cellsOf = (name: string): Cell[] =>
    files.flatMap((file, f) => file.columns[name] ?? new Array<Cell>(sources[f].rows).fill(null));
  const table: Table = {
    rowCount: firstRow,
    columns: names.map((name) => makeColumn(name, cellsOf(name), options.types?.[name])),
  };
  return {
    table,
    files: sources,
    issues: options.issues ?? [],
    issueCounts: options.issueCounts ?? countIssues(options.issues ?? []),
    rowOrigin(row: number): RowOrigin {
      for (let f = sources.length - 1; f >= 0; f--) {
        if (row >= sources[f].firstRow && row < sources[f].firstRow + sources[f].rows) {
          return { file: sources[f].path, line: lines[f][row - sources[f].firstRow] };
        }
      }
      throw new RangeError(`row ${row} is not in the table (${firstRow} rows)`);
    },
  };
}

/** One file, for tests that do not care about files. */
export function loadedFrom(columns: Record<string, readonly Cell[]>, path = 'data/batch.csv'): LoadedData {
  return buildLoaded([{ path, columns }]);
}

/** A table from column arrays (types inferred from the cells). */
export function tableFrom(columns: Record<string, readonly Cell[]>): Table {
  return loadedFrom(columns).table;
}

function countIssues(issues: readonly ReadIssue[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const issue of issues) {
    // As the loader counts: `kind:column` for column issues, `kind:file` for file issues.
    const key = 'column' in issue ? `${issue.kind}:${issue.column}` : `${issue.kind}:${issue.file}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function makeColumn(name: string, cells: readonly Cell[], forced: ColumnType | undefined): Column {
  const present = cells.filter((cell) => cell !== null);
  const type: ColumnType =
    forced ??
    (present.every((cell) => typeof cell === 'number')
      ? 'numeric'
      : present.every((cell) => typeof cell === 'string')
        ? 'categorical'
        : present.every((cell) => cell instanceof Date)
          ? 'datetime'
          : fail(`column ${name} mixes cell types`));
  if (type === 'categorical') {
    const categories: string[] = [];
    const codeOf = new Map<string, number>();
    const codes = Int32Array.from(cells, (cell) => {
      if (cell === null) return -1;
      const text = String(cell);
      let code = codeOf.get(text);
      if (code === undefined) {
        code = categories.length;
        categories.push(text);
        codeOf.set(text, code);
      }
      return code;
    });
    return { type, name, codes, categories };
  }
  const values = Float64Array.from(cells, (cell) =>
    cell === null ? Number.NaN : cell instanceof Date ? cell.getTime() : Number(cell),
  );
  return type === 'numeric' ? { type, name, values } : { type, name, values };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Cell texts read as missing (the config default). */
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);

/**
 * A tiny CSV reader for simple files (no quoting, no ragged rows): a column is numeric when every non-missing
 * cell in every file parses as a number. Good enough for the bundled penguins batches.
 */
export function readSimpleCsv(paths: readonly string[]): LoadedData {
  const parsed = paths.map((path) => {
    const text = readFileSync(path, 'utf8');
    const [header, ...rows] = text.split(/\r?\n/).filter((line) => line.length > 0);
    const names = header.split(',');
    const cells = rows.map((row) => row.split(','));
    for (const [i, row] of cells.entries()) {
      if (row.length !== names.length) throw new Error(`${path}:${i + 2}: ragged row`);
    }
    return { path, names, cells };
  });
  const numeric = new Map<string, boolean>();
  for (const file of parsed) {
    file.names.forEach((name, j) => {
      const allNumbers = file.cells.every((row) => MISSING.has(row[j]) || Number.isFinite(Number(row[j])));
      numeric.set(name, (numeric.get(name) ?? true) && allNumbers);
    });
  }
  return buildLoaded(
    parsed.map((file) => ({
      path: file.path,
      columns: Object.fromEntries(
        file.names.map((name, j) => [
          name,
          file.cells.map((row) => (MISSING.has(row[j]) ? null : numeric.get(name) ? Number(row[j]) : row[j])),
        ]),
      ),
    })),
  );
}

export const PENGUIN_FILES = ['data/penguins/batch-01.csv', 'data/penguins/batch-02.csv', 'data/penguins/batch-03.csv'];

/** The bundled penguins data (344 rows, 3 files). */
export function penguins(): LoadedData {
  return readSimpleCsv(PENGUIN_FILES);
}

/** Config `validation.data` with every default, optionally changed. */
export function validationOptions(input: Record<string, unknown> = {}): DataValidationOptions {
  return configSchema.parse({
    model: { name: 'test' },
    data: { path: 'data/*.csv', target: 'species' },
    validation: { data: input },
  }).validation.data;
}

/** The table's rows in the order of `rows` (repeats allowed). */
export function selectRows(table: Table, rows: ArrayLike<number>): Table {
  return {
    rowCount: rows.length,
    columns: table.columns.map((column): Column => {
      if (column.type === 'categorical') {
        return { ...column, codes: Int32Array.from({ length: rows.length }, (_, i) => column.codes[rows[i]]) };
      }
      const values = Float64Array.from({ length: rows.length }, (_, i) => column.values[rows[i]]);
      return { ...column, values };
    }),
  };
}

/** A bootstrap resample: as many rows, drawn with replacement (seeded). */
export function bootstrap(table: Table, seed: number): Table {
  const random = new Random(seed);
  return selectRows(
    table,
    Int32Array.from({ length: table.rowCount }, () => random.int(table.rowCount)),
  );
}

/** Add `delta` to every value of a numeric column. */
export function shiftColumn(table: Table, name: string, delta: number): Table {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((column) =>
      column.name === name && column.type === 'numeric'
        ? ({ ...column, values: column.values.map((v) => v + delta) } satisfies NumericColumn)
        : column,
    ),
  };
}

/**
 * Rows drawn (seeded, with replacement) so that the categorical column `name` follows `weights`
 * (category → relative weight); within a category rows are drawn uniformly.
 */
export function reweightCategory(table: Table, name: string, weights: Record<string, number>, seed: number): Table {
  const column = table.columns.find((entry) => entry.name === name);
  if (column?.type !== 'categorical') throw new Error(`${name} is not a categorical column`);
  const rowsOf = new Map<string, number[]>();
  for (let row = 0; row < table.rowCount; row++) {
    const code = column.codes[row];
    if (code < 0) continue;
    const category = column.categories[code];
    rowsOf.set(category, [...(rowsOf.get(category) ?? []), row]);
  }
  const categories = Object.keys(weights);
  const total = categories.reduce((sum, category) => sum + weights[category], 0);
  const random = new Random(seed);
  const rows = Int32Array.from({ length: table.rowCount }, () => {
    let u = random.next() * total;
    let category = categories[categories.length - 1];
    for (const candidate of categories) {
      u -= weights[candidate];
      if (u < 0) {
        category = candidate;
        break;
      }
    }
    const pool = rowsOf.get(category)!;
    return pool[random.int(pool.length)];
  });
  return selectRows(table, rows);
}

/** Standard normal draw (Box-Muller). */
export function normal(random: Random): number {
  const u = 1 - random.next(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

export interface SyntheticOptions {
  readonly rows: number;
  readonly seed: number;
  /** Added to the mean of `x` (its std is 1). */
  readonly shift?: number;
  /** Exponent of the Zipf-like city weights (default 1.1); another value changes the category mix. */
  readonly cityExponent?: number;
}

/**
 * A larger synthetic table: `x` normal with 2% missing, `amount` log-normal, `visits` counts with many zeros,
 * `city` with 150 categories (more than a profile's top 100), `segment` with 4 levels.
 */
export function syntheticTable(options: SyntheticOptions): Table {
  const random = new Random(options.seed);
  const exponent = options.cityExponent ?? 1.1;
  const cityWeights = Array.from({ length: 150 }, (_, i) => 1 / (i + 1) ** exponent);
  const cityTotal = cityWeights.reduce((a, b) => a + b, 0);
  const segments = ['bronze', 'silver', 'gold', 'platinum'];
  const x: (number | null)[] = [];
  const amount: number[] = [];
  const visits: number[] = [];
  const city: string[] = [];
  const segment: string[] = [];
  for (let i = 0; i < options.rows; i++) {
    x.push(random.next() < 0.02 ? null : normal(random) + (options.shift ?? 0));
    amount.push(Math.round(Math.exp(3 + 0.8 * normal(random)) * 100) / 100);
    visits.push(random.next() < 0.4 ? 0 : 1 + random.int(20));
    let u = random.next() * cityTotal;
    let c = 0;
    while (c < 149 && u >= cityWeights[c]) u -= cityWeights[c++];
    city.push(`city-${String(c).padStart(3, '0')}`);
    const s = random.next();
    segment.push(segments[s < 0.5 ? 0 : s < 0.8 ? 1 : s < 0.95 ? 2 : 3]);
  }
  return tableFrom({ x, amount, visits, city, segment });
}
