/**
 * The whole pipeline as one function: validate data → prepare → train → evaluate → export (+ parity).
 * The CLI's `conveyor pipeline` and the CT workflow call this; each step is also a command of its own.
 */
import type { EvaluationReport } from '../evaluate/index.ts';
import { type CreateRunOptions, createRun, type RunContext, recordStage } from './context.ts';
import { type StageName, stageNames } from './run-record.ts';
import { evaluateStage } from './stages/evaluate.ts';
import { type ExportOutcome, exportStage } from './stages/export.ts';
import { prepareStage } from './stages/prepare.ts';
import { trainStage } from './stages/train.ts';
import { type ValidateDataOutcome, validateDataStage } from './stages/validate-data.ts';

export interface PipelineResult {
  readonly runDir: string;
  readonly validation: ValidateDataOutcome;
  readonly evaluation: EvaluationReport;
  readonly export: ExportOutcome;
}

export async function runPipeline(options: CreateRunOptions): Promise<PipelineResult> {
  const ctx = createRun(options);
  ctx.log(`run ${ctx.layout.dir}`);
  const validation = await step(ctx, 'validate-data', () => validateDataStage(ctx, null));
  await step(ctx, 'prepare', () => prepareStage(ctx));
  await step(ctx, 'train', () => trainStage(ctx));
  const evaluation = await step(ctx, 'evaluate', () => evaluateStage(ctx));
  const exported = await step(ctx, 'export', () => exportStage(ctx));
  return { runDir: ctx.layout.dir, validation, evaluation, export: exported };
}

/** Run a stage with a heading and its status recorded in run.json. */
export async function step<T>(ctx: RunContext, name: StageName, body: () => Promise<T>): Promise<T> {
  const index = stageNames.indexOf(name) + 1;
  ctx.log(`[${index}/${stageNames.length}] ${name}`);
  return recordStage(ctx, name, body);
}
