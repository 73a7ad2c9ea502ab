import { describe, expect, it } from 'vitest';
import type { LoadedData, ReadIssue } from '../../src/data/types.ts';
import { DataError } from '../../src/errors.ts';
import {
  type Anomaly,
  assertValidData,
  computeProfile,
  type DataSchema,
  DataValidationError,
  formatValidationReport,
  inferSchema,
  unusableData,
  validateData,
  validationReportSchema,
} from '../../src/validate/index.ts';
import { buildLoaded, type FileSpec, penguins, shiftColumn, validationOptions } from './helpers.ts';

const B1 = 'data/penguins/batch-01.csv';
const B2 = 'data/penguins/batch-02.csv';

const schema: DataSchema = {
  schema_version: 1,
  columns: [
    {
      name: 'species',
      type: 'categorical',
      role: 'target',
      required: true,
      max_missing_fraction: 0,
      categories: ['Adelie', 'Chinstrap', 'Gentoo'],
    },
    {
      name: 'bill_length_mm',
      type: 'numeric',
      role: 'feature',
      required: true,
      max_missing_fraction: 0.25,
      min: 32.1,
      max: 59.6,
    },
    {
      name: 'island',
      type: 'categorical',
      required: false,
      max_missing_fraction: 0.5,
      categories: ['Biscoe', 'Dream', 'Torgersen'],
    },
  ],
};

/** Two clean files: 4 rows on lines 2-5, then 4 rows on lines 2, 3, 5, 17 (rows between were ragged and dropped). */
function files(overrides: { b1?: Partial<FileSpec['columns']>; b2?: Partial<FileSpec['columns']> } = {}): FileSpec[] {
  return [
    {
      path: B1,
      columns: {
        species: ['Adelie', 'Gentoo', 'Chinstrap', 'Adelie'],
        bill_length_mm: [39.1, 46.5, 49.3, 40.3],
        island: ['Torgersen', 'Biscoe', 'Dream', 'Dream'],
        ...overrides.b1,
      } as FileSpec['columns'],
    },
    {
      path: B2,
      lines: [2, 3, 5, 17],
      columns: {
        species: ['Gentoo', 'Adelie', 'Gentoo', 'Chinstrap'],
        bill_length_mm: [47.2, 36.7, 50, 51.3],
        island: ['Biscoe', 'Torgersen', 'Biscoe', 'Dream'],
        ...overrides.b2,
      } as FileSpec['columns'],
    },
  ];
}

function validate(data: LoadedData, options = validationOptions(), withSchema = schema) {
  return validateData({ data, schema: withSchema, options });
}

function only(anomalies: readonly Anomaly[], kind: Anomaly['kind']): Anomaly {
  const found = anomalies.filter((anomaly) => anomaly.kind === kind);
  expect(found, `${kind} anomalies`).toHaveLength(1);
  return found[0];
}

describe('validateData', () => {
  it('passes clean data and includes its profile', () => {
    const report = validate(buildLoaded(files()));
    expect(report).toMatchObject({ ok: true, errors: 0, warnings: 0, anomalies: [], drift: null });
    expect(report.profile.row_count).toBe(8);
  });

  it('catches a value out of range, naming the first offending file and line', () => {
    const report = validate(
      buildLoaded(
        files({ b1: { bill_length_mm: [39.1, 46.5, 30, 40.3] }, b2: { bill_length_mm: [47.2, 36.7, 50, 812] } }),
      ),
    );
    // A warning by default: ranges inferred from the first batches are not limits of the world.
    expect(report.ok).toBe(true);
    const anomaly = only(report.anomalies, 'out_of_range');
    expect(anomaly).toEqual({
      kind: 'out_of_range',
      severity: 'warning',
      column: 'bill_length_mm',
      file: B1,
      line: 4,
      message: `${B1}:4: column "bill_length_mm": value 30 is below the schema minimum 32.1 (2 values outside [32.1, 59.6]: 1 below, 1 above)`,
      expected: '[32.1, 59.6]',
      actual: 30,
      count: 2,
    });
    const above = validate(buildLoaded(files({ b2: { bill_length_mm: [47.2, 36.7, 50, 812] } })));
    expect(only(above.anomalies, 'out_of_range').message).toBe(
      `${B2}:17: column "bill_length_mm": value 812 is above the schema maximum 59.6 (the only such value)`,
    );
  });

  it('checks one-sided ranges', () => {
    const minOnly: DataSchema = {
      schema_version: 1,
      columns: [{ name: 'v', type: 'numeric', required: true, max_missing_fraction: 0, min: 0 }],
    };
    const report = validate(
      buildLoaded([{ path: 'a.csv', columns: { v: [1, -2, 1e9] } }]),
      validationOptions(),
      minOnly,
    );
    expect(only(report.anomalies, 'out_of_range')).toMatchObject({
      message: 'a.csv:3: column "v": value -2 is below the schema minimum 0 (the only such value)',
      expected: '>= 0',
    });
  });

  it('flags unseen categories above unseen_category_max_fraction, with examples, and not below it', () => {
    const data = buildLoaded(
      files({
        b2: { island: ['Biscoe', 'Atlantis', 'Biscoe', 'Mars'] },
        b1: { island: ['Torgersen', 'Biscoe', 'Mars', 'Dream'] },
      }),
    );
    const report = validate(data);
    const anomaly = only(report.anomalies, 'unseen_category');
    expect(anomaly).toMatchObject({
      severity: 'warning',
      column: 'island',
      file: B1,
      line: 4,
      count: 3,
      actual: 'Mars',
      expected: 'one of "Biscoe", "Dream", "Torgersen"',
      examples: [
        { value: 'Mars', file: B1, line: 4 },
        { value: 'Atlantis', file: B2, line: 3 },
      ],
    });
    expect(anomaly.message).toBe(
      `${B1}:4: column "island": 3 of 8 rows (37.5%) have a category not in the schema, above the allowed 1%: "Mars" (${B1}:4), "Atlantis" (${B2}:3)`,
    );
    expect(report.ok).toBe(true); // warning by default
    // 3 of 8 rows is 37.5%: at a 40% allowance it is not an anomaly.
    expect(validate(data, validationOptions({ unseen_category_max_fraction: 0.4 })).anomalies).toEqual([]);
  });

  it('flags too many missing values', () => {
    const report = validate(buildLoaded(files({ b1: { bill_length_mm: [null, null, 40, null] } })));
    expect(only(report.anomalies, 'too_many_missing')).toEqual({
      kind: 'too_many_missing',
      severity: 'error',
      column: 'bill_length_mm',
      message: 'column "bill_length_mm": 3 of 8 values are missing (37.5%), above the schema maximum 25%',
      expected: 0.25,
      actual: 0.375,
      count: 3,
    });
  });

  it('turns type mismatches of the reader into one anomaly per column with the total count', () => {
    const issues: ReadIssue[] = [
      { kind: 'type_mismatch', file: B2, line: 3, column: 'bill_length_mm', value: '36,7', expected: 'numeric' },
      { kind: 'type_mismatch', file: B2, line: 5, column: 'bill_length_mm', value: 'n/a', expected: 'numeric' },
    ];
    const data = buildLoaded(files({ b2: { bill_length_mm: [47.2, null, null, 51.3] } }), {
      issues,
      issueCounts: { 'type_mismatch:bill_length_mm': 7 },
    });
    const anomaly = only(validate(data).anomalies, 'type_mismatch');
    expect(anomaly).toEqual({
      kind: 'type_mismatch',
      severity: 'error',
      column: 'bill_length_mm',
      file: B2,
      line: 3,
      message: `${B2}:3: column "bill_length_mm": value "36,7" is not numeric; 7 such values in total, read as missing`,
      expected: 'numeric',
      actual: '36,7',
      count: 7,
    });
  });

  it('flags a column whose loaded type differs from the schema, and skips its value checks', () => {
    const data = buildLoaded(
      files({
        b1: { bill_length_mm: ['long', 'short', 'long', 'long'] },
        b2: { bill_length_mm: ['x', 'y', 'z', 'w'] },
      }),
    );
    const report = validate(data);
    expect(report.anomalies).toEqual([
      {
        kind: 'type_mismatch',
        severity: 'error',
        column: 'bill_length_mm',
        message: 'column "bill_length_mm" is categorical in the data, but the schema says numeric',
        expected: 'numeric',
        actual: 'categorical',
      },
    ]);
  });

  it('flags a required column absent from the data, or from one file', () => {
    const [b1, b2] = files();
    const { island: _island, ...withoutIsland } = b2.columns;
    const { species: _species, ...withoutSpecies } = b2.columns;
    // island is not required: its absence from one file is fine (its rows are missing: 4 of 8 = 50% allowed).
    expect(validate(buildLoaded([b1, { ...b2, columns: withoutIsland }])).anomalies).toEqual([]);
    const report = validate(buildLoaded([b1, { ...b2, columns: withoutSpecies }]));
    expect(report.ok).toBe(false);
    expect(only(report.anomalies, 'missing_column')).toEqual({
      kind: 'missing_column',
      severity: 'error',
      column: 'species',
      file: B2,
      message: `${B2}: column "species" is required by the schema but is not in this file's header`,
      expected: 'present',
      actual: 'absent',
    });
    const { species: _s1, ...b1WithoutSpecies } = b1.columns;
    const absent = validate(
      buildLoaded([
        { ...b1, columns: b1WithoutSpecies },
        { ...b2, columns: withoutSpecies },
      ]),
    );
    expect(only(absent.anomalies, 'missing_column').message).toBe(
      'column "species" is required by the schema but is not in the data',
    );
  });

  it('reports a target without a value in any row as an error naming the files, before and in validation', () => {
    const noTarget = buildLoaded(
      [
        { path: B1, columns: { species: [null, null], bill_length_mm: [40, 41] } },
        { path: B2, columns: { species: [null], bill_length_mm: [42] } },
      ],
      { types: { species: 'categorical' } },
    );
    const expected = {
      kind: 'empty_target',
      severity: 'error',
      column: 'species',
      message: `target column "species" has no value in any row of ${B1} (2 rows), ${B2} (1 rows); every cell is empty or a missing-value marker (data.missing_values)`,
    };
    expect(unusableData(noTarget, 'species')).toEqual([expect.objectContaining(expected)]);
    const report = validateData({ data: noTarget, schema, options: validationOptions(), target: 'species' });
    expect(report.ok).toBe(false);
    expect(only(report.anomalies, 'empty_target')).toMatchObject(expected);
    // One value anywhere is enough; rows without one are prepare's business (dropped with a warning).
    const [b1] = files();
    expect(unusableData(buildLoaded([b1!]), 'species')).toEqual([]);
  });

  it('reports no rows at all as an error and an empty file as a warning', () => {
    const none = validate(buildLoaded([{ path: B1, columns: { species: [], bill_length_mm: [] } }]));
    expect(none.ok).toBe(false);
    expect(only(none.anomalies, 'empty_data')).toMatchObject({
      severity: 'error',
      message: `the data has no rows: ${B1} has a header but no data rows`,
    });
    expect(unusableData(buildLoaded([{ path: B1, columns: { species: [] } }]), 'species')).toHaveLength(1);
    const [b1] = files();
    const oneEmpty = validate(
      buildLoaded([b1, { path: B2, columns: { species: [], bill_length_mm: [], island: [] } }]),
    );
    expect(oneEmpty.ok).toBe(true);
    expect(only(oneEmpty.anomalies, 'empty_data')).toEqual({
      kind: 'empty_data',
      severity: 'warning',
      file: B2,
      message: `${B2}: the file has no data rows`,
      expected: 'at least 1 row',
      actual: 0,
    });
  });

  it('reports a repeated header name and ragged rows as errors with file and line', () => {
    const issues: ReadIssue[] = [
      { kind: 'duplicate_header', file: B2, column: 'island', positions: [3, 8] },
      ...Array.from(
        { length: 13 },
        (_, i): ReadIssue => ({
          kind: 'ragged_row',
          file: B2,
          line: 4 + i,
          expectedFields: 7,
          actualFields: 6,
        }),
      ),
    ];
    const report = validate(buildLoaded(files(), { issues }));
    expect(report.ok).toBe(false);
    expect(only(report.anomalies, 'duplicate_header')).toEqual({
      kind: 'duplicate_header',
      severity: 'error',
      column: 'island',
      file: B2,
      line: 1,
      message: `${B2}:1: column "island" appears 2 times in the header (positions 3, 8); column names must be unique`,
      expected: 1,
      actual: 2,
      count: 2,
    });
    const ragged = report.anomalies.filter((anomaly) => anomaly.kind === 'ragged_row');
    expect(ragged).toHaveLength(11);
    expect(ragged[0]).toEqual({
      kind: 'ragged_row',
      severity: 'error',
      file: B2,
      line: 4,
      message: `${B2}:4: the row has 6 fields, the header has 7`,
      expected: 7,
      actual: 6,
    });
    expect(ragged[10]).toMatchObject({
      line: 14,
      count: 3,
      message: `${B2}:14: 3 more row(s) whose field count differs from the header's 7`,
    });
    // The reader stores at most a few issues per file and counts the rest.
    const capped = validate(buildLoaded(files(), { issues, issueCounts: { [`ragged_row:${B2}`]: 250 } }));
    expect(capped.anomalies.at(-1)).toMatchObject({
      kind: 'ragged_row',
      count: 240,
      message: `${B2}:14: 240 more row(s) whose field count differs from the header's 7`,
    });
  });

  it('warns about a column the schema does not list', () => {
    const report = validate(buildLoaded(files({ b1: { sex: ['MALE', 'FEMALE', null, 'MALE'] } })));
    expect(report.ok).toBe(true);
    expect(only(report.anomalies, 'unknown_column')).toMatchObject({
      severity: 'warning',
      column: 'sex',
      message:
        'column "sex" (categorical) is in the data but not in the schema; add it to the schema, or to data.drop in conveyor.yml',
    });
  });

  it('does not check the values of a dropped column', () => {
    const withDropped: DataSchema = {
      ...schema,
      columns: [
        ...schema.columns,
        { name: 'id', type: 'numeric', role: 'dropped', required: false, max_missing_fraction: 0, min: 0, max: 1 },
      ],
    };
    const ids = buildLoaded(files({ b1: { id: [5, null, 7, 8] }, b2: { id: [9, 10, 11, 12] } }));
    expect(validate(ids, validationOptions(), withDropped).anomalies).toEqual([]);
  });
});

describe('severities', () => {
  const outOfRange = () => buildLoaded(files({ b2: { bill_length_mm: [47.2, 36.7, 50, 812] } }));

  it('come from config validation.data.severity: warnings keep ok true, errors make it false', () => {
    const asError = validate(outOfRange(), validationOptions({ severity: { out_of_range: 'error' } }));
    expect(asError).toMatchObject({ ok: false, errors: 1, warnings: 0 });
    const asWarning = validate(outOfRange());
    expect(asWarning).toMatchObject({ ok: true, errors: 0, warnings: 1 });
    expect(asWarning.anomalies[0]).toMatchObject({ kind: 'out_of_range', severity: 'warning' });
    const unseen = buildLoaded(files({ b1: { island: ['Mars', 'Mars', 'Mars', 'Dream'] } }));
    expect(validate(unseen, validationOptions({ severity: { unseen_category: 'error' } }))).toMatchObject({
      ok: false,
      errors: 1,
    });
  });

  it('are overridden per column by the schema', () => {
    const relaxed: DataSchema = {
      ...schema,
      columns: schema.columns.map((column) =>
        column.name === 'bill_length_mm' ? { ...column, severity: { out_of_range: 'warning' as const } } : column,
      ),
    };
    expect(validate(outOfRange(), validationOptions({ severity: { out_of_range: 'error' } }), relaxed)).toMatchObject({
      ok: true,
      warnings: 1,
    });
    const strict: DataSchema = {
      ...schema,
      columns: schema.columns.map((column) =>
        column.name === 'bill_length_mm' ? { ...column, severity: { out_of_range: 'error' as const } } : column,
      ),
    };
    const options = validationOptions({ severity: { out_of_range: 'warning' } });
    expect(validate(outOfRange(), options, strict)).toMatchObject({ ok: false, errors: 1 });
  });

  it('cannot soften structural problems', () => {
    const options = validationOptions({
      severity: {
        out_of_range: 'warning',
        unseen_category: 'warning',
        too_many_missing: 'warning',
        type_mismatch: 'warning',
        drift: 'warning',
      },
    });
    const issues: ReadIssue[] = [{ kind: 'ragged_row', file: B1, line: 9, expectedFields: 3, actualFields: 4 }];
    expect(validate(buildLoaded(files(), { issues }), options)).toMatchObject({ ok: false, errors: 1 });
  });
});

describe('drift in validateData', () => {
  const pengSchema = () => inferSchema(computeProfile(penguins().table), { target: 'species' });

  it('adds drift anomalies (warnings by default) when a reference profile is given', () => {
    const data = penguins();
    const reference = computeProfile(data.table);
    const same = validateData({ data, schema: pengSchema(), options: validationOptions(), reference });
    expect(same.ok).toBe(true);
    expect(same.drift?.drifted_columns).toBe(0);
    expect(same.drift?.columns.map((column) => column.column)).toEqual([
      'species',
      'island',
      'bill_length_mm',
      'bill_depth_mm',
      'flipper_length_mm',
      'body_mass_g',
      'sex',
    ]);

    const shifted = { ...data, table: shiftColumn(data.table, 'body_mass_g', 802) };
    const relaxed = pengSchema();
    for (const column of relaxed.columns) if (column.type === 'numeric') delete column.max;
    const report = validateData({ data: shifted, schema: relaxed, options: validationOptions(), reference });
    expect(report.ok).toBe(true);
    const drift = only(report.anomalies, 'drift');
    expect(drift).toMatchObject({ severity: 'warning', column: 'body_mass_g', expected: 0.2 });
    expect(drift.message).toMatch(/^column "body_mass_g": drift from the reference: PSI \d+\.\d+ is above 0\.2$/);

    const body = relaxed.columns.find((column) => column.name === 'body_mass_g')!;
    body.severity = { drift: 'error' };
    const strict = validateData({ data: shifted, schema: relaxed, options: validationOptions(), reference });
    expect(strict).toMatchObject({ ok: false, errors: 1 });
  });

  it('adds a data-set drift anomaly when the share of drifted columns reaches dataset_share', () => {
    const data = penguins();
    const reference = computeProfile(data.table);
    let table = data.table;
    for (const [name, delta] of [
      ['bill_length_mm', 5.5],
      ['bill_depth_mm', 2],
      ['flipper_length_mm', 14],
      ['body_mass_g', 802],
    ] as const) {
      table = shiftColumn(table, name, delta);
    }
    const relaxed = pengSchema();
    for (const column of relaxed.columns) if (column.type === 'numeric') delete column.max;
    const report = validateData({ data: { ...data, table }, schema: relaxed, options: validationOptions(), reference });
    expect(report.drift).toMatchObject({ drifted_columns: 4, dataset_drift: true });
    const dataset = report.anomalies.filter((anomaly) => anomaly.kind === 'drift' && anomaly.column === undefined);
    expect(dataset).toEqual([
      {
        kind: 'drift',
        severity: 'warning',
        message: 'data set drift: 4 of 7 columns drifted (57.1%), at or above the 50% threshold',
        expected: 0.5,
        actual: 4 / 7,
        count: 4,
      },
    ]);
  });
});

describe('DataValidationError and the text report', () => {
  const broken = () => {
    const issues: ReadIssue[] = Array.from({ length: 7 }, (_, i) => ({
      kind: 'ragged_row' as const,
      file: B1,
      line: 20 + i,
      expectedFields: 3,
      actualFields: 2,
    }));
    return validate(buildLoaded(files({ b1: { sex: ['MALE', null, null, 'FEMALE'] } }), { issues }));
  };

  it('summarises the first errors and counts the rest', () => {
    const report = broken();
    const error = new DataValidationError(report.anomalies);
    expect(error).toBeInstanceOf(DataError);
    expect(error.exitCode).toBe(2);
    expect(error.anomalies).toBe(report.anomalies);
    expect(error.message).toBe(
      [
        'data validation failed with 7 error(s):',
        `  - ${B1}:20: the row has 2 fields, the header has 3`,
        `  - ${B1}:21: the row has 2 fields, the header has 3`,
        `  - ${B1}:22: the row has 2 fields, the header has 3`,
        `  - ${B1}:23: the row has 2 fields, the header has 3`,
        `  - ${B1}:24: the row has 2 fields, the header has 3`,
        '  … and 2 more error(s)',
      ].join('\n'),
    );
    expect(() => assertValidData(report)).toThrow(DataValidationError);
    const fine = validate(buildLoaded(files()));
    expect(assertValidData(fine)).toBe(fine);
  });

  it('formats a readable report with errors, warnings and drift', () => {
    const text = formatValidationReport(broken());
    expect(text).toBe(
      [
        'Data validation FAILED: 7 errors, 1 warning',
        '8 rows, 4 columns',
        '',
        'Errors (7):',
        ...Array.from(
          { length: 7 },
          (_, i) => `  [ragged_row] ${B1}:${20 + i}: the row has 2 fields, the header has 3`,
        ),
        '',
        'Warnings (1):',
        '  [unknown_column] column "sex" (categorical) is in the data but not in the schema; add it to the schema, or to data.drop in conveyor.yml',
        '',
      ].join('\n'),
    );
    const data = penguins();
    const withDrift = formatValidationReport(
      validateData({
        data,
        schema: inferSchema(computeProfile(data.table), { target: 'species' }),
        options: validationOptions(),
        reference: computeProfile(data.table),
      }),
    );
    expect(withDrift).toContain('Data validation passed: 0 errors, 0 warnings\n344 rows, 7 columns\n');
    expect(withDrift).toContain(
      'Drift from the reference: 0 of 7 columns drifted (0%); data set drift: no (at 50% of columns)',
    );
    expect(withDrift).toContain('\n  column             method             score  threshold\n');
    expect(withDrift).toContain('\n  bill_length_mm     psi               0.0000        0.2\n');
    expect(withDrift).toContain('\n  species            jensen_shannon    0.0000        0.1\n');
  });

  it('produces a JSON-serialisable report that reads back through validationReportSchema', () => {
    const data = penguins();
    const report = validateData({
      data: { ...data, table: shiftColumn(data.table, 'bill_depth_mm', 2) },
      schema: inferSchema(computeProfile(data.table), { target: 'species' }),
      options: validationOptions(),
      reference: computeProfile(data.table),
    });
    expect(report.anomalies.length).toBeGreaterThan(0);
    expect(validationReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });
});
