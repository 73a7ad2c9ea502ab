/**
 * Building the model card from what a run produced: a pure function (no files, no registry), so the register
 * stage only resolves its inputs and calls it, and a test can build a card from values in memory.
 */
import type { Config } from '../config/index.ts';
import type { EvaluationReport } from '../evaluate/types.ts';
import { sha256Hex } from '../lib/files.ts';
import type { ModelSignature } from '../model/types.ts';
import type { SplitSummary } from '../prepare/types.ts';
import type { DataProfile, DataSchema, ValidationReport } from '../validate/types.ts';
import type { Blessing } from '../validate-model/types.ts';
import { renderCardMarkdown } from './markdown.ts';
import { CARD_VERSION, type ModelCard, modelCardSchema } from './schema.ts';

/** Messages of data anomalies kept in the card (the full list stays in the run folder). */
export const CARD_ANOMALY_MESSAGES = 50;

export interface CardTensor {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface CardInputs {
  readonly name: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly runKey: string;
  readonly parentVersion: number | null;
  readonly conveyorVersion: string;
  readonly git: ModelCard['git'];
  readonly github: ModelCard['github'];
  /** The pipeline image the run ran in, or null. */
  readonly pipelineImage: string | null;
  readonly config: Config;
  readonly trainer: {
    readonly params: Readonly<Record<string, unknown>>;
    readonly summary: Readonly<Record<string, number | string>>;
  };
  readonly data: {
    readonly paths: readonly string[];
    readonly files: readonly { path: string; format: string; sha256: string; bytes: number; rows: number }[];
    readonly rows: number;
  };
  readonly split: {
    readonly signature: ModelSignature;
    readonly digest: string;
    readonly split: SplitSummary;
  };
  /** The schema the run's data was checked against (the run folder's snapshot). */
  readonly schema: DataSchema;
  readonly profile: DataProfile;
  /** Profile of the model's predictions on the holdout rows: the monitor's prediction-drift reference. */
  readonly holdoutPredictions?: DataProfile;
  readonly validation: ValidationReport;
  readonly evaluation: EvaluationReport;
  readonly baseline: { readonly version: string; readonly report: EvaluationReport } | null;
  readonly blessing: Blessing;
  readonly parity: {
    readonly ok: boolean;
    readonly rows: number;
    readonly tolerance: number;
    readonly max_abs_diff: number | null;
    readonly label_mismatches: number;
  };
  /** The ONNX file's inputs and outputs. */
  readonly onnx: {
    readonly bytes: Uint8Array;
    readonly inputs: readonly CardTensor[];
    readonly outputs: readonly CardTensor[];
  };
  /** sha256 of the unversioned export (see the card's model_digest). */
  readonly modelDigest: string;
  readonly stageDurationsMs: Readonly<Record<string, number>>;
  /** Bytes of golden.json (infra validation's golden requests), when the run's export wrote it. */
  readonly golden?: Uint8Array;
}

/** The card (checked against the card schema) and its Markdown rendering, whose digest the card lists. */
export function buildModelCard(inputs: CardInputs): { card: ModelCard; markdown: string } {
  const { split, data, validation, parity } = inputs;
  const tensor = (t: CardTensor) => ({ name: t.name, type: t.type, shape: [...t.shape] });
  const card: ModelCard = {
    card_version: CARD_VERSION,
    name: inputs.name,
    version: inputs.version,
    ...(inputs.config.model.description ? { description: inputs.config.model.description } : {}),
    created_at: inputs.createdAt.toISOString(),
    run_key: inputs.runKey,
    parent_version: inputs.parentVersion,
    conveyor_version: inputs.conveyorVersion,
    git: inputs.git,
    github: inputs.github,
    ...(inputs.pipelineImage ? { pipeline_image: inputs.pipelineImage } : {}),
    config: inputs.config,
    trainer: {
      algorithm: inputs.config.trainer.algorithm,
      params: { ...inputs.trainer.params },
      summary: { ...inputs.trainer.summary },
    },
    data: {
      paths: [...data.paths],
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
    schema: inputs.schema,
    training_profile: inputs.profile,
    ...(inputs.holdoutPredictions ? { holdout_predictions: inputs.holdoutPredictions } : {}),
    data_validation: {
      ok: validation.ok,
      errors: validation.errors,
      warnings: validation.warnings,
      messages: validation.anomalies.map((a) => a.message).slice(0, CARD_ANOMALY_MESSAGES),
    },
    evaluation: inputs.evaluation,
    baseline: inputs.baseline ? { version: inputs.baseline.version, metrics: inputs.baseline.report.metrics } : null,
    blessing: inputs.blessing,
    parity: {
      ok: parity.ok,
      rows: parity.rows,
      tolerance: parity.tolerance,
      max_abs_diff: parity.max_abs_diff ?? Number.POSITIVE_INFINITY,
      label_mismatches: parity.label_mismatches,
    },
    signature: {
      task: split.signature.task,
      target: split.signature.target,
      features: split.signature.features.map((f) => ({ name: f.name, type: f.type })),
      ...(split.signature.classes ? { classes: [...split.signature.classes] } : {}),
      inputs: inputs.onnx.inputs.map(tensor),
      outputs: inputs.onnx.outputs.map(tensor),
    },
    assets: {
      'model.onnx': { sha256: sha256Hex(inputs.onnx.bytes), bytes: inputs.onnx.bytes.byteLength },
      ...(inputs.golden
        ? { 'golden.json': { sha256: sha256Hex(inputs.golden), bytes: inputs.golden.byteLength } }
        : {}),
    },
    model_digest: inputs.modelDigest,
    stage_durations_ms: { ...inputs.stageDurationsMs },
  };
  const markdown = renderCardMarkdown(card);
  const mdBytes = new TextEncoder().encode(markdown);
  const full = modelCardSchema.parse({
    ...card,
    assets: { ...card.assets, 'card.md': { sha256: sha256Hex(mdBytes), bytes: mdBytes.byteLength } },
  });
  return { card: full, markdown };
}
