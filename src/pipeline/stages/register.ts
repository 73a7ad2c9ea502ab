/**
 * register executor: publish the blessed model with its card to the registry (atomically, idempotent per
 * run), then move the configured aliases to it. The card is built by src/card from the run folder's files.
 */
import { buildModelCard, modelCardSchema, renderCardMarkdown } from '../../card/index.ts';
import { ModelRejectedError, ParityError } from '../../errors.ts';
import { checkParity } from '../../export/index.ts';
import { readOnnxInfo } from '../../model/onnx.ts';
import { predict } from '../../model/predict.ts';
import type { AliasChange, ModelVersion } from '../../registry/index.ts';
import { readArtifact, readArtifactIfPresent, writeArtifact } from '../artifact-io.ts';
import { runRegistry } from '../baseline.ts';
import type { RunContext } from '../context.ts';
import { persistInferredSchema } from '../inferred-schema.ts';
import { readDataset, readSplit } from '../prepared.ts';
import type { StageOptions } from '../stage-table.ts';
import { exportRunModel } from './export.ts';

export interface RegisterOptions {
  /** Aliases to move to the new version (default: config registry.promote_on_register). */
  readonly aliases?: readonly string[];
}

export interface RegistrationOutcome {
  readonly version: ModelVersion;
  /** false when this run had already registered this version (a re-run). */
  readonly created: boolean;
  readonly aliases: readonly AliasChange[];
}

const STAGE = 'register';

export async function registerStage(ctx: RunContext, options: StageOptions = {}): Promise<RegistrationOutcome> {
  const { config, dir } = ctx;
  const blessing = await readArtifact(dir, 'blessing', STAGE);
  if (!blessing.blessed) {
    throw new ModelRejectedError(`the model of this run is not blessed: ${blessing.reasons.join('; ')}`);
  }
  const evaluation = await readArtifact(dir, 'evaluation', STAGE);
  const validation = await readArtifact(dir, 'validation', STAGE);
  const profile = await readArtifact(dir, 'profile', STAGE);
  const data = await readArtifact(dir, 'data', STAGE);
  const schema = await readArtifact(dir, 'schema', STAGE);
  const training = await readArtifact(dir, 'training', STAGE);
  const record = await readArtifact(dir, 'run', STAGE);
  const split = await readSplit(dir, STAGE);
  const model = await readArtifact(dir, 'model', STAGE);
  const holdout = await readDataset(dir, 'holdout', split.signature, STAGE);
  const baseline = await readArtifactIfPresent(dir, 'baseline-evaluation', STAGE);
  const reference = predict(model, holdout.table);

  const registry = runRegistry(ctx);
  const runKey =
    record.github && ctx.env.GITHUB_RUN_ID
      ? `github:${ctx.env.GITHUB_REPOSITORY}:${ctx.env.GITHUB_RUN_ID}`
      : `local:${record.id}:${record.created_at}`;
  const existing = await registry.list(config.model.name);

  const build = async (version: number) => {
    const onnx = exportRunModel(ctx, record, model, split.digest, `v${version}`);
    // The versioned file is re-exported: prove again that it is the model that was evaluated.
    const parity = await checkParity({
      model,
      onnx,
      table: holdout.table,
      tolerance: config.validation.model.parity_tolerance,
      reference,
    });
    if (!parity.ok)
      throw new ParityError(`parity failed on the versioned export v${version} (max |diff| ${parity.max_abs_diff})`);
    const info = readOnnxInfo(onnx, `model.onnx v${version}`);
    const parent = existing.filter((v) => v.version < version).pop();
    const { card, markdown } = buildModelCard({
      name: config.model.name,
      version,
      createdAt: new Date(),
      runKey,
      parentVersion: parent ? parent.version : null,
      conveyorVersion: record.conveyor_version,
      git: record.git,
      github: record.github,
      config,
      trainer: { params: model.params as Record<string, unknown>, summary: training.summary },
      data,
      split,
      schema,
      profile,
      holdoutPredictions: await readArtifact(dir, 'holdout-predictions', STAGE),
      validation,
      evaluation,
      baseline,
      blessing,
      parity,
      onnx: { bytes: onnx, inputs: info.inputs, outputs: info.outputs },
      stageDurationsMs: Object.fromEntries(
        Object.entries(record.stages).flatMap(([name, s]) =>
          s.duration_ms === undefined ? [] : [[name, s.duration_ms]],
        ),
      ),
    });
    return { model: onnx, card, cardMd: markdown };
  };

  const result = await registry.publish(config.model.name, build, {
    runKey,
    ...(record.git.commit ? { commit: record.git.commit } : {}),
  });
  const label = `v${result.version.version}`;
  ctx.log(
    result.created
      ? `  registered ${config.model.name} ${label} (${registry.backend} registry: ${result.version.location})`
      : `  ${config.model.name} ${label} was already registered by this run: nothing new published`,
  );
  const actor = ctx.env.GITHUB_ACTOR || ctx.env.USER || 'unknown';
  const aliases: AliasChange[] = [];
  for (const alias of options.register?.aliases ?? config.registry.promote_on_register) {
    const change = await registry.setAlias(config.model.name, alias, label, {
      actor,
      reason: `registered by run ${record.id}`,
    });
    if (change) {
      aliases.push(change);
      ctx.log(`  ${alias}: ${change.from === null ? '(none)' : `v${change.from}`} → ${label}`);
    }
  }
  const card = modelCardSchema.parse(result.version.card);
  await writeArtifact(dir, 'card', card, STAGE);
  await writeArtifact(dir, 'card-md', renderCardMarkdown(card), STAGE);
  await writeArtifact(
    dir,
    'registration',
    {
      name: config.model.name,
      version: result.version.version,
      created: result.created,
      location: result.version.location,
      backend: registry.backend,
      aliases,
    },
    STAGE,
  );
  await persistInferredSchema(ctx, STAGE);
  return { version: result.version, created: result.created, aliases };
}
