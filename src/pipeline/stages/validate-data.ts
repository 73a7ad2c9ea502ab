/** validate-data executor: load the configured files, infer or read the schema, profile, check, persist. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadData } from '../../data/load.ts';
import { writeTable } from '../../data/table.ts';
import type { ColumnType } from '../../data/types.ts';
import { ConfigError } from '../../errors.ts';
import { writeJson } from '../../lib/files.ts';
import {
  computeProfile,
  type DataProfile,
  type DataSchema,
  DataValidationError,
  formatValidationReport,
  inferSchema,
  readSchema,
  type ValidationReport,
  validateData,
  writeSchema,
} from '../../validate/index.ts';
import type { RunContext } from '../context.ts';

export interface ValidateDataOutcome {
  readonly report: ValidationReport;
  readonly schemaPath: string;
  readonly schemaCreated: boolean;
  readonly rows: number;
  readonly files: number;
}

/**
 * `reference` is the training-data profile of the model in production (from the registry), against
 * which drift is measured; null for the first model.
 */
export async function validateDataStage(ctx: RunContext, reference: DataProfile | null): Promise<ValidateDataOutcome> {
  const { config, cwd, layout } = ctx;
  const schemaPath = resolve(cwd, config.data.schema);
  const existing = existsSync(schemaPath) ? readSchema(schemaPath) : null;
  const columnTypes: Record<string, ColumnType> = { ...schemaTypes(existing), ...config.data.features };
  const paths = typeof config.data.path === 'string' ? [config.data.path] : config.data.path;
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
  const profile = computeProfile(data.table, { bins: config.validation.data.drift.bins });
  const schema = existing ?? inferSchema(profile, { target: config.data.target });
  if (!existing) writeSchema(schemaPath, schema);
  const report = validateData({ data, schema, options: config.validation.data, ...(reference ? { reference } : {}) });

  writeJson(layout.dataJson, {
    paths,
    files: data.files,
    rows: data.table.rowCount,
    columns: data.table.columns.map((c) => ({ name: c.name, type: c.type })),
    schema_file: config.data.schema,
    schema_created: !existing,
  });
  writeJson(layout.profileJson, profile);
  writeJson(layout.validationJson, report);
  writeTable(layout.dataTable, data.table);

  ctx.log(`  read ${data.files.length} file(s)`); // rows and columns: in the report below
  if (!existing) ctx.log(`  inferred a data schema and wrote ${config.data.schema}: review and commit it`);
  ctx.log(indent(formatValidationReport(report).trimEnd()));
  if (!report.ok) throw new DataValidationError(report.anomalies);
  return { report, schemaPath, schemaCreated: !existing, rows: data.table.rowCount, files: data.files.length };
}

function schemaTypes(schema: DataSchema | null): Record<string, ColumnType> {
  const types: Record<string, ColumnType> = {};
  for (const column of schema?.columns ?? []) types[column.name] = column.type;
  return types;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
