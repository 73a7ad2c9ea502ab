/** prepare executor: the loaded table → train/holdout tables in the run folder. */
import { readTable, writeTable } from '../../data/table.ts';
import { writeJson } from '../../lib/files.ts';
import { type PreparedData, prepareData } from '../../prepare/index.ts';
import type { RunContext } from '../context.ts';

export async function prepareStage(ctx: RunContext): Promise<PreparedData> {
  const { config, layout } = ctx;
  const table = readTable(layout.dataTable);
  const prepared = prepareData(table, {
    configFile: ctx.configFile,
    target: config.data.target,
    ...(config.data.task ? { task: config.data.task } : {}),
    drop: config.data.drop,
    slices: config.evaluation.slices,
    holdout: config.split.holdout,
    ...(config.split.time_column ? { timeColumn: config.split.time_column } : {}),
    seed: config.split.seed,
  });
  writeTable(layout.trainTable, prepared.train.table);
  writeTable(layout.holdoutTable, prepared.holdout.table);
  writeJson(layout.splitJson, {
    signature: prepared.signature,
    split: prepared.split,
    digest: prepared.digest,
    columns: prepared.columns,
    warnings: prepared.warnings,
  });
  for (const warning of prepared.warnings) ctx.log(`  warning: ${warning}`);
  const { split, signature } = prepared;
  ctx.log(
    `  ${signature.task}, target "${signature.target}"${signature.classes ? ` (${signature.classes.length} classes)` : ''}, ${signature.features.length} features`,
  );
  ctx.log(
    `  ${split.method} split: ${split.train_rows} training rows, ${split.holdout_rows} holdout rows; data digest ${prepared.digest.slice(0, 12)}`,
  );
  return prepared;
}
