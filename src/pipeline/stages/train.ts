/** train executor: training rows → model.json. */
import { writeFileAtomic, writeJson } from '../../lib/files.ts';
import { modelToJson } from '../../model/serialize.ts';
import { trainModel } from '../../train/index.ts';
import type { TrainResult } from '../../train/types.ts';
import type { RunContext } from '../context.ts';
import { readDataset, readSplit } from '../prepared.ts';

export async function trainStage(ctx: RunContext): Promise<TrainResult> {
  const { config, layout } = ctx;
  const { signature } = readSplit(layout);
  const data = readDataset(layout, 'train', signature);
  const started = performance.now();
  const result = await trainModel({
    data,
    trainer: config.trainer,
    seed: config.split.seed,
    onProgress: (event) =>
      ctx.progress({
        stage: 'train',
        done: event.iteration,
        total: event.total,
        ...(event.validLoss !== undefined
          ? { loss: event.validLoss, lossOn: 'validation' as const }
          : event.trainLoss !== undefined
            ? { loss: event.trainLoss, lossOn: 'training' as const }
            : {}),
        elapsedMs: performance.now() - started,
      }),
  });
  const seconds = (performance.now() - started) / 1000;
  writeFileAtomic(layout.modelJson, modelToJson(result.model));
  writeJson(layout.trainJson, {
    algorithm: config.trainer.algorithm,
    params: config.trainer.params,
    rows: data.table.rowCount,
    seconds,
    summary: result.summary,
    history: result.history,
  });
  const summary = Object.entries(result.summary)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  ctx.log(
    `  ${config.trainer.algorithm} trained on ${data.table.rowCount} rows in ${seconds.toFixed(2)} s${summary ? ` (${summary})` : ''}`,
  );
  return result;
}
