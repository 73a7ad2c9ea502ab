/**
 * The whole pipeline: every stage of the stage table in order, in a new run folder. The CLI's
 * `conveyor pipeline` and the CT workflow call this; each stage is also a command of its own.
 */
import { type CreateRunOptions, createRun, type RunContext } from './context.ts';
import { persistInferredSchema } from './inferred-schema.ts';
import { runStage } from './run-stage.ts';
import { type StageName, stageNames } from './stage-names.ts';
import type { StageOptions, StageOutcomes } from './stage-table.ts';

export interface PipelineOptions extends CreateRunOptions, StageOptions {
  /** Last stage to run (default register). */
  readonly until?: StageName;
  /** Stop after export: no blessing, no registration (a dry run). Same as `until: 'export'`. */
  readonly skipRegister?: boolean;
}

export interface PipelineResult {
  readonly runDir: string;
  /** What each stage that ran returned. */
  readonly outcomes: Partial<StageOutcomes>;
  readonly validation: StageOutcomes['validate-data'];
  readonly evaluation: StageOutcomes['evaluate'];
  readonly export: StageOutcomes['export'];
  /** Null when the run stopped before validate-model. */
  readonly blessing: StageOutcomes['validate-model'] | null;
  readonly registration: StageOutcomes['register'] | null;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const ctx = await createRun(options);
  ctx.log(`run ${ctx.dir}`);
  // The report is written however the run ends: a refused or failed run is when people most need it.
  try {
    return await runStages(ctx, options);
  } finally {
    await writeReportOf(ctx);
  }
}

async function runStages(ctx: RunContext, options: PipelineOptions): Promise<PipelineResult> {
  const last = stageNames.indexOf(options.until ?? (options.skipRegister ? 'export' : 'register'));
  if (last < stageNames.indexOf('export')) {
    throw new Error(`runPipeline: "until" must be export or a later stage, got "${options.until}"`);
  }
  const outcomes: Partial<Record<StageName, unknown>> = {};
  for (const name of stageNames.slice(0, last + 1)) {
    outcomes[name] = await runStage(ctx, name, options);
  }
  // A dry run succeeded too: its inferred schema is kept (register does this itself when it runs).
  if (!outcomes.register) await persistInferredSchema(ctx, 'pipeline');
  const done = outcomes as Partial<StageOutcomes>;
  return {
    runDir: ctx.dir,
    outcomes: done,
    validation: done['validate-data']!,
    evaluation: done.evaluate!,
    export: done.export!,
    blessing: done['validate-model'] ?? null,
    registration: done.register ?? null,
  };
}

/**
 * Write report/report.md and report.html of the run (after the stages, not one of them). A report that cannot
 * be written is logged, never thrown: it must not hide the stage error that ended the run, nor fail a run
 * whose model is registered.
 */
async function writeReportOf(ctx: RunContext): Promise<void> {
  try {
    const { writeRunReport } = await import('../report/index.ts');
    const written = await writeRunReport(ctx.dir);
    ctx.log(`report: ${written.markdownPath}`);
  } catch (error) {
    ctx.log(`  warning: the run report could not be written: ${(error as Error).message}`);
  }
}
