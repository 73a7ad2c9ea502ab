/**
 * Request bodies → model-ready rows, and model outputs → response bodies. Pure functions of a
 * ModelSignature: every check happens here, before a request joins a batch, so one bad request can
 * never fail a batch it shares with others.
 *
 * Open Inference Protocol v2 (KServe/Triton REST), JSON only:
 * - numeric features: datatype FP32, FP64, FP16, INT8..INT64 or UINT8..UINT64, converted to float32
 *   (the model's input type); `null` is a missing value (JSON has no NaN); integer types must hold integers
 *   in their range; a number float32 cannot hold (|x| > 3.4e38) is refused.
 * - categorical features: datatype BYTES, strings; `null` or "" is a missing value.
 * - shape [N, 1] or [N]; `data` flattened row-major, or nested arrays of the same shape; every input has the
 *   same N ≥ 1; every model input is required.
 */
import { ownValue } from '../lib/column-keys.ts';
import type { FeatureSpec, ModelSignature } from '../model/types.ts';
import { ONNX_OUTPUTS } from '../model/types.ts';
import { InvalidRequestError, TooManyRowsError } from './errors.ts';

/** One feature's values, model-ready: float32 (NaN = missing) or strings ("" = missing). */
export type FeatureColumn = Float32Array | string[];

/** Validated rows of one request, columnar, in signature feature order. */
export interface RowBlock {
  readonly rows: number;
  readonly columns: readonly FeatureColumn[];
  /**
   * Values as the client sent them, for the prediction log: numbers or null for numeric features (before
   * float32 rounding), strings ("" = missing) for categorical ones.
   */
  readonly sent: readonly (readonly (number | null)[] | readonly string[])[];
}

/** What one session run returns for a block of rows (classification: label + probabilities; regression: value). */
export interface ModelOutputs {
  readonly rows: number;
  readonly label?: readonly string[];
  /** rows × classes, row-major. */
  readonly probabilities?: Float32Array;
  readonly value?: Float64Array;
}

/** An OIP tensor in a request or response. */
export interface OipTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly unknown[];
}

export interface DecodedInferRequest {
  readonly id: string | undefined;
  /** Requested output names (all of the model's when the request names none). */
  readonly outputs: readonly string[];
  readonly block: RowBlock;
}

/** Output names the graph has, in response order. */
export function outputNames(signature: ModelSignature): readonly string[] {
  return signature.task === 'classification' ? [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities] : [ONNX_OUTPUTS.value];
}

/** Range of each accepted numeric datatype (integers must also be whole numbers). */
const NUMERIC_DATATYPES: Readonly<Record<string, { min: number; max: number; integer: boolean }>> = {
  FP32: { min: -Infinity, max: Infinity, integer: false },
  FP64: { min: -Infinity, max: Infinity, integer: false },
  FP16: { min: -65504, max: 65504, integer: false },
  INT8: { min: -128, max: 127, integer: true },
  INT16: { min: -32768, max: 32767, integer: true },
  INT32: { min: -2147483648, max: 2147483647, integer: true },
  INT64: { min: -(2 ** 63), max: 2 ** 63 - 1, integer: true },
  UINT8: { min: 0, max: 255, integer: true },
  UINT16: { min: 0, max: 65535, integer: true },
  UINT32: { min: 0, max: 4294967295, integer: true },
  UINT64: { min: 0, max: 2 ** 64 - 1, integer: true },
};
const NUMERIC_LIST = Object.keys(NUMERIC_DATATYPES).join(', ');

/**
 * Validates an OIP infer request body against the signature; throws InvalidRequestError naming what is
 * wrong, or TooManyRowsError (before any column is built) when it has more than `maxRows` rows.
 */
export function decodeInferRequest(body: unknown, signature: ModelSignature, maxRows = Infinity): DecodedInferRequest {
  if (!isObject(body)) throw new InvalidRequestError(`the request body must be a JSON object with "inputs"`);
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') throw new InvalidRequestError(`"id" must be a string`);
  if (body.parameters !== undefined && !isObject(body.parameters)) {
    throw new InvalidRequestError(`"parameters" must be an object`);
  }
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new InvalidRequestError(`"inputs" must be a non-empty array of {name, shape, datatype, data}`);
  }
  const byName = inputsInOrder(inputs, signature) ? undefined : inputsByName(inputs, signature);

  let rows = -1;
  let rowsFrom = '';
  const columns: FeatureColumn[] = [];
  const sent: (readonly (number | null)[] | readonly string[])[] = [];
  const features = signature.features;
  for (let j = 0; j < features.length; j++) {
    const feature = features[j]!;
    const input = byName ? byName.get(feature.name)! : (inputs[j] as Record<string, unknown>);
    const n = batchSize(input, feature.name);
    if (n > maxRows) throw new TooManyRowsError(n, maxRows);
    if (rows === -1) {
      rows = n;
      rowsFrom = feature.name;
    } else if (n !== rows) {
      throw new InvalidRequestError(
        `inputs have different batch sizes: "${rowsFrom}" has ${rows} rows, "${feature.name}" has ${n}`,
      );
    }
    const data = flatData(input, feature.name, n);
    if (feature.type === 'numeric') {
      const datatype = input.datatype;
      const range = typeof datatype === 'string' ? NUMERIC_DATATYPES[datatype] : undefined;
      if (!range) {
        throw new InvalidRequestError(
          `input "${feature.name}" is numeric: datatype must be one of ${NUMERIC_LIST}, got ${show(datatype)}`,
        );
      }
      columns.push(numericColumn(data, feature.name, datatype as string, range));
      sent.push(data as (number | null)[]);
    } else {
      if (input.datatype !== 'BYTES') {
        throw new InvalidRequestError(
          `input "${feature.name}" is categorical: datatype must be BYTES (strings), got ${show(input.datatype)}`,
        );
      }
      const strings = bytesColumn(data, feature.name);
      columns.push(strings);
      sent.push(strings);
    }
  }
  return { id, outputs: selectedOutputs(body.outputs, signature), block: { rows, columns, sent } };
}

/** True when `inputs` are the model's, valid, in its order (as clients built from its metadata send them). */
function inputsInOrder(inputs: readonly unknown[], signature: ModelSignature): boolean {
  const features = signature.features;
  if (inputs.length !== features.length) return false;
  for (let j = 0; j < inputs.length; j++) {
    const input = inputs[j];
    if (!isObject(input) || input.name !== features[j]!.name) return false;
  }
  return true;
}

/** The inputs by name, checked: each an object with a name, none twice, none unknown, none missing. */
function inputsByName(inputs: readonly unknown[], signature: ModelSignature): Map<string, Record<string, unknown>> {
  const byName = new Map<string, Record<string, unknown>>();
  inputs.forEach((input, i) => {
    if (!isObject(input) || typeof input.name !== 'string') {
      throw new InvalidRequestError(`inputs[${i}] must be an object with a string "name"`);
    }
    if (byName.has(input.name)) throw new InvalidRequestError(`input "${input.name}" is given twice`);
    byName.set(input.name, input);
  });
  // As many distinct names as features, each of them a feature: nothing unknown, nothing missing.
  if (byName.size !== signature.features.length || !signature.features.every((f) => byName.has(f.name))) {
    refuseInputNames(byName, signature);
  }
  return byName;
}

/** Throws for the first input the model does not have, else for the model inputs the request lacks. */
function refuseInputNames(byName: ReadonlyMap<string, unknown>, signature: ModelSignature): never {
  const known = new Set(signature.features.map((f) => f.name));
  for (const name of byName.keys()) {
    if (!known.has(name)) {
      throw new InvalidRequestError(`unknown input "${name}"; the model's inputs are: ${featureList(signature)}`);
    }
  }
  const missing = signature.features.filter((f) => !byName.has(f.name)).map((f) => `"${f.name}"`);
  throw new InvalidRequestError(
    `missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; every model input is required (null marks a missing value)`,
  );
}

function batchSize(input: Record<string, unknown>, name: string): number {
  const shape = input.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidRequestError(`input "${name}": "shape" must be an array of non-negative integers`);
  }
  if (shape.length < 1 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
    throw new InvalidRequestError(
      `input "${name}": shape ${JSON.stringify(shape)} is not accepted; the model takes [N, 1] (or [N])`,
    );
  }
  if (shape[0] === 0) throw new InvalidRequestError(`input "${name}": shape ${JSON.stringify(shape)} has no rows`);
  return shape[0] as number;
}

/** `data` as a flat array of `n` elements (nested arrays are flattened row-major). */
function flatData(input: Record<string, unknown>, name: string, n: number): unknown[] {
  let data = input.data;
  if (!Array.isArray(data)) throw new InvalidRequestError(`input "${name}": "data" must be an array`);
  if (data.some(Array.isArray)) data = data.flat(Infinity);
  const length = (data as unknown[]).length;
  if (length !== n) {
    throw new InvalidRequestError(
      `input "${name}": shape ${JSON.stringify(input.shape)} needs ${n} values, "data" has ${length}`,
    );
  }
  return data as unknown[];
}

function numericColumn(
  data: readonly unknown[],
  name: string,
  datatype: string,
  range: { min: number; max: number; integer: boolean },
): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'number') {
      const f = Math.fround(v);
      if (!Number.isFinite(f)) {
        throw new InvalidRequestError(
          `input "${name}": element ${i} is ${show(v)}, outside the float32 range the model takes (null = missing)`,
        );
      }
      if (v < range.min || v > range.max || (range.integer && !Number.isInteger(v))) {
        throw new InvalidRequestError(`input "${name}": element ${i} is ${show(v)}, not a valid ${datatype} value`);
      }
      out[i] = f;
    } else if (v === null) {
      out[i] = Number.NaN;
    } else {
      throw new InvalidRequestError(
        `input "${name}": element ${i} is ${show(v)}; ${datatype} data must be numbers (null = missing)`,
      );
    }
  }
  return out;
}

function bytesColumn(data: readonly unknown[], name: string): string[] {
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'string') out[i] = v;
    else if (v === null) out[i] = '';
    else {
      throw new InvalidRequestError(
        `input "${name}": element ${i} is ${show(v)}; BYTES data must be strings (null = missing)`,
      );
    }
  }
  return out;
}

function selectedOutputs(requested: unknown, signature: ModelSignature): readonly string[] {
  const available = outputNames(signature);
  if (requested === undefined) return available;
  if (!Array.isArray(requested)) throw new InvalidRequestError(`"outputs" must be an array of {name}`);
  if (requested.length === 0) return available;
  const names = requested.map((output, i) => {
    if (!isObject(output) || typeof output.name !== 'string') {
      throw new InvalidRequestError(`outputs[${i}] must be an object with a string "name"`);
    }
    if (!available.includes(output.name)) {
      throw new InvalidRequestError(
        `unknown output "${output.name}"; the model's outputs are: ${available.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    return output.name;
  });
  return [...new Set(names)];
}

/**
 * Validates `/predict` records — `[{column: value}]` or `{"instances": [...]}` — against the signature.
 * Numeric columns take a number or null; categorical ones a string, a number (read as its text) or null.
 * Every model column must be present (null marks a missing value). The target column may be sent and is
 * ignored (rows of the training table can be posted as they are); any other key is refused, naming it.
 */
export function decodeRecords(body: unknown, signature: ModelSignature, maxRows = Infinity): RowBlock {
  const records = Array.isArray(body) ? body : isObject(body) ? body.instances : undefined;
  if (!Array.isArray(records)) {
    throw new InvalidRequestError(`the request body must be a JSON array of records or {"instances": [records]}`);
  }
  if (records.length === 0) throw new InvalidRequestError('no records to predict');
  if (records.length > maxRows) throw new TooManyRowsError(records.length, maxRows);
  const rows = records.length;
  const columns: FeatureColumn[] = signature.features.map((f) =>
    f.type === 'numeric' ? new Float32Array(rows) : new Array<string>(rows),
  );
  const numbers: (number | null)[][] = signature.features.map(() => new Array<number | null>(rows));
  const accepted = new Set([...signature.features.map((f) => f.name), signature.target]);
  for (let r = 0; r < rows; r++) {
    const record = records[r];
    if (!isObject(record)) {
      throw new InvalidRequestError(`record ${r} must be an object of column: value, got ${show(record)}`);
    }
    for (const key in record) if (!accepted.has(key)) throw unknownColumns(r, record, accepted, signature);
    signature.features.forEach((feature, j) => {
      const value = ownValue(record, feature.name);
      if (value === undefined) {
        throw new InvalidRequestError(
          `record ${r}: column "${feature.name}" is missing (null marks a missing value); the model's columns are: ${featureList(signature)}`,
        );
      }
      if (feature.type === 'numeric') {
        const f = typeof value === 'number' ? Math.fround(value) : Number.NaN;
        if (value !== null && !Number.isFinite(f)) throw recordError(r, feature, value);
        (columns[j] as Float32Array)[r] = f;
        numbers[j]![r] = value as number | null;
      } else {
        let text: string;
        if (typeof value === 'string') text = value;
        else if (value === null) text = '';
        else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
        else throw recordError(r, feature, value);
        (columns[j] as string[])[r] = text;
      }
    });
  }
  const sent = signature.features.map((f, j) => (f.type === 'numeric' ? numbers[j]! : (columns[j] as string[])));
  return { rows, columns, sent };
}

function unknownColumns(
  row: number,
  record: Record<string, unknown>,
  accepted: ReadonlySet<string>,
  signature: ModelSignature,
): InvalidRequestError {
  const unknown = Object.keys(record)
    .filter((key) => !accepted.has(key))
    .map((key) => JSON.stringify(key));
  return new InvalidRequestError(
    `record ${row}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the model's columns are: ${featureList(signature)} (the target "${signature.target}" may be sent and is ignored)`,
  );
}

function recordError(row: number, feature: FeatureSpec, value: unknown): InvalidRequestError {
  const expected = feature.type === 'numeric' ? 'a number (float32 range) or null' : 'a string or null';
  return new InvalidRequestError(`record ${row}: column "${feature.name}" is ${show(value)}; expected ${expected}`);
}

/** Who answers an infer request: the head of its response. */
export interface InferResponseHead {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id: string;
}

/**
 * The OIP infer response body as JSON text: `{model_name, model_version, id, outputs}` with the requested
 * outputs as tensors — label BYTES [N], probabilities FP32 [N, C], value FP64 [N] — in `names` order. Written
 * directly rather than through JSON.stringify of tensor objects: on the request thread it costs a quarter as
 * much (bench/README.md, issue 15). Numbers read back exactly (a float32 as its float64 value, as
 * JSON.stringify writes it); a non-finite one is null, as JSON.stringify writes it.
 */
export function encodeInferResponse(
  head: InferResponseHead,
  outputs: ModelOutputs,
  names: readonly string[],
  classCount: number,
): string {
  const n = outputs.rows;
  let tensors = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    let tensor: string;
    if (name === ONNX_OUTPUTS.label) {
      tensor = `{"name":"${name}","datatype":"BYTES","shape":[${n}],"data":${JSON.stringify(outputs.label!)}}`;
    } else if (name === ONNX_OUTPUTS.probabilities) {
      const data = jsonNumbers(outputs.probabilities!, 0, n * classCount);
      tensor = `{"name":"${name}","datatype":"FP32","shape":[${n},${classCount}],"data":[${data}]}`;
    } else {
      tensor = `{"name":"${name}","datatype":"FP64","shape":[${n}],"data":[${jsonNumbers(outputs.value!, 0, n)}]}`;
    }
    tensors += i === 0 ? tensor : `,${tensor}`;
  }
  return (
    `{"model_name":${JSON.stringify(head.modelName)},"model_version":${JSON.stringify(head.modelVersion)},` +
    `"id":${JSON.stringify(head.id)},"outputs":[${tensors}]}`
  );
}

/**
 * Elements [start, end) as JSON numbers, comma-separated; null and non-finite numbers as null (as JSON.stringify
 * writes them).
 */
export function jsonNumbers(values: ArrayLike<number | null>, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null';
    out += i === start ? text : `,${text}`;
  }
  return out;
}

export type Prediction = { label: string; probabilities: Record<string, number> } | { value: number };

/** One prediction per row: `{label, probabilities: {class: p}}` or `{value}`. */
export function encodePredictions(outputs: ModelOutputs, signature: ModelSignature): Prediction[] {
  const predictions = new Array<Prediction>(outputs.rows);
  if (signature.task === 'regression') {
    for (let r = 0; r < outputs.rows; r++) predictions[r] = { value: outputs.value![r]! };
    return predictions;
  }
  const classes = signature.classes ?? [];
  const k = classes.length;
  for (let r = 0; r < outputs.rows; r++) {
    // Null prototype: a class may be named "__proto__".
    const probabilities: Record<string, number> = Object.create(null);
    for (let c = 0; c < k; c++) probabilities[classes[c]!] = outputs.probabilities![r * k + c]!;
    predictions[r] = { label: outputs.label![r]!, probabilities };
  }
  return predictions;
}

/** Blocks stacked into one (rows in block order), for one session run. */
export function concatBlocks(blocks: readonly RowBlock[], signature: ModelSignature): RowBlock {
  if (blocks.length === 1) return blocks[0]!;
  let rows = 0;
  for (const block of blocks) rows += block.rows;
  const columns = signature.features.map((feature, j): FeatureColumn => {
    if (feature.type === 'numeric') {
      const out = new Float32Array(rows);
      let offset = 0;
      for (const block of blocks) {
        out.set(block.columns[j] as Float32Array, offset);
        offset += block.rows;
      }
      return out;
    }
    const out: string[] = [];
    for (const block of blocks) for (const s of block.columns[j] as string[]) out.push(s);
    return out;
  });
  return { rows, columns, sent: [] };
}

/** Rows [start, end) of a block (views of numeric columns; the sent values are not carried). */
export function sliceBlock(block: RowBlock, start: number, end: number): RowBlock {
  if (start === 0 && end === block.rows) return block;
  const columns = block.columns.map((column) =>
    column instanceof Float32Array ? column.subarray(start, end) : column.slice(start, end),
  );
  return { rows: end - start, columns, sent: [] };
}

/** Outputs of consecutive runs joined into one (rows in run order). */
export function concatOutputs(parts: readonly ModelOutputs[]): ModelOutputs {
  if (parts.length === 1) return parts[0]!;
  let rows = 0;
  for (const part of parts) rows += part.rows;
  const first = parts[0]!;
  const joinFloats = <T extends Float32Array | Float64Array>(out: T, pick: (part: ModelOutputs) => T): T => {
    let offset = 0;
    for (const part of parts) {
      const values = pick(part);
      out.set(values, offset);
      offset += values.length;
    }
    return out;
  };
  return {
    rows,
    ...(first.label ? { label: parts.flatMap((part) => part.label!) } : {}),
    ...(first.probabilities
      ? {
          probabilities: joinFloats(
            new Float32Array((first.probabilities.length / first.rows) * rows),
            (part) => part.probabilities!,
          ),
        }
      : {}),
    ...(first.value ? { value: joinFloats(new Float64Array(rows), (part) => part.value!) } : {}),
  };
}

/** Rows [start, end) of a batch's outputs (views, not copies). */
export function sliceOutputs(outputs: ModelOutputs, start: number, end: number, classCount: number): ModelOutputs {
  if (start === 0 && end === outputs.rows) return outputs;
  return {
    rows: end - start,
    ...(outputs.label ? { label: outputs.label.slice(start, end) } : {}),
    ...(outputs.probabilities
      ? { probabilities: outputs.probabilities.subarray(start * classCount, end * classCount) }
      : {}),
    ...(outputs.value ? { value: outputs.value.subarray(start, end) } : {}),
  };
}

function featureList(signature: ModelSignature): string {
  return signature.features.map((f) => `"${f.name}" (${f.type === 'numeric' ? 'FP32' : 'BYTES'})`).join(', ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value for an error message, cut short. */
function show(value: unknown): string {
  const text = value === undefined ? 'missing' : typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
