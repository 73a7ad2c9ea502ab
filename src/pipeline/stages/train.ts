/** train executor: training rows → model.json and train.json. */
import { trainModel } from '../../train/index.ts';
import { writeArtifact } from '../artifact-io.ts';
import type { RunContext } from '../context.ts';
import { readDataset, readSplit } from '../prepared.ts';

export interface TrainOutcome {
  readonly algorithm: 'gbdt' | 'linear';
  readonly rows: number;
  readonly seconds: number;
  readonly summary: Readonly<Record<string, number | string>>;
}

const STAGE = 'train';

export async function trainStage(ctx: RunContext): Promise<TrainOutcome> {
  const { config, dir } = ctx;
  const { signature } = await readSplit(dir, STAGE);
  const data = await readDataset(dir, 'train', signature, STAGE);
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
  await writeArtifact(dir, 'model', result.model, STAGE);
  await writeArtifact(
    dir,
    'training',
    {
      algorithm: config.trainer.algorithm,
      params: config.trainer.params,
      rows: data.table.rowCount,
      seconds,
      summary: result.summary,
      history: result.history,
    },
    STAGE,
  );
  const summary = Object.entries(result.summary)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  ctx.log(
    `  ${config.trainer.algorithm} trained on ${data.table.rowCount} rows in ${seconds.toFixed(2)} s${summary ? ` (${summary})` : ''}`,
  );
  return { algorithm: config.trainer.algorithm, rows: data.table.rowCount, seconds, summary: result.summary };
}
