/** prepare executor: the loaded table → train/holdout tables in the run folder. */
import { prepareData } from '../../prepare/index.ts';
import type { SplitSummary } from '../../prepare/types.ts';
import { readArtifact, writeArtifact } from '../artifact-io.ts';
import type { RunContext } from '../context.ts';
import type { PreparedRun } from '../prepared.ts';

export interface PrepareOutcome extends PreparedRun {
  readonly warnings: readonly string[];
  readonly split: SplitSummary;
}

const STAGE = 'prepare';

export async function prepareStage(ctx: RunContext): Promise<PrepareOutcome> {
  const { config, dir } = ctx;
  const table = await readArtifact(dir, 'table', STAGE);
  const { files } = await readArtifact(dir, 'data', STAGE);
  const prepared = prepareData(table, {
    configFile: ctx.configFile,
    target: config.data.target,
    ...(config.data.task ? { task: config.data.task } : {}),
    drop: config.data.drop,
    slices: config.evaluation.slices,
    holdout: config.split.holdout,
    batches: files.map((file) => file.rows),
    ...(config.split.time_column ? { timeColumn: config.split.time_column } : {}),
    seed: config.split.seed,
  });
  await writeArtifact(dir, 'train-table', prepared.train.table, STAGE);
  await writeArtifact(dir, 'holdout-table', prepared.holdout.table, STAGE);
  const outcome: PrepareOutcome = {
    signature: prepared.signature,
    split: prepared.split,
    digest: prepared.digest,
    columns: prepared.columns,
    warnings: prepared.warnings,
  };
  await writeArtifact(dir, 'split', outcome, STAGE);
  for (const warning of prepared.warnings) ctx.log(`  warning: ${warning}`);
  const { split, signature } = prepared;
  ctx.log(
    `  ${signature.task}, target "${signature.target}"${signature.classes ? ` (${signature.classes.length} classes)` : ''}, ${signature.features.length} features`,
  );
  ctx.log(
    `  ${split.method} split: ${split.train_rows} training rows, ${split.holdout_rows} holdout rows ` +
      `(${percent(split.holdout_share)} held out; configured ${percent(split.holdout_fraction)}); data digest ${prepared.digest.slice(0, 12)}`,
  );
  return outcome;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}
