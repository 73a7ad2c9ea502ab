/** evaluate executor: the model on the holdout rows → evaluation.json. */
import { type EvaluationReport, evaluateModel, formatEvaluation } from '../../evaluate/index.ts';
import { predict } from '../../model/predict.ts';
import { holdoutPredictionProfile } from '../../monitor/index.ts';
import { readArtifact, writeArtifact } from '../artifact-io.ts';
import type { RunContext } from '../context.ts';
import { readDataset, readSplit } from '../prepared.ts';
import { indent } from './format.ts';

export type EvaluateOutcome = EvaluationReport;

const STAGE = 'evaluate';

export async function evaluateStage(ctx: RunContext): Promise<EvaluateOutcome> {
  const { config, dir } = ctx;
  const { signature } = await readSplit(dir, STAGE);
  const model = await readArtifact(dir, 'model', STAGE);
  const data = await readDataset(dir, 'holdout', signature, STAGE);
  const predictions = predict(model, data.table);
  const trainTarget = (await readDataset(dir, 'train', signature, STAGE)).target;
  const report = evaluateModel({ data, predictions, model, slices: config.evaluation.slices, trainTarget });
  await writeArtifact(dir, 'evaluation', report, STAGE);
  await writeArtifact(dir, 'holdout-predictions', holdoutPredictionProfile(signature, predictions), STAGE);
  ctx.log(indent(formatEvaluation(report)));
  return report;
}
