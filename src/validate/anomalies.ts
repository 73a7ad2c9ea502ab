/**
 * Data validation (TFX ExampleValidator): check loaded data against the schema and, when a reference profile is
 * given, against the reference's distributions. Pure: in-memory data in, a JSON-serialisable report out.
 *
 * Severities: the configurable kinds (out_of_range, unseen_category, too_many_missing, type_mismatch, drift) take
 * config `validation.data.severity`, overridden per column by the schema's `severity`. Structural problems — no rows
 * at all, a repeated header name, a ragged row, a required column missing — are always errors; an empty file and a
 * column the schema does not list are always warnings. Drift gives one anomaly per drifted column (severity from
 * the column's override or the config) and one for the data set when `dataset_share` is reached (the config's).
 */
import type { CategoricalColumn, Column, LoadedData, NumericColumn, ReadIssue } from '../data/types.ts';
import { computeDrift } from './drift.ts';
import { computeProfile } from './profile.ts';
import type {
  Anomaly,
  CategoricalSchemaColumn,
  ConfigurableKind,
  DataProfile,
  DataSchema,
  DataValidationOptions,
  DriftReport,
  NumericSchemaColumn,
  SchemaColumn,
  Severity,
  ValidationReport,
} from './types.ts';

/** Ragged rows reported one by one per file; the rest of a file's are summed in one anomaly. */
export const RAGGED_ROWS_LISTED = 10;
/** Examples of unseen categories listed in an anomaly. */
export const UNSEEN_EXAMPLES = 3;

export interface ValidateDataInput {
  readonly data: LoadedData;
  readonly schema: DataSchema;
  /** Config `validation.data`. */
  readonly options: DataValidationOptions;
  /** Profile of the reference data (the training data of the production model); enables drift checks. */
  readonly reference?: DataProfile;
  /** The column to predict (config `data.target`): it must have a value in some row. */
  readonly target?: string;
}

/**
 * What makes data unusable whatever the schema says: no rows at all, or a target without a single value. Checked
 * before a schema is inferred (nothing can be inferred from such data) and again by validateData.
 */
export function unusableData(data: LoadedData, target: string | undefined): Anomaly[] {
  if (data.table.rowCount === 0) return emptyData(data);
  const column = target === undefined ? undefined : data.table.columns.find((c) => c.name === target);
  if (!column) return [];
  const present =
    column.type === 'categorical'
      ? column.codes.some((code) => code >= 0)
      : column.values.some((v) => !Number.isNaN(v));
  if (present) return [];
  const files = data.files.filter((file) => file.rows > 0).map((file) => `${file.path} (${file.rows} rows)`);
  return [
    {
      kind: 'empty_target',
      severity: 'error',
      column: column.name,
      message: `target column "${column.name}" has no value in any row of ${listSome(files, 5)}; every cell is empty or a missing-value marker (data.missing_values)`,
      expected: 'a value in at least 1 row',
      actual: 0,
      count: data.table.rowCount,
    },
  ];
}

/**
 * Validate loaded data against a schema (and a reference profile for drift). The report's profile is the data's
 * own, binned with `options.drift.bins`. `ok` is false when any anomaly has severity `error`.
 */
export function validateData(input: ValidateDataInput): ValidationReport {
  const { data, schema, options, reference } = input;
  const table = data.table;
  const profile = computeProfile(table, { bins: options.drift.bins });
  const anomalies: Anomaly[] = [];
  const severityOf = (kind: ConfigurableKind, column: SchemaColumn | undefined): Severity =>
    column?.severity?.[kind] ?? options.severity[kind];
  const loaded = new Map(table.columns.map((column) => [column.name, column]));
  const schemaColumns = new Map(schema.columns.map((column) => [column.name, column]));

  anomalies.push(...(table.rowCount === 0 ? [] : unusableData(data, input.target)));
  anomalies.push(...emptyData(data));
  anomalies.push(...duplicateHeaders(data));
  anomalies.push(...raggedRows(data));
  anomalies.push(...missingColumns(data, schema));

  const mismatchIssues = groupTypeMismatches(data.issues);
  const checked = new Set<string>();
  for (const column of schema.columns) {
    const actual = loaded.get(column.name);
    if (!actual || column.role === 'dropped') continue;
    checked.add(column.name);
    if (actual.type !== column.type) {
      anomalies.push({
        kind: 'type_mismatch',
        severity: severityOf('type_mismatch', column),
        column: column.name,
        message: `column "${column.name}" is ${actual.type} in the data, but the schema says ${column.type}`,
        expected: column.type,
        actual: actual.type,
      });
      continue;
    }
    const issues = mismatchIssues.get(column.name);
    if (issues) anomalies.push(typeMismatch(data, issues, severityOf('type_mismatch', column)));
    if (table.rowCount === 0) continue;
    const missing = tooManyMissing(column, profile, table.rowCount, severityOf('too_many_missing', column));
    if (missing) anomalies.push(missing);
    if (column.type === 'numeric') {
      const range = outOfRange(data, column, actual as NumericColumn, severityOf('out_of_range', column));
      if (range) anomalies.push(range);
    } else if (column.type === 'categorical') {
      const unseen = unseenCategories(
        data,
        column,
        actual as CategoricalColumn,
        options,
        severityOf('unseen_category', column),
      );
      if (unseen) anomalies.push(unseen);
    }
  }
  // Type mismatches the reader found in columns the schema does not check.
  for (const [name, issues] of mismatchIssues) {
    if (!checked.has(name) && schemaColumns.get(name)?.role !== 'dropped') {
      anomalies.push(typeMismatch(data, issues, severityOf('type_mismatch', schemaColumns.get(name))));
    }
  }
  for (const column of table.columns) {
    if (!schemaColumns.has(column.name)) anomalies.push(unknownColumn(column));
  }

  let drift: DriftReport | null = null;
  if (reference && table.rowCount > 0) {
    const columns = schema.columns
      .filter((column) => column.role !== 'dropped' && column.role !== 'time')
      .map((column) => column.name);
    drift = computeDrift(reference, table, { ...options.drift, columns });
    anomalies.push(...driftAnomalies(drift, schemaColumns, options.severity.drift));
  }

  const errors = anomalies.filter((anomaly) => anomaly.severity === 'error').length;
  return { ok: errors === 0, errors, warnings: anomalies.length - errors, anomalies, drift, profile };
}

function emptyData(data: LoadedData): Anomaly[] {
  const paths = data.files.map((file) => file.path);
  if (data.table.rowCount === 0) {
    const listed =
      paths.length === 0
        ? 'no input files'
        : `${listSome(paths, 5)} ${paths.length === 1 ? 'has' : 'have'} a header but no data rows`;
    return [
      {
        kind: 'empty_data',
        severity: 'error',
        message: `the data has no rows: ${listed}`,
        expected: 'at least 1 row',
        actual: 0,
        count: 0,
      },
    ];
  }
  const empty = new Set(data.files.filter((file) => file.rows === 0).map((file) => file.path));
  for (const issue of data.issues) if (issue.kind === 'empty_file') empty.add(issue.file);
  return [...empty].map((file) => ({
    kind: 'empty_data',
    severity: 'warning',
    file,
    message: `${file}: the file has no data rows`,
    expected: 'at least 1 row',
    actual: 0,
  }));
}

function duplicateHeaders(data: LoadedData): Anomaly[] {
  const formats = new Map(data.files.map((file) => [file.path, file.format]));
  const anomalies: Anomaly[] = [];
  for (const issue of data.issues) {
    if (issue.kind !== 'duplicate_header') continue;
    const csv = (formats.get(issue.file) ?? 'csv') === 'csv';
    anomalies.push({
      kind: 'duplicate_header',
      severity: 'error',
      column: issue.column,
      file: issue.file,
      ...(csv ? { line: 1 } : {}),
      message: `${issue.file}${csv ? ':1' : ''}: column "${issue.column}" appears ${issue.positions.length} times in the header (positions ${issue.positions.join(', ')}); column names must be unique`,
      expected: 1,
      actual: issue.positions.length,
      count: issue.positions.length,
    });
  }
  return anomalies;
}

function raggedRows(data: LoadedData): Anomaly[] {
  const byFile = new Map<string, Extract<ReadIssue, { kind: 'ragged_row' }>[]>();
  for (const issue of data.issues) {
    if (issue.kind !== 'ragged_row') continue;
    const list = byFile.get(issue.file) ?? [];
    list.push(issue);
    byFile.set(issue.file, list);
  }
  const anomalies: Anomaly[] = [];
  for (const [file, issues] of byFile) {
    for (const issue of issues.slice(0, RAGGED_ROWS_LISTED)) {
      anomalies.push({
        kind: 'ragged_row',
        severity: 'error',
        file,
        line: issue.line,
        message: `${file}:${issue.line}: the row has ${issue.actualFields} fields, the header has ${issue.expectedFields}`,
        expected: issue.expectedFields,
        actual: issue.actualFields,
      });
    }
    // The reader caps the issues it lists per file; issueCounts has the total.
    const total = Math.max(issues.length, data.issueCounts[`ragged_row:${file}`] ?? 0);
    const rest = total - RAGGED_ROWS_LISTED;
    if (rest > 0) {
      const first = issues[RAGGED_ROWS_LISTED];
      anomalies.push({
        kind: 'ragged_row',
        severity: 'error',
        file,
        line: first.line,
        message: `${file}:${first.line}: ${rest} more row(s) whose field count differs from the header's ${first.expectedFields}`,
        expected: first.expectedFields,
        count: rest,
      });
    }
  }
  return anomalies;
}

function missingColumns(data: LoadedData, schema: DataSchema): Anomaly[] {
  const loaded = new Set(data.table.columns.map((column) => column.name));
  const fromIssues = new Set(
    data.issues.flatMap((issue) => (issue.kind === 'missing_column' ? [`${issue.file}\u0000${issue.column}`] : [])),
  );
  const anomalies: Anomaly[] = [];
  for (const column of schema.columns) {
    if (!column.required || column.role === 'dropped') continue;
    if (!loaded.has(column.name)) {
      anomalies.push({
        kind: 'missing_column',
        severity: 'error',
        column: column.name,
        message: `column "${column.name}" is required by the schema but is not in the data`,
        expected: 'present',
        actual: 'absent',
      });
      continue;
    }
    for (const file of data.files) {
      const absent = !file.columns.includes(column.name) || fromIssues.has(`${file.path}\u0000${column.name}`);
      if (!absent) continue;
      anomalies.push({
        kind: 'missing_column',
        severity: 'error',
        column: column.name,
        file: file.path,
        message: `${file.path}: column "${column.name}" is required by the schema but is not in this file's header`,
        expected: 'present',
        actual: 'absent',
      });
    }
  }
  return anomalies;
}

type TypeMismatchIssue = Extract<ReadIssue, { kind: 'type_mismatch' }>;

function groupTypeMismatches(issues: readonly ReadIssue[]): Map<string, TypeMismatchIssue[]> {
  const byColumn = new Map<string, TypeMismatchIssue[]>();
  for (const issue of issues) {
    if (issue.kind !== 'type_mismatch') continue;
    const list = byColumn.get(issue.column) ?? [];
    list.push(issue);
    byColumn.set(issue.column, list);
  }
  return byColumn;
}

function typeMismatch(data: LoadedData, issues: readonly TypeMismatchIssue[], severity: Severity): Anomaly {
  const first = issues[0];
  // The reader caps the issues it lists; issueCounts has the total.
  const total = Math.max(issues.length, data.issueCounts[`type_mismatch:${first.column}`] ?? 0);
  const rest = total > 1 ? `; ${total} such values in total, read as missing` : '; read as missing';
  return {
    kind: 'type_mismatch',
    severity,
    column: first.column,
    file: first.file,
    line: first.line,
    message: `${first.file}:${first.line}: column "${first.column}": value ${JSON.stringify(first.value)} is not ${first.expected}${rest}`,
    expected: first.expected,
    actual: first.value,
    count: total,
  };
}

function tooManyMissing(
  column: SchemaColumn,
  profile: DataProfile,
  rowCount: number,
  severity: Severity,
): Anomaly | undefined {
  const stats = profile.columns.find((entry) => entry.name === column.name)!;
  if (stats.missing_fraction <= column.max_missing_fraction) return undefined;
  return {
    kind: 'too_many_missing',
    severity,
    column: column.name,
    message: `column "${column.name}": ${stats.missing} of ${rowCount} values are missing (${percent(stats.missing_fraction)}), above the schema maximum ${percent(column.max_missing_fraction)}`,
    expected: column.max_missing_fraction,
    actual: stats.missing_fraction,
    count: stats.missing,
  };
}

function outOfRange(
  data: LoadedData,
  column: NumericSchemaColumn,
  actual: NumericColumn,
  severity: Severity,
): Anomaly | undefined {
  const min = column.min ?? Number.NEGATIVE_INFINITY;
  const max = column.max ?? Number.POSITIVE_INFINITY;
  let below = 0;
  let above = 0;
  let firstRow = -1;
  const values = actual.values;
  for (let row = 0; row < data.table.rowCount; row++) {
    const v = values[row]; // NaN (missing) fails both comparisons
    if (v < min) below++;
    else if (v > max) above++;
    else continue;
    if (firstRow < 0) firstRow = row;
  }
  if (firstRow < 0) return undefined;
  const value = values[firstRow];
  const origin = data.rowOrigin(firstRow);
  const side = value < min ? `below the schema minimum ${min}` : `above the schema maximum ${max}`;
  const expected =
    column.min !== undefined && column.max !== undefined
      ? `[${column.min}, ${column.max}]`
      : column.min !== undefined
        ? `>= ${column.min}`
        : `<= ${column.max}`;
  const total = below + above;
  const tally =
    total === 1 ? 'the only such value' : `${total} values outside ${expected}: ${below} below, ${above} above`;
  return {
    kind: 'out_of_range',
    severity,
    column: column.name,
    file: origin.file,
    line: origin.line,
    message: `${origin.file}:${origin.line}: column "${column.name}": value ${value} is ${side} (${tally})`,
    expected,
    actual: Number.isFinite(value) ? value : String(value),
    count: total,
  };
}

function unseenCategories(
  data: LoadedData,
  column: CategoricalSchemaColumn,
  actual: CategoricalColumn,
  options: DataValidationOptions,
  severity: Severity,
): Anomaly | undefined {
  if (!column.categories) return undefined;
  const known = new Set(column.categories);
  const unseenCode = actual.categories.map((category) => !known.has(category));
  const rowCount = data.table.rowCount;
  let unseen = 0;
  const firstRowOf = new Map<string, number>();
  for (let row = 0; row < rowCount; row++) {
    const code = actual.codes[row];
    if (code < 0 || !unseenCode[code]) continue;
    unseen++;
    const category = actual.categories[code];
    if (firstRowOf.size < UNSEEN_EXAMPLES && !firstRowOf.has(category)) firstRowOf.set(category, row);
  }
  const share = unseen / rowCount;
  const limit = options.unseen_category_max_fraction;
  if (unseen === 0 || share <= limit) return undefined;
  const examples = [...firstRowOf].map(([value, row]) => ({ value, ...data.rowOrigin(row) }));
  const first = examples[0];
  const shown = examples.map((example) => `${JSON.stringify(example.value)} (${example.file}:${example.line})`);
  return {
    kind: 'unseen_category',
    severity,
    column: column.name,
    file: first.file,
    line: first.line,
    message: `${first.file}:${first.line}: column "${column.name}": ${unseen} of ${rowCount} rows (${percent(share)}) have a category not in the schema, above the allowed ${percent(limit)}: ${shown.join(', ')}`,
    expected: `one of ${listSome(
      column.categories.map((category) => JSON.stringify(category)),
      10,
    )}`,
    actual: first.value,
    count: unseen,
    examples,
  };
}

function unknownColumn(column: Column): Anomaly {
  return {
    kind: 'unknown_column',
    severity: 'warning',
    column: column.name,
    message: `column "${column.name}" (${column.type}) is in the data but not in the schema; add it to the schema, or to data.drop in conveyor.yml`,
    expected: 'a column listed in the schema',
    actual: column.name,
  };
}

function driftAnomalies(
  drift: DriftReport,
  schemaColumns: ReadonlyMap<string, SchemaColumn>,
  defaultSeverity: Severity,
): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const column of drift.columns) {
    if (!column.drifted) continue;
    const method = column.method === 'psi' ? 'PSI' : 'Jensen-Shannon distance';
    anomalies.push({
      kind: 'drift',
      severity: schemaColumns.get(column.column)?.severity?.drift ?? defaultSeverity,
      column: column.column,
      message: `column "${column.column}": drift from the reference: ${method} ${round(column.score)} is above ${column.threshold}`,
      expected: column.threshold,
      actual: column.score,
    });
  }
  if (drift.dataset_drift) {
    anomalies.push({
      kind: 'drift',
      severity: defaultSeverity,
      message: `data set drift: ${drift.drifted_columns} of ${drift.columns.length} columns drifted (${percent(drift.share)}), at or above the ${percent(drift.dataset_share)} threshold`,
      expected: drift.dataset_share,
      actual: drift.share,
      count: drift.drifted_columns,
    });
  }
  return anomalies;
}

/** 0.035 → "3.5%"; a share that rounds to 0 but is not 0 → "<0.1%". */
export function percent(share: number): string {
  const rounded = Math.round(share * 1000) / 10;
  if (rounded === 0 && share > 0) return '<0.1%';
  return `${rounded}%`;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function listSome(items: readonly string[], shown: number): string {
  if (items.length <= shown) return items.join(', ');
  return `${items.slice(0, shown).join(', ')}, … (${items.length} in all)`;
}
