/**
 * The model lifecycle, after KServe's Model: `load()` opens the ONNX file, checks it against its
 * signature and card, runs it once, and only then is the model `ready`; `preprocess` (request → rows),
 * `predict` (rows → outputs, one onnxruntime session run) and `postprocess` (outputs → response) are the
 * three timed steps of a request.
 */

import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import ort from 'onnxruntime-node';
import { describeError } from '../errors.ts';
import { loadOnnxSession, type OnnxInfo, sha256Hex } from '../model/onnx.ts';
import { type ModelSignature, ONNX_OUTPUTS } from '../model/types.ts';
import { MODEL_FILE, parseCard, type RegistryCard, verifyAsset } from '../registry/card.ts';
import { versionLabel } from '../registry/refs.ts';
import {
  type DecodedInferRequest,
  decodeInferRequest,
  decodeRecords,
  encodeInferResponse,
  encodePredictions,
  type ModelOutputs,
  outputNames,
  type Prediction,
  type RowBlock,
} from './codec.ts';
import { ModelLoadError } from './errors.ts';
import { SessionThread } from './session-thread.ts';
import { countUnseen, readVocabularies, type Vocabularies } from './vocabulary.ts';

/** Files of one model version. */
export interface ModelFiles {
  readonly onnx: string;
  readonly card?: string;
}

/** OIP model metadata (GET /v2/models/{name}). */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: 'onnxruntime_onnx';
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  /** Conveyor's additions: task, target, classes, lineage. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  /** -1 for the batch dimension. */
  readonly shape: readonly number[];
}

const DATATYPES: Readonly<Record<string, string>> = {
  float: 'FP32',
  double: 'FP64',
  string: 'BYTES',
  int64: 'INT64',
  int32: 'INT32',
  bool: 'BOOL',
};

export interface ServedModelOptions {
  readonly intraOpNumThreads?: number;
  /** Run the session in a worker thread (default false: on the calling thread). */
  readonly sessionThread?: boolean;
}

export class ServedModel {
  private loaded = true;
  /** When set, runs go to this worker thread and `session` is released. */
  private thread: SessionThread | undefined;

  readonly name: string;
  readonly version: string;
  /** sha256 (hex) of model.onnx. */
  readonly sha256: string;
  readonly info: OnnxInfo;
  private session: ort.InferenceSession | undefined;
  /** Where the model was loaded from (for logs). */
  readonly source: string;
  /** Known categories per feature index (from the graph), to count unseen ones. */
  private readonly vocabularies: Vocabularies;
  /** The card served beside the model, when there is one (the live monitor reads its profiles). */
  readonly card: RegistryCard | undefined;

  private constructor(
    name: string,
    version: string,
    sha256: string,
    info: OnnxInfo,
    session: ort.InferenceSession | undefined,
    source: string,
    vocabularies: Vocabularies,
    card?: RegistryCard,
  ) {
    this.name = name;
    this.version = version;
    this.sha256 = sha256;
    this.info = info;
    this.session = session;
    this.source = source;
    this.vocabularies = vocabularies;
    this.card = card;
  }

  /**
   * Opens `files.onnx`, checks that the graph matches the signature it records (src/model/onnx.ts), that
   * the card (when given) describes this file, and that one run on a row of missing values returns
   * outputs of the right shape. Throws ModelLoadError with the reason; nothing is kept on failure.
   */
  static async load(files: ModelFiles, options: ServedModelOptions = {}): Promise<ServedModel> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(files.onnx));
    } catch (error) {
      throw new ModelLoadError(
        `${files.onnx}: cannot read the model (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    const sha256 = sha256Hex(bytes);
    let loaded: Awaited<ReturnType<typeof loadOnnxSession>>;
    try {
      loaded = await loadOnnxSession(bytes, {
        name: files.onnx,
        spinning: false,
        ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
      });
    } catch (error) {
      throw new ModelLoadError(describeError(error), { cause: error });
    }
    const { session, info } = loaded;
    try {
      const card = files.card === undefined ? undefined : readCard(files.card);
      const { name, version } = identify(info, bytes, files, card);
      const vocabularies = readVocabularies(bytes, info.signature);
      const model = new ServedModel(name, version, sha256, info, session, files.onnx, vocabularies, card);
      await model.warmUp();
      if (options.sessionThread) {
        model.thread = await SessionThread.start({
          model: bytes,
          inputs: info.signature.features.map((f) => ({
            name: f.name,
            type: f.type === 'numeric' ? ('float32' as const) : ('string' as const),
          })),
          outputs: outputNames(info.signature),
          ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
        });
        model.session = undefined;
        await session.release();
        // The same test row through the thread: its session answers as the checked one did.
        await model.warmUp().catch(async (error: unknown) => {
          await model.release();
          throw error;
        });
      }
      return model;
    } catch (error) {
      await session.release().catch(() => {});
      if (error instanceof ModelLoadError) throw error;
      throw new ModelLoadError(`${files.onnx}: ${describeError(error)}`, { cause: error });
    }
  }

  get signature(): ModelSignature {
    return this.info.signature;
  }

  /** True from a successful load until release, while its worker thread (if any) is alive. */
  get ready(): boolean {
    return this.loaded && (this.thread?.healthy ?? true);
  }

  get classCount(): number {
    return this.signature.classes?.length ?? 0;
  }

  /** An OIP infer request body → validated rows and the outputs asked for (throws InvalidRequestError). */
  preprocessInfer(body: unknown, maxRows?: number): DecodedInferRequest {
    return decodeInferRequest(body, this.signature, maxRows);
  }

  /** `/predict` records → validated rows (throws InvalidRequestError). */
  preprocessRecords(body: unknown, maxRows?: number): RowBlock {
    return decodeRecords(body, this.signature, maxRows);
  }

  /** Per feature index, the block's non-missing categories the model does not know; undefined when none. */
  unseenCategories(block: RowBlock): number[] | undefined {
    return countUnseen(block, this.vocabularies);
  }

  /** One session run over the block's rows (on the worker thread when there is one). */
  async predict(block: RowBlock): Promise<ModelOutputs> {
    if (this.thread) {
      const out = await this.thread.run(block.rows, block.columns);
      if (this.signature.task === 'regression')
        return { rows: block.rows, value: out[ONNX_OUTPUTS.value] as Float64Array };
      return {
        rows: block.rows,
        label: out[ONNX_OUTPUTS.label] as string[],
        probabilities: out[ONNX_OUTPUTS.probabilities] as Float32Array,
      };
    }
    const session = this.session!;
    // Null prototype: a column may be named "__proto__".
    const feeds: Record<string, ort.Tensor> = Object.create(null);
    this.signature.features.forEach((feature, j) => {
      const column = block.columns[j]!;
      feeds[feature.name] =
        column instanceof Float32Array
          ? new ort.Tensor('float32', column, [block.rows, 1])
          : new ort.Tensor('string', column, [block.rows, 1]);
    });
    const out = await session.run(feeds);
    if (this.signature.task === 'regression') {
      return { rows: block.rows, value: out[ONNX_OUTPUTS.value]!.data as Float64Array };
    }
    return {
      rows: block.rows,
      label: out[ONNX_OUTPUTS.label]!.data as string[],
      probabilities: out[ONNX_OUTPUTS.probabilities]!.data as Float32Array,
    };
  }

  /** Outputs → the OIP infer response as JSON text, with the outputs named (in that order) and the request's id. */
  postprocessInfer(outputs: ModelOutputs, names: readonly string[], id: string): string {
    return encodeInferResponse(
      { modelName: this.name, modelVersion: this.version, id },
      outputs,
      names,
      this.classCount,
    );
  }

  /** Outputs → one `{label, probabilities}` or `{value}` per row. */
  postprocessRecords(outputs: ModelOutputs): Prediction[] {
    return encodePredictions(outputs, this.signature);
  }

  /** OIP model metadata: inputs and outputs with -1 for the batch dimension. */
  metadata(): ModelMetadata {
    const tensor = (t: OnnxInfo['inputs'][number]): TensorMetadata => ({
      name: t.name,
      datatype: DATATYPES[t.type] ?? t.type.toUpperCase(),
      shape: t.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)),
    });
    const byName = new Map(this.info.inputs.map((t) => [t.name, t]));
    const outputs = new Map(this.info.outputs.map((t) => [t.name, t]));
    const signature = this.signature;
    return {
      name: this.name,
      versions: [this.version],
      platform: 'onnxruntime_onnx',
      // Feature order, which is the signature's (the graph lists inputs in the same order).
      inputs: signature.features.map((f) => tensor(byName.get(f.name)!)),
      outputs: outputNames(signature).map((n) => tensor(outputs.get(n)!)),
      parameters: {
        task: signature.task,
        target: signature.target,
        ...(signature.classes ? { classes: signature.classes } : {}),
        model_kind: this.info.modelKind,
        sha256: this.sha256,
        data_digest: this.info.metadata.dataDigest,
        code_commit: this.info.metadata.codeCommit,
        conveyor_version: this.info.metadata.conveyorVersion,
      },
    };
  }

  /** Frees the onnxruntime session; the model is not ready afterwards. */
  async release(): Promise<void> {
    if (!this.loaded) return;
    this.loaded = false;
    await this.session?.release();
    await this.thread?.release();
  }

  /** One row of missing values through the graph: proves it runs and answers in the signature's shape. */
  private async warmUp(): Promise<void> {
    const columns = this.signature.features.map((f) => (f.type === 'numeric' ? Float32Array.of(Number.NaN) : ['']));
    let outputs: ModelOutputs;
    try {
      outputs = await this.predict({ rows: 1, columns, sent: [] });
    } catch (error) {
      throw new ModelLoadError(
        `${this.source}: the model fails a run on one row of missing values: ${describeError(error)}`,
      );
    }
    const classes = this.signature.classes ?? [];
    const ok =
      this.signature.task === 'regression'
        ? outputs.value?.length === 1
        : outputs.label?.length === 1 &&
          classes.includes(outputs.label[0]!) &&
          outputs.probabilities?.length === classes.length;
    if (!ok) {
      throw new ModelLoadError(`${this.source}: the model's outputs do not match its signature on a test row`);
    }
  }
}

function readCard(path: string): RegistryCard {
  try {
    return parseCard(readFileSync(path, 'utf8'), path);
  } catch (error) {
    throw new ModelLoadError(`${path}: cannot use the model card: ${describeError(error)}`, { cause: error });
  }
}

/** `3` for "3" or "v3"; undefined for anything else ("unregistered", ""). */
export function versionNumber(version: string): number | undefined {
  const match = /^v?([1-9][0-9]*)$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/**
 * Name and version served: the card's when there is one (it must agree with the ONNX metadata and hold
 * model.onnx's digest), else the ONNX metadata's, else the folder name and "1".
 */
function identify(
  info: OnnxInfo,
  bytes: Uint8Array,
  files: ModelFiles,
  card: RegistryCard | undefined,
): { name: string; version: string } {
  const fromFile = { name: info.metadata.modelName, version: info.metadata.modelVersion };
  if (!card) {
    return {
      name: fromFile.name || basename(dirname(resolve(files.onnx))) || 'model',
      version: fromFile.version || '1',
    };
  }
  const where = files.card!;
  if (fromFile.name && fromFile.name !== card.name) {
    throw new ModelLoadError(`${where}: the card is for model "${card.name}" but model.onnx is "${fromFile.name}"`);
  }
  const fileVersion = versionNumber(fromFile.version);
  if (fileVersion !== undefined && fileVersion !== card.version) {
    throw new ModelLoadError(
      `${where}: the card is for version ${versionLabel(card.version)} but model.onnx says ${fromFile.version}`,
    );
  }
  try {
    verifyAsset(MODEL_FILE, bytes, card, where);
  } catch (error) {
    throw new ModelLoadError(`${describeError(error)}: model.onnx does not belong to this card`, { cause: error });
  }
  return { name: card.name, version: versionLabel(card.version) };
}
