/**
 * Reading and running Conveyor's ONNX files with onnxruntime-node: the file's metadata (signature and
 * lineage), a session, table → input tensors, and outputs → Predictions.
 *
 * Graph contract (written by src/export): one input per feature named by the feature — numeric as
 * float [N,1], categorical as string [N,1] — and the outputs named in ONNX_OUTPUTS.
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import type { Table } from '../data/types.ts';
import { InputError } from '../errors.ts';
import { columnRecord } from '../lib/column-keys.ts';
import { findColumn } from './inputs.ts';
import { signatureSchema } from './serialize.ts';
import { type ModelSignature, ONNX_OUTPUTS, type Predictions } from './types.ts';

const { onnx } = onnxProto;

/** metadata_props keys of a Conveyor ONNX file. */
export const ONNX_METADATA_KEYS = {
  modelName: 'conveyor.model_name',
  modelVersion: 'conveyor.model_version',
  dataDigest: 'conveyor.data_digest',
  codeCommit: 'conveyor.code_commit',
  conveyorVersion: 'conveyor.version',
  /** JSON of the ModelSignature: feature kinds and classes, recoverable from the file alone. */
  signature: 'conveyor.signature',
  /** 'gbdt' | 'linear'. */
  modelKind: 'conveyor.model_kind',
  /**
   * The seal: sha256 (hex) of every byte of the file before this entry, which is the file's last field.
   * Any damaged or edited byte is caught at load, before a model that computes something else is served.
   */
  sha256: 'conveyor.sha256',
} as const;

/** Field number of `metadata_props` in ModelProto (onnx.proto). */
const MODEL_METADATA_FIELD = 14;

export interface OnnxTensorInfo {
  readonly name: string;
  /** ONNX element type in lower case: 'float', 'double', 'string', 'int64', ... */
  readonly type: string;
  /** Dimensions; a string is a symbolic dimension (the batch size 'N'). */
  readonly shape: readonly (number | string)[];
}

/** Lineage written into the ONNX file's metadata_props (keys in ONNX_METADATA_KEYS). */
export interface OnnxMetadata {
  readonly modelName: string;
  readonly modelVersion: string;
  /** Digest of the training data (as recorded by the pipeline). */
  readonly dataDigest: string;
  /** Commit of the code that trained the model. */
  readonly codeCommit: string;
  /** Conveyor's version; the exporter defaults it to the running package's version. */
  readonly conveyorVersion?: string;
}

export interface OnnxInfo {
  readonly signature: ModelSignature;
  /** 'gbdt' | 'linear' */
  readonly modelKind: string;
  readonly metadata: Required<OnnxMetadata>;
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

export interface LoadedOnnx {
  readonly session: ort.InferenceSession;
  readonly info: OnnxInfo;
  /** File path, or the name given for in-memory bytes. */
  readonly source: string;
}

import { sha256Hex } from '../lib/files.ts';

export { sha256Hex };

/**
 * Parses a Conveyor ONNX file's protobuf: signature, lineage metadata, graph inputs and outputs.
 * Throws InputError (naming `source`) when the bytes are not ONNX, the file is valid ONNX without
 * Conveyor's metadata, or its content does not match its seal (corrupted, truncated or edited).
 */
export function readOnnxInfo(bytes: Uint8Array, source = 'ONNX model'): OnnxInfo {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new InputError(`${source}: not a readable ONNX file (${(error as Error).message}); is it truncated?`);
  }
  if (!model.graph) throw new InputError(`${source}: not a readable ONNX file (it has no graph)`);
  const props = new Map(model.metadataProps.map((p) => [p.key, p.value]));
  const signatureJson = props.get(ONNX_METADATA_KEYS.signature);
  if (signatureJson === undefined || signatureJson === null) {
    throw new InputError(
      `${source}: valid ONNX but not a Conveyor model (no "${ONNX_METADATA_KEYS.signature}" in metadata_props)`,
    );
  }
  checkSeal(bytes, source);
  let signature: ModelSignature;
  try {
    signature = signatureSchema.parse(JSON.parse(signatureJson));
  } catch (error) {
    throw new InputError(
      `${source}: metadata "${ONNX_METADATA_KEYS.signature}" is not a valid model signature: ${error}`,
    );
  }
  const text = (key: string): string => props.get(key) ?? '';
  return {
    signature,
    modelKind: text(ONNX_METADATA_KEYS.modelKind),
    metadata: {
      modelName: text(ONNX_METADATA_KEYS.modelName),
      modelVersion: text(ONNX_METADATA_KEYS.modelVersion),
      dataDigest: text(ONNX_METADATA_KEYS.dataDigest),
      codeCommit: text(ONNX_METADATA_KEYS.codeCommit),
      conveyorVersion: text(ONNX_METADATA_KEYS.conveyorVersion),
    },
    inputs: (model.graph.input ?? []).map(tensorInfo),
    outputs: (model.graph.output ?? []).map(tensorInfo),
  };
}

function tensorInfo(value: onnxProto.onnx.IValueInfoProto): OnnxTensorInfo {
  const tensorType = value.type?.tensorType;
  const elemType = tensorType?.elemType ?? 0;
  const typeName = onnx.TensorProto.DataType[elemType] ?? `type ${elemType}`;
  const shape = (tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  return { name: value.name ?? '', type: typeName.toLowerCase(), shape };
}

/**
 * Appends the seal (ONNX_METADATA_KEYS.sha256) to an encoded ModelProto: one more metadata_props entry,
 * which protobuf appends to the repeated field when the bytes are concatenated.
 */
export function sealOnnx(model: Uint8Array): Uint8Array {
  const entry = onnx.ModelProto.encode({
    metadataProps: [{ key: ONNX_METADATA_KEYS.sha256, value: sha256Hex(model) }],
  }).finish();
  const sealed = new Uint8Array(model.length + entry.length);
  sealed.set(model);
  sealed.set(entry, model.length);
  return sealed;
}

function checkSeal(bytes: Uint8Array, source: string): void {
  const last = lastTopLevelField(bytes);
  let entry: onnxProto.onnx.StringStringEntryProto | undefined;
  if (last?.field === MODEL_METADATA_FIELD) {
    try {
      entry = onnx.StringStringEntryProto.decode(last.payload);
    } catch {
      entry = undefined;
    }
  }
  if (entry?.key !== ONNX_METADATA_KEYS.sha256) {
    throw new InputError(
      `${source}: the file does not end with its "${ONNX_METADATA_KEYS.sha256}" seal: it is truncated, damaged or was rewritten by another tool`,
    );
  }
  if (sha256Hex(bytes.subarray(0, last!.start)) !== entry.value) {
    throw new InputError(
      `${source}: the content does not match its "${ONNX_METADATA_KEYS.sha256}" seal: the file is corrupted or was modified after export`,
    );
  }
}

/** Start offset, number and payload of the last top-level field, read from the protobuf wire format. */
function lastTopLevelField(bytes: Uint8Array): { start: number; field: number; payload: Uint8Array } | undefined {
  let pos = 0;
  let last: { start: number; field: number; payload: Uint8Array } | undefined;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  };
  try {
    while (pos < bytes.length) {
      const start = pos;
      const key = varint();
      const wireType = key % 8;
      const field = Math.floor(key / 8);
      let payloadStart = pos;
      if (wireType === 0) varint();
      else if (wireType === 1) pos += 8;
      else if (wireType === 5) pos += 4;
      else if (wireType === 2) {
        const length = varint();
        payloadStart = pos;
        pos += length;
      } else return undefined;
      if (pos > bytes.length) return undefined;
      last = { start, field, payload: bytes.subarray(payloadStart, pos) };
    }
  } catch {
    return undefined;
  }
  return last;
}

/** Expected graph input/output element types for a signature. */
function expectedTensors(signature: ModelSignature): { inputs: Map<string, string>; outputs: Map<string, string> } {
  const inputs = new Map(signature.features.map((f) => [f.name, f.type === 'numeric' ? 'float' : 'string']));
  const outputs =
    signature.task === 'classification'
      ? new Map([
          [ONNX_OUTPUTS.label, 'string'],
          [ONNX_OUTPUTS.probabilities, 'float'],
        ])
      : new Map([[ONNX_OUTPUTS.value, 'double']]);
  return { inputs, outputs };
}

function checkContract(info: OnnxInfo, source: string): void {
  const expected = expectedTensors(info.signature);
  for (const [kind, actual, wanted] of [
    ['input', info.inputs, expected.inputs],
    ['output', info.outputs, expected.outputs],
  ] as const) {
    const got = new Map(actual.map((t) => [t.name, t.type]));
    for (const [name, type] of wanted) {
      if (got.get(name) !== type) {
        throw new InputError(
          `${source}: not a Conveyor model: graph ${kind} "${name}" should be ${type}, found ${got.get(name) ?? 'none'}`,
        );
      }
    }
    if (got.size !== wanted.size) {
      const extra = [...got.keys()].filter((n) => !wanted.has(n));
      throw new InputError(`${source}: not a Conveyor model: unexpected graph ${kind}s ${JSON.stringify(extra)}`);
    }
  }
}

export interface OnnxSessionOptions {
  /** Name used in error messages for in-memory bytes (default "ONNX model"). */
  readonly name?: string;
  /** Threads per run; onnxruntime's default (all cores) when unset. */
  readonly intraOpNumThreads?: number;
  /**
   * Whether onnxruntime's pool threads spin waiting for the next run (default true, onnxruntime's own).
   * A server turns it off: between runs a spinning thread takes a core from the HTTP loop.
   */
  readonly spinning?: boolean;
}

/** onnxruntime's session config entry for `spinning` (onnxruntime_session_options_config_keys.h). */
export function spinningConfig(spinning: boolean | undefined): { extra?: Record<string, string> } {
  return spinning === false ? { extra: { 'session.intra_op.allow_spinning': '0' } } : {};
}

/**
 * Opens a Conveyor ONNX model (file path or bytes) in onnxruntime-node. Throws InputError naming the file
 * when it cannot be read, is corrupted or truncated, or is not a Conveyor model.
 */
export async function loadOnnxSession(
  model: Uint8Array | string,
  options: OnnxSessionOptions = {},
): Promise<LoadedOnnx> {
  const source = typeof model === 'string' ? model : (options.name ?? 'ONNX model');
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    try {
      bytes = new Uint8Array(await readFile(model));
    } catch (error) {
      throw new InputError(`${source}: cannot read the ONNX file (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  } else {
    bytes = model;
  }
  const info = readOnnxInfo(bytes, source);
  checkContract(info, source);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 3,
      ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
      ...spinningConfig(options.spinning),
    });
  } catch (error) {
    throw new InputError(`${source}: onnxruntime cannot load the model: ${(error as Error).message}`);
  }
  return { session, info, source };
}

/**
 * Input tensors for rows [start, end) of `table`: numeric features as float32 [n,1] (NaN when missing),
 * categorical features as strings [n,1] with "" for a missing value. "" is never a category: the data
 * loader reads an empty cell as missing, and the exporter refuses a category list containing "".
 */
export function tableToFeeds(
  signature: ModelSignature,
  table: Table,
  start = 0,
  end = table.rowCount,
): Record<string, ort.Tensor> {
  const n = end - start;
  const feeds = columnRecord<ort.Tensor>();
  for (const feature of signature.features) {
    const column = findColumn(table, feature.name);
    if (feature.type === 'numeric') {
      if (column.type !== 'numeric') {
        throw new InputError(`input column "${feature.name}" must be numeric, got ${column.type}`);
      }
      // Float32Array rounds to nearest like Math.fround, which is what the TypeScript models use.
      feeds[feature.name] = new ort.Tensor('float32', Float32Array.from(column.values.subarray(start, end)), [n, 1]);
    } else {
      if (column.type !== 'categorical') {
        throw new InputError(`input column "${feature.name}" must be categorical (strings), got ${column.type}`);
      }
      const strings = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const code = column.codes[start + i]!;
        strings[i] = code < 0 ? '' : column.categories[code]!;
      }
      feeds[feature.name] = new ort.Tensor('string', strings, [n, 1]);
    }
  }
  return feeds;
}

export interface RunOnnxOptions {
  /** Rows per session run (default 8192): bounds memory of [rows, trees] intermediates of big ensembles. */
  readonly batchRows?: number;
}

/**
 * Runs the model on every row of `table` (in batches) and returns Predictions: classification labels
 * mapped back to indices into signature.classes and probabilities widened to float64; regression values.
 */
export async function runOnnx(
  session: ort.InferenceSession,
  signature: ModelSignature,
  table: Table,
  options: RunOnnxOptions = {},
): Promise<Predictions> {
  const batchRows = Math.max(1, Math.floor(options.batchRows ?? 8192));
  const rowCount = table.rowCount;
  if (signature.task === 'regression') {
    const values = new Float64Array(rowCount);
    for (let start = 0; start < rowCount; start += batchRows) {
      const end = Math.min(rowCount, start + batchRows);
      const out = await session.run(tableToFeeds(signature, table, start, end), [ONNX_OUTPUTS.value]);
      values.set(numbers(out[ONNX_OUTPUTS.value]!, end - start), start);
    }
    return { rowCount, values };
  }
  const classes = signature.classes ?? [];
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const probabilities = new Float64Array(rowCount * classes.length);
  const labelIndex = new Int32Array(rowCount);
  for (let start = 0; start < rowCount; start += batchRows) {
    const end = Math.min(rowCount, start + batchRows);
    const out = await session.run(tableToFeeds(signature, table, start, end), [
      ONNX_OUTPUTS.label,
      ONNX_OUTPUTS.probabilities,
    ]);
    probabilities.set(
      numbers(out[ONNX_OUTPUTS.probabilities]!, (end - start) * classes.length),
      start * classes.length,
    );
    const labels = out[ONNX_OUTPUTS.label]!.data;
    for (let i = 0; i < end - start; i++) {
      const label = labels[i];
      // Our graphs emit string labels; an int64 label (BigInt) is already an index.
      const index = typeof label === 'bigint' ? Number(label) : classIndex.get(String(label));
      if (index === undefined || index < 0 || index >= classes.length) {
        throw new InputError(`ONNX model returned label ${JSON.stringify(String(label))}, not one of its classes`);
      }
      labelIndex[start + i] = index;
    }
  }
  return { rowCount, probabilities, labelIndex };
}

/** A numeric output tensor as float64 (int64 via Number), checking its size. */
function numbers(tensor: ort.Tensor, expected: number): Float64Array {
  const data = tensor.data;
  if (data.length !== expected) throw new InputError(`ONNX output has ${data.length} values, expected ${expected}`);
  if (data instanceof BigInt64Array) return Float64Array.from(data, (v) => Number(v));
  if (data instanceof Float64Array || data instanceof Float32Array) return Float64Array.from(data);
  throw new InputError(`ONNX output of type ${tensor.type} is not numeric`);
}
