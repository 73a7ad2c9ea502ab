/**
 * A data schema belongs to one pipeline: the one it was inferred for (recorded in the file as `inferred_for`),
 * or, for a schema written by hand, the one whose target it names. Applying another pipeline's schema would
 * reject good data with messages about columns the user never had ("column species is required"), so it is
 * refused up front with what to do instead.
 */
import { ConfigError } from '../errors.ts';
import type { DataSchema } from '../validate/index.ts';

export interface SchemaOwner {
  readonly configFile: string;
  /** The schema file as configured (relative to the repository root). */
  readonly schemaFile: string;
  /** Whether data.schema was set in the config (else it is the per-pipeline default). */
  readonly explicit: boolean;
  readonly model: string;
  readonly target: string;
  readonly data: readonly string[];
}

/** What the inferred schema of this pipeline records about its origin. */
export function inferredFor(owner: SchemaOwner): NonNullable<DataSchema['inferred_for']> {
  return { model: owner.model, target: owner.target, data: [...owner.data] };
}

/** Throws ConfigError (exit 2) when `schema` was made for another pipeline or another target. */
export function checkSchemaOwner(schema: DataSchema, owner: SchemaOwner): void {
  const recorded = schema.inferred_for;
  const targetColumn = schema.columns.find((c) => c.role === 'target');
  let origin: string | undefined;
  if (recorded && (recorded.model !== owner.model || recorded.target !== owner.target)) {
    origin = `was inferred for model "${recorded.model}" (target "${recorded.target}", data ${recorded.data.join(', ')})`;
  } else if (targetColumn && targetColumn.name !== owner.target) {
    origin = `names "${targetColumn.name}" as its target column`;
  } else if (!schema.columns.some((c) => c.name === owner.target)) {
    origin = `has no column "${owner.target}"`;
  }
  if (origin === undefined) return;
  const own = `data/${owner.model}.schema.json`;
  const fix = owner.explicit
    ? `point data.schema at a schema of this pipeline (or leave it out: ${own} is inferred on the first successful run)`
    : `give it a schema of its own (set data.schema), or delete ${owner.schemaFile} to infer it again from this data`;
  throw new ConfigError(
    owner.configFile,
    'data.schema',
    `${owner.schemaFile} ${origin}, but this pipeline is model "${owner.model}" predicting "${owner.target}": ${fix}`,
  );
}
