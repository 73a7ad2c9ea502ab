/**
 * validate-data executor: load the configured files, infer or read the schema, profile, check, persist.
 * The schema used is snapshotted into the run folder (later stages and the model card read it from there); an
 * inferred schema reaches the working tree only when the run succeeds (see inferred-schema.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataSchemaFile } from '../../config/index.ts';
import { loadData } from '../../data/index.ts';
import type { ColumnType } from '../../data/types.ts';
import { ConfigError } from '../../errors.ts';
import {
  computeProfile,
  type DataSchema,
  DataValidationError,
  formatValidationReport,
  inferSchema,
  readSchema,
  type ValidationReport,
  validateData,
} from '../../validate/index.ts';
import { writeArtifact } from '../artifact-io.ts';
import { referenceProfile } from '../baseline.ts';
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
  const reference = await referenceProfile(ctx);
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
  const existing = existsSync(schemaPath) ? readSchema(schemaPath) : null;
  const columnTypes: Record<string, ColumnType> = { ...schemaTypes(existing), ...config.data.features };
  const data = await loadData({
    paths,
    cwd,
    columnTypes,
    drop: config.data.drop,
    missingValues: config.data.missing_values,
  });
  const columns = data.table.columns.map((c) => c.name);
  if (!columns.includes(config.data.target)) {
    throw new ConfigError(
      ctx.configFile,
      'data.target',
      `column "${config.data.target}" not found; columns are: ${columns.map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
  for (const name of Object.keys(config.data.features)) {
    if (!columns.includes(name)) {
      throw new ConfigError(
        ctx.configFile,
        `data.features.${name}`,
        `column "${name}" not found; columns are: ${columns.join(', ')}`,
      );
    }
  }
  // After the target check: a misspelt target is reported as such, not as a schema of another pipeline.
  if (existing) checkSchemaOwner(existing, owner);
  const profile = computeProfile(data.table, { bins: config.validation.data.drift.bins });
  const schema = existing ?? {
    ...inferSchema(profile, { target: config.data.target }),
    inferred_for: inferredFor(owner),
  };
  const report = validateData({ data, schema, options: config.validation.data, ...(reference ? { reference } : {}) });

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

  ctx.log(`  ${data.files.length} file(s), ${data.table.rowCount} rows, ${columns.length} columns`);
  if (!existing) ctx.log(`  inferred a data schema; it is written to ${schemaFile} when the run succeeds`);
  ctx.log(indent(formatValidationReport(report)));
  if (!report.ok) throw new DataValidationError(report.anomalies);
  return { report, schemaPath, schemaCreated: !existing, rows: data.table.rowCount, files: data.files.length };
}

function schemaTypes(schema: DataSchema | null): Record<string, ColumnType> {
  const types: Record<string, ColumnType> = {};
  for (const column of schema?.columns ?? []) types[column.name] = column.type;
  return types;
}
