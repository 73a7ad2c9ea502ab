/**
 * The whole pipeline as one function: validate data → prepare → train → evaluate → export (+ parity) →
 * validate model (blessing) → register. The CLI's `conveyor pipeline` and the CT workflow call this; each
 * step is also a command of its own.
 */
import type { EvaluationReport } from '../evaluate/index.ts';
import { createRegistry } from '../registry/index.ts';
import type { DataProfile } from '../validate/index.ts';
import type { Blessing } from '../validate-model/index.ts';
import { findBaseline } from './baseline.ts';
import { type CreateRunOptions, createRun, type RunContext, recordStage } from './context.ts';
import { type StageName, stageNames } from './run-record.ts';
import { evaluateStage } from './stages/evaluate.ts';
import { type ExportOutcome, exportStage } from './stages/export.ts';
import { prepareStage } from './stages/prepare.ts';
import { type RegisterOptions, type RegistrationOutcome, registerStage } from './stages/register.ts';
import { trainStage } from './stages/train.ts';
import { type ValidateDataOutcome, validateDataStage } from './stages/validate-data.ts';
import { validateModelStage } from './stages/validate-model.ts';

export interface PipelineOptions extends CreateRunOptions {
  /** Stop after export: no blessing, no registration (a dry run). */
  readonly skipRegister?: boolean;
  readonly register?: RegisterOptions;
}

export interface PipelineResult {
  readonly runDir: string;
  readonly validation: ValidateDataOutcome;
  readonly evaluation: EvaluationReport;
  readonly export: ExportOutcome;
  readonly blessing: Blessing | null;
  readonly registration: RegistrationOutcome | null;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const ctx = createRun(options);
  ctx.log(`run ${ctx.layout.dir}`);
  // The report is written however the run ends: a refused or failed run is when people most need it.
  try {
    return await runStages(ctx, options);
  } finally {
    await writeReportOf(ctx);
  }
}

async function runStages(ctx: RunContext, options: PipelineOptions): Promise<PipelineResult> {
  const reference = await referenceProfile(ctx);
  const validation = await step(ctx, 'validate-data', () => validateDataStage(ctx, reference));
  await step(ctx, 'prepare', () => prepareStage(ctx));
  await step(ctx, 'train', () => trainStage(ctx));
  const evaluation = await step(ctx, 'evaluate', () => evaluateStage(ctx));
  const exported = await step(ctx, 'export', () => exportStage(ctx));
  if (options.skipRegister) {
    return { runDir: ctx.layout.dir, validation, evaluation, export: exported, blessing: null, registration: null };
  }
  const blessing = await step(ctx, 'validate-model', () => validateModelStage(ctx));
  const registration = await step(ctx, 'register', () => registerStage(ctx, options.register));
  return { runDir: ctx.layout.dir, validation, evaluation, export: exported, blessing, registration };
}

/**
 * Write report/report.md and report.html of the run. A report that cannot be written is logged, never
 * thrown: it must not hide the stage error that ended the run, nor fail a run whose model is registered.
 */
async function writeReportOf(ctx: RunContext): Promise<void> {
  try {
    const { writeRunReport } = await import('../report/index.ts');
    const written = await writeRunReport(ctx.layout.dir);
    ctx.log(`report: ${written.markdownPath}`);
  } catch (error) {
    ctx.log(`  warning: the run report could not be written: ${(error as Error).message}`);
  }
}

/** Training profile of the model new data is compared with (production, else latest); null for the first model. */
export async function referenceProfile(ctx: RunContext): Promise<DataProfile | null> {
  const registry = createRegistry(ctx.config.registry, ctx.env, {
    cwd: ctx.cwd,
    onWarning: (m) => ctx.log(`  warning: ${m}`),
  });
  const baseline = await findBaseline(registry, ctx.config.model.name);
  if (!baseline) return null;
  if (!baseline.card) {
    ctx.log(`  note: no drift reference: ${baseline.cardProblem}`);
    return null;
  }
  ctx.log(
    `  drift reference: training data of ${ctx.config.model.name} v${baseline.version.version} (${baseline.chosenAs})`,
  );
  return baseline.card.training_profile;
}

/** Run a stage with a heading and its status recorded in run.json. */
export async function step<T>(ctx: RunContext, name: StageName, body: () => Promise<T>): Promise<T> {
  const index = stageNames.indexOf(name) + 1;
  ctx.log(`[${index}/${stageNames.length}] ${name}`);
  return recordStage(ctx, name, body);
}
