/**
 * validate-data executor: load the configured files, infer or read the schema, profile, check, persist.
 * The schema used is snapshotted into the run folder (later stages and the model card read it from there); an
 * inferred schema reaches the working tree only when the run succeeds (see inferred-schema.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataSchemaFile } from '../../config/index.ts';
import type { Config } from '../../config/schema.ts';
import { loadData } from '../../data/index.ts';
import type { ColumnType } from '../../data/types.ts';
import { ConfigError, type ConfigProblem } from '../../errors.ts';
import { columnRecord } from '../../lib/column-keys.ts';
import {
  computeProfile,
  DataValidationError,
  formatValidationReport,
  inferSchema,
  readSchema,
  unusableData,
  type ValidationReport,
  validateData,
} from '../../validate/index.ts';
import { writeArtifact } from '../artifact-io.ts';
import { productionReference } from '../baseline.ts';
import type { RunContext } from '../context.ts';
import { checkSchemaOwner, inferredFor, type SchemaOwner } from '../schema-ownership.ts';
import { indent } from './format.ts';

export interface ValidateDataOutcome {
  readonly report: ValidationReport;
  readonly schemaPath: string;
  readonly schemaCreated: boolean;
  readonly rows: number;
  readonly files: number;
}

const STAGE = 'validate-data';

export async function validateDataStage(ctx: RunContext): Promise<ValidateDataOutcome> {
  const { config, cwd, dir } = ctx;
  const reference = await productionReference(ctx);
  const schemaFile = dataSchemaFile(config);
  const schemaPath = resolve(cwd, schemaFile);
  const paths = typeof config.data.path === 'string' ? [config.data.path] : config.data.path;
  const owner: SchemaOwner = {
    configFile: ctx.configFile,
    schemaFile,
    explicit: config.data.schema !== undefined,
    model: config.model.name,
    target: config.data.target,
    data: paths,
  };
  // Without a schema file (a CT runner's checkout, where the inferred file was never committed) the data is checked
  // against the schema production was validated with, so each run does not infer a new one from its own data.
  const fromFile = existsSync(schemaPath) ? readSchema(schemaPath) : null;
  const existing = fromFile ?? reference?.schema ?? null;
  const columnTypes = columnRecord<ColumnType>([
    ...(existing?.columns ?? []).map((c) => [c.name, c.type] as const),
    ...Object.entries(config.data.features),
  ]);
  const data = await loadData({
    paths,
    cwd,
    columnTypes,
    drop: config.data.drop,
    missingValues: config.data.missing_values,
    encoding: config.data.encoding,
    ...(config.data.delimiter ? { delimiter: config.data.delimiter } : {}),
  });
  const columns = data.table.columns.map((c) => c.name);
  const problems = columnNameProblems(config, columns, new Set(data.files.flatMap((f) => f.columns)));
  if (problems.length > 0) throw ConfigError.of(ctx.configFile, problems);
  const unusable = unusableData(data, config.data.target);
  if (unusable.length > 0) {
    ctx.log(indent(unusable.map((anomaly) => `error: ${anomaly.message}`).join('\n')));
    throw new DataValidationError(unusable);
  }
  // After the target check: a misspelt target is reported as such, not as a schema of another pipeline.
  if (existing) checkSchemaOwner(existing, owner);
  const profile = computeProfile(data.table, { bins: config.validation.data.drift.bins });
  const schema = existing ?? {
    ...inferSchema(profile, { target: config.data.target }),
    inferred_for: inferredFor(owner),
  };
  const report = validateData({
    data,
    schema,
    options: config.validation.data,
    target: config.data.target,
    ...(reference ? { reference: reference.profile } : {}),
  });

  await writeArtifact(
    dir,
    'data',
    {
      paths,
      files: data.files,
      rows: data.table.rowCount,
      columns: data.table.columns.map((c) => ({ name: c.name, type: c.type })),
      schema_file: schemaFile,
      schema_created: !existing,
    },
    STAGE,
  );
  await writeArtifact(dir, 'schema', schema, STAGE);
  await writeArtifact(dir, 'profile', profile, STAGE);
  await writeArtifact(dir, 'validation', report, STAGE);
  await writeArtifact(dir, 'table', data.table, STAGE);

  ctx.log(`  read ${data.files.length} file(s)`); // rows and columns: in the report below
  if (!existing) ctx.log(`  inferred a data schema; it is written to ${schemaFile} when the run succeeds`);
  if (!fromFile && existing)
    ctx.log(`  no ${schemaFile}: checked with the data schema of ${reference!.label}; commit it to review and edit it`);
  ctx.log(indent(formatValidationReport(report).trimEnd()));
  if (!report.ok) throw new DataValidationError(report.anomalies);
  return { report, schemaPath, schemaCreated: !existing, rows: data.table.rowCount, files: data.files.length };
}

/** Config keys that name columns the data does not have (dropped columns are read from the file headers). */
function columnNameProblems(config: Config, columns: readonly string[], headers: ReadonlySet<string>): ConfigProblem[] {
  const listed = columns.map((c) => JSON.stringify(c)).join(', ');
  const notFound = (name: string) => `column ${JSON.stringify(name)} not found; columns are: ${listed}`;
  const problems: ConfigProblem[] = [];
  if (!columns.includes(config.data.target))
    problems.push({ key: 'data.target', detail: notFound(config.data.target) });
  for (const name of Object.keys(config.data.features)) {
    if (!columns.includes(name)) problems.push({ key: `data.features.${name}`, detail: notFound(name) });
  }
  for (const name of config.data.drop) {
    if (!headers.has(name)) problems.push({ key: 'data.drop', detail: notFound(name) });
  }
  return problems;
}
