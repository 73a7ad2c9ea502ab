/** evaluate executor: the model on the holdout rows → evaluation.json. */
import { type EvaluationReport, evaluateModel, formatEvaluation } from '../../evaluate/index.ts';
import { writeJson } from '../../lib/files.ts';
import { predict } from '../../model/predict.ts';
import type { RunContext } from '../context.ts';
import { readRunModel } from '../model-file.ts';
import { readDataset, readSplit } from '../prepared.ts';

export async function evaluateStage(ctx: RunContext): Promise<EvaluationReport> {
  const { config, layout } = ctx;
  const { signature } = readSplit(layout);
  const model = readRunModel(layout);
  const data = readDataset(layout, 'holdout', signature);
  const predictions = predict(model, data.table);
  const trainTarget = readDataset(layout, 'train', signature).target;
  const report = evaluateModel({ data, predictions, model, slices: config.evaluation.slices, trainTarget });
  writeJson(layout.evaluationJson, report);
  ctx.log(
    formatEvaluation(report)
      .split('\n')
      .map((line) => (line ? `  ${line}` : line))
      .join('\n'),
  );
  return report;
}
