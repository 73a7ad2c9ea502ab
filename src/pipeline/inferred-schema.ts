/**
 * An inferred schema reaches the working tree only when the run that inferred it succeeded: a failed first run
 * (say on a 1-row table) must not leave a schema that rejects every later run. Until then it lives in the run
 * folder (data/schema.json), which is what the run's later stages and its model card use.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasArtifact, readArtifact } from './artifact-io.ts';
import type { RunContext } from './context.ts';

/** Write the run's inferred schema to the configured schema file, unless the file exists by now. */
export async function persistInferredSchema(ctx: RunContext, reader: string): Promise<string | null> {
  if (!hasArtifact(ctx.dir, 'data')) return null;
  const data = await readArtifact(ctx.dir, 'data', reader);
  if (!data.schema_created) return null;
  const path = resolve(ctx.cwd, data.schema_file);
  if (existsSync(path)) return null;
  // Loaded here, not at the top: the pipeline API stays cheap to import.
  const { writeSchema } = await import('../validate/index.ts');
  writeSchema(path, await readArtifact(ctx.dir, 'schema', reader));
  ctx.log(`  inferred data schema written to ${data.schema_file}: review and commit it`);
  return path;
}
