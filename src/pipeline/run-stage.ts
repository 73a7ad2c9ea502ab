/** Run one stage of a run through the stage table: heading, status in run.json, the lazily loaded executor. */
import { type RunContext, recordStage } from './context.ts';
import { type StageName, stageNames } from './stage-names.ts';
import { type StageOptions, type StageOutcomes, stageSpecs } from './stage-table.ts';

export async function runStage<N extends StageName>(
  ctx: RunContext,
  name: N,
  options: StageOptions = {},
): Promise<StageOutcomes[N]> {
  const spec = stageSpecs[name];
  ctx.log(`[${stageNames.indexOf(name) + 1}/${stageNames.length}] ${name}`);
  return recordStage(ctx, name, async () => {
    const execute = await spec.load();
    return execute(ctx, options);
  });
}
