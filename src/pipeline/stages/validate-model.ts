/**
 * validate-model executor: run the production model (from the registry, in onnxruntime) on this run's
 * holdout rows, evaluate it the same way as the candidate, and decide the blessing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateModel } from '../../evaluate/index.ts';
import { loadOnnxSession, runOnnx } from '../../model/onnx.ts';
import type { ModelRegistry } from '../../registry/index.ts';
import type { Dataset } from '../../train/types.ts';
import { assertBlessed, type Blessing, blessModel, formatBlessing } from '../../validate-model/index.ts';
import { readArtifact, removeArtifact, writeArtifact } from '../artifact-io.ts';
import type { ArtifactValue } from '../artifacts.ts';
import { type Baseline, findBaseline, runRegistry } from '../baseline.ts';
import type { RunContext } from '../context.ts';
import { readDataset, readSplit } from '../prepared.ts';
import { indent } from './format.ts';

export type ValidateModelOutcome = Blessing;
export type BaselineEvaluation = ArtifactValue<'baseline-evaluation'>;

const STAGE = 'validate-model';

export async function validateModelStage(ctx: RunContext): Promise<ValidateModelOutcome> {
  const { config, dir } = ctx;
  const candidate = await readArtifact(dir, 'evaluation', STAGE);
  const parity = await readArtifact(dir, 'parity', STAGE);
  const validation = await readArtifact(dir, 'validation', STAGE);
  const { signature } = await readSplit(dir, STAGE);
  const holdout = await readDataset(dir, 'holdout', signature, STAGE);

  const registry = runRegistry(ctx);
  const baseline = await findBaseline(registry, config.model.name);
  const notes: string[] = [];
  let baselineEvaluation: BaselineEvaluation | undefined;
  if (baseline) {
    const outcome = await evaluateBaseline(ctx, registry, baseline, holdout);
    if ('report' in outcome) baselineEvaluation = outcome;
    else notes.push(outcome.problem);
  }
  const blessing = blessModel({
    candidate,
    ...(baselineEvaluation ? { baseline: baselineEvaluation } : {}),
    options: config.validation.model,
    dataOk: validation.ok,
    parityOk: parity.ok,
    configFile: ctx.configFile,
  });
  const recorded: Blessing = { ...blessing, notes: [...notes, ...blessing.notes] };
  await writeArtifact(dir, 'blessing', recorded, STAGE);
  await removeArtifact(dir, 'baseline-evaluation', STAGE);
  if (baselineEvaluation) await writeArtifact(dir, 'baseline-evaluation', baselineEvaluation, STAGE);
  if (baseline && baselineEvaluation) {
    ctx.log(
      `  compared with ${baselineEvaluation.version} (${baseline.chosenAs}) on the same ${holdout.table.rowCount} holdout rows`,
    );
  } else if (!baseline) {
    ctx.log('  no model registered yet: only the absolute thresholds apply');
  }
  for (const note of notes) ctx.log(`  note: ${note}`);
  ctx.log(indent(formatBlessing(recorded)));
  assertBlessed(recorded);
  return recorded;
}

/** The baseline's metrics on the candidate's holdout, or why it cannot be compared. */
async function evaluateBaseline(
  ctx: RunContext,
  registry: ModelRegistry,
  baseline: Baseline,
  holdout: Dataset,
): Promise<BaselineEvaluation | { problem: string }> {
  const label = `v${baseline.version.version}`;
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-baseline-'));
  try {
    const pulled = await registry.pull(baseline.version.name, label, dir);
    const loaded = await loadOnnxSession(pulled.files.model, { name: `${ctx.config.model.name} ${label} model.onnx` });
    const { signature } = loaded.info;
    if (signature.task !== holdout.signature.task) {
      return {
        problem: `production ${label} is a ${signature.task} model; this run is ${holdout.signature.task}: not compared`,
      };
    }
    const columns = new Set(holdout.table.columns.map((c) => c.name));
    const missing = signature.features.filter((f) => !columns.has(f.name)).map((f) => f.name);
    if (missing.length > 0) {
      return {
        problem: `production ${label} needs column(s) ${missing.join(', ')} that this run does not use: not compared`,
      };
    }
    const predictions = await runOnnx(loaded.session, signature, holdout.table);
    await loaded.session.release();
    const report = evaluateModel({
      data: holdout,
      predictions,
      model: { signature, kind: loaded.info.modelKind === 'linear' ? 'linear' : 'gbdt' },
      slices: ctx.config.evaluation.slices,
    });
    return { version: label, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
