/**
 * register executor: publish the blessed model with its card to the registry (atomically, idempotent per
 * run), then move the configured aliases to it.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CARD_VERSION, type ModelCard, modelCardSchema, renderCardMarkdown } from '../../card/index.ts';
import { InputError, ModelRejectedError, ParityError } from '../../errors.ts';
import { evaluationReportSchema } from '../../evaluate/index.ts';
import { checkParity } from '../../export/index.ts';
import { readJson, sha256Hex, writeFileAtomic, writeJson } from '../../lib/files.ts';
import { readOnnxInfo } from '../../model/onnx.ts';
import { predict } from '../../model/predict.ts';
import { holdoutPredictionProfile } from '../../monitor/index.ts';
import { createRegistry } from '../../registry/index.ts';
import type { AliasChange, ModelVersion } from '../../registry/types.ts';
import { dataProfileSchema, readSchema, validationReportSchema } from '../../validate/index.ts';
import { blessingSchema } from '../../validate-model/index.ts';
import type { RunContext } from '../context.ts';
import { readRunModel } from '../model-file.ts';
import { readDataset, readSplit } from '../prepared.ts';
import { readRunRecord } from '../run-record.ts';
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

const baselineFileSchema = z.object({ version: z.string(), report: evaluationReportSchema });

const dataFileSchema = z.looseObject({
  paths: z.array(z.string()),
  files: z.array(
    z.looseObject({ path: z.string(), format: z.string(), sha256: z.string(), bytes: z.number(), rows: z.number() }),
  ),
  rows: z.number(),
});

export async function registerStage(ctx: RunContext, options: RegisterOptions = {}): Promise<RegistrationOutcome> {
  const { config, layout } = ctx;
  const blessing = read(blessingSchema, layout.blessingJson, 'blessing (run "conveyor validate-model" first)');
  if (!blessing.blessed) {
    throw new ModelRejectedError(`the model of this run is not blessed: ${blessing.reasons.join('; ')}`);
  }
  const evaluation = read(evaluationReportSchema, layout.evaluationJson, 'evaluation');
  const validation = read(validationReportSchema, layout.validationJson, 'data validation report');
  const profile = read(dataProfileSchema, layout.profileJson, 'data profile');
  const data = read(dataFileSchema, layout.dataJson, 'data summary');
  const record = readRunRecord(layout.runJson);
  const split = readSplit(layout);
  const model = readRunModel(layout);
  const holdout = readDataset(layout, 'holdout', split.signature);
  const reference = predict(model, holdout.table);
  const schema = readSchema(`${ctx.cwd}/${config.data.schema}`);
  const baseline = existsSync(layout.baselineEvaluationJson)
    ? read(baselineFileSchema, layout.baselineEvaluationJson, 'baseline evaluation')
    : null;

  const registry = createRegistry(config.registry, ctx.env, {
    cwd: ctx.cwd,
    onWarning: (m) => ctx.log(`  warning: ${m}`),
  });
  const runKey =
    record.github && ctx.env.GITHUB_RUN_ID
      ? `github:${ctx.env.GITHUB_REPOSITORY}:${ctx.env.GITHUB_RUN_ID}`
      : `local:${record.id}:${record.created_at}`;
  const existing = await registry.list(config.model.name);

  const build = async (version: number) => {
    const onnx = exportRunModel(ctx, model, split.digest, `v${version}`);
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
    const card: ModelCard = {
      card_version: CARD_VERSION,
      name: config.model.name,
      version,
      ...(config.model.description ? { description: config.model.description } : {}),
      created_at: new Date().toISOString(),
      run_key: runKey,
      parent_version: parent ? parent.version : null,
      conveyor_version: record.conveyor_version,
      git: record.git,
      github: record.github,
      config,
      trainer: {
        algorithm: config.trainer.algorithm,
        params: model.params as Record<string, unknown>,
        summary: readTrainSummary(layout.trainJson),
      },
      data: {
        paths: data.paths,
        files: data.files.map((f) => ({
          path: f.path,
          format: f.format,
          sha256: f.sha256,
          bytes: f.bytes,
          rows: f.rows,
        })),
        digest: split.digest,
        rows: {
          loaded: data.rows,
          train: split.split.train_rows,
          holdout: split.split.holdout_rows,
          dropped_missing_target: split.split.dropped_missing_target,
        },
        split: { ...split.split },
      },
      schema,
      training_profile: profile,
      holdout_predictions: holdoutPredictionProfile(split.signature, reference),
      data_validation: {
        ok: validation.ok,
        errors: validation.errors,
        warnings: validation.warnings,
        messages: validation.anomalies.map((a) => a.message).slice(0, 50),
      },
      evaluation,
      baseline: baseline ? { version: baseline.version, metrics: baseline.report.metrics } : null,
      blessing,
      parity: {
        ok: parity.ok,
        rows: parity.rows,
        tolerance: parity.tolerance,
        max_abs_diff: parity.max_abs_diff,
        label_mismatches: parity.label_mismatches,
      },
      signature: {
        task: split.signature.task,
        target: split.signature.target,
        features: split.signature.features.map((f) => ({ name: f.name, type: f.type })),
        ...(split.signature.classes ? { classes: [...split.signature.classes] } : {}),
        inputs: info.inputs.map((t) => ({ name: t.name, type: t.type, shape: [...t.shape] })),
        outputs: info.outputs.map((t) => ({ name: t.name, type: t.type, shape: [...t.shape] })),
      },
      assets: { 'model.onnx': { sha256: sha256Hex(onnx), bytes: onnx.byteLength } },
      stage_durations_ms: Object.fromEntries(
        Object.entries(record.stages).flatMap(([name, s]) =>
          s.duration_ms === undefined ? [] : [[name, s.duration_ms]],
        ),
      ),
    };
    const cardMd = renderCardMarkdown(card);
    const mdBytes = new TextEncoder().encode(cardMd);
    const full = modelCardSchema.parse({
      ...card,
      assets: { ...card.assets, 'card.md': { sha256: sha256Hex(mdBytes), bytes: mdBytes.byteLength } },
    });
    return { model: onnx, card: full, cardMd };
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
  for (const alias of options.aliases ?? config.registry.promote_on_register) {
    const change = await registry.setAlias(config.model.name, alias, label, {
      actor,
      reason: `registered by run ${record.id}`,
    });
    if (change) {
      aliases.push(change);
      ctx.log(`  ${alias}: ${change.from === null ? '(none)' : `v${change.from}`} → ${label}`);
    }
  }
  const card = result.version.card;
  writeJson(layout.cardJson, card);
  const pulledMd = renderCardMarkdown(modelCardSchema.parse(card));
  writeFileAtomic(layout.cardMd, pulledMd);
  writeJson(layout.registrationJson, {
    name: config.model.name,
    version: result.version.version,
    created: result.created,
    location: result.version.location,
    backend: registry.backend,
    aliases,
  });
  return { version: result.version, created: result.created, aliases };
}

function read<T>(schema: z.ZodType<T>, path: string, what: string): T {
  const parsed = schema.safeParse(readJson(path, what));
  if (!parsed.success)
    throw new InputError(
      `${path}: invalid ${what} (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

function readTrainSummary(path: string): Record<string, number | string> {
  const parsed = read(
    z.looseObject({ summary: z.record(z.string(), z.union([z.number(), z.string()])) }),
    path,
    'training summary',
  );
  return parsed.summary;
}
