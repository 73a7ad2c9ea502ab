/**
 * register executor: publish the blessed model with its card to the registry (atomically, idempotent per
 * run), then move the configured aliases to it. The card is built by src/card from the run folder's files.
 */
import { isDeepStrictEqual } from 'node:util';
import { buildModelCard, modelCardSchema, parseModelCard, renderCardMarkdown } from '../../card/index.ts';
import type { Config } from '../../config/index.ts';
import { ModelRejectedError, ParityError } from '../../errors.ts';
import { checkParity } from '../../export/index.ts';
import { serializeGoldenSet } from '../../golden/index.ts';
import { historyActor } from '../../lib/actor.ts';
import { sha256Hex } from '../../lib/files.ts';
import { readOnnxInfo } from '../../model/onnx.ts';
import { predict } from '../../model/predict.ts';
import { type AliasChange, AliasMovedError, type ModelVersion, versionLabel } from '../../registry/index.ts';
import { readArtifact, readArtifactIfPresent, writeArtifact } from '../artifact-io.ts';
import { findBaseline, runRegistry } from '../baseline.ts';
import type { RunContext } from '../context.ts';
import { persistInferredSchema } from '../inferred-schema.ts';
import { readDataset, readSplit } from '../prepared.ts';
import { PRODUCTION_ALIAS } from '../production.ts';
import type { StageOptions } from '../stage-table.ts';
import { exportRunModel } from './export.ts';

export interface RegisterOptions {
  /** Aliases to move to the new version (default: config registry.promote_on_register). */
  readonly aliases?: readonly string[];
}

export interface RegistrationOutcome {
  /** The new version; when `unchanged`, the production version this run is identical to. */
  readonly version: ModelVersion;
  /** false when nothing was published: a re-run of a run that registered already, or `unchanged`. */
  readonly created: boolean;
  /** The model is the production model (same data digest, config and code): nothing was registered. */
  readonly unchanged: boolean;
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
  const goldenSet = await readArtifactIfPresent(dir, 'golden', STAGE);
  const golden = goldenSet ? serializeGoldenSet(goldenSet) : undefined;
  const reference = predict(model, holdout.table);

  const registry = runRegistry(ctx);
  const runKey =
    record.github && ctx.env.GITHUB_RUN_ID
      ? `github:${ctx.env.GITHUB_REPOSITORY}:${ctx.env.GITHUB_RUN_ID}`
      : `local:${record.id}:${record.created_at}`;
  const existing = await registry.list(config.model.name);
  const exported = await readArtifact(dir, 'onnx', STAGE);
  const modelDigest = sha256Hex(exported);

  // Compare-and-swap, step 1: the blessing must have been decided against what production is now.
  const current = await findBaseline(registry, config.model.name);
  const reRun = current?.version.card.run_key === runKey;
  if (current && !reRun && isUnchanged(current.version, current.chosenAs, modelDigest, config)) {
    return recordUnchanged(ctx, registry.backend, current.version);
  }
  const currentLabel = current ? versionLabel(current.version.version) : null;
  if (!reRun && currentLabel !== blessing.baseline_version) {
    throw new ModelRejectedError(staleBlessing(blessing.baseline_version, currentLabel, current?.chosenAs, dir));
  }
  // Step 2, inside the registry's atomic alias update: production must still be where step 1 saw it.
  const expectedProduction = current?.chosenAs === 'production' ? current.version.version : null;

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
      pipelineImage: record.pipeline_image ?? null,
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
      ...(golden ? { golden } : {}),
      modelDigest,
      stageDurationsMs: Object.fromEntries(
        Object.entries(record.stages).flatMap(([name, s]) =>
          s.duration_ms === undefined ? [] : [[name, s.duration_ms]],
        ),
      ),
    });
    return { model: onnx, card, cardMd: markdown, ...(golden ? { golden } : {}) };
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
  const actor = historyActor(ctx.env, ctx.cwd);
  const aliases: AliasChange[] = [];
  for (const alias of options.register?.aliases ?? config.registry.promote_on_register) {
    const change = await registry
      .setAlias(config.model.name, alias, label, {
        actor,
        reason: `registered by run ${record.id}`,
        ...(alias === PRODUCTION_ALIAS && !reRun ? { expect: expectedProduction } : {}),
      })
      .catch((error: unknown) => {
        if (!(error instanceof AliasMovedError)) throw error;
        throw new ModelRejectedError(
          `${config.model.name} ${label} was registered but not made ${alias}: ${staleBlessing(
            blessing.baseline_version,
            error.current === null ? null : versionLabel(error.current),
            'production',
            dir,
          )}`,
          { cause: error },
        );
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
      unchanged: false,
      aliases,
    },
    STAGE,
  );
  await persistInferredSchema(ctx, STAGE);
  return { version: result.version, created: result.created, unchanged: false, aliases };
}

/**
 * The candidate is the production model again: same unversioned export bytes (which hold the data digest, the
 * commit and the model) and the same config apart from where runs and models are kept.
 */
function isUnchanged(
  production: ModelVersion,
  chosenAs: 'production' | 'latest',
  modelDigest: string,
  config: Config,
): boolean {
  if (chosenAs !== 'production' || production.card.model_digest !== modelDigest) return false;
  const card = parseModelCard(production.card, `${production.name} v${production.version} card.json`);
  // Compared as JSON data: column-keyed maps (data.features) are null-prototype objects in memory, plain in the card.
  const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));
  return isDeepStrictEqual(asJson(modelDefiningConfig(card.config)), asJson(modelDefiningConfig(config)));
}

function modelDefiningConfig(config: Config): Omit<Config, 'registry' | 'runs_dir'> {
  const { registry: _registry, runs_dir: _runsDir, ...rest } = config;
  return rest;
}

/** Nothing is published and no alias moves; the run folder records production's card and `unchanged`. */
async function recordUnchanged(
  ctx: RunContext,
  backend: 'local' | 'github',
  production: ModelVersion,
): Promise<RegistrationOutcome> {
  const label = versionLabel(production.version);
  ctx.log(
    `  unchanged: the model is identical to production ${ctx.config.model.name} ${label} (same data digest, config and code); nothing registered`,
  );
  const card = modelCardSchema.parse(production.card);
  await writeArtifact(ctx.dir, 'card', card, STAGE);
  await writeArtifact(ctx.dir, 'card-md', renderCardMarkdown(card), STAGE);
  await writeArtifact(
    ctx.dir,
    'registration',
    {
      name: production.name,
      version: production.version,
      created: false,
      location: production.location,
      backend,
      unchanged: true,
      aliases: [],
    },
    STAGE,
  );
  await persistInferredSchema(ctx, STAGE);
  return { version: production, created: false, unchanged: true, aliases: [] };
}

function staleBlessing(
  blessedAgainst: string | null,
  now: string | null,
  chosenAs: 'production' | 'latest' | undefined,
  runDir: string,
): string {
  const against = blessedAgainst === null ? 'no model (it was the first)' : blessedAgainst;
  const target =
    now === null
      ? 'no model is production'
      : `${chosenAs === 'latest' ? 'the latest version' : 'production'} is ${now}`;
  return (
    `the blessing compared this model with ${against}, but ${target} now (registered by another run since); ` +
    `validate it again with "conveyor validate-model --run ${runDir}", then register`
  );
}
