/**
 * A small ONNX graph builder over onnx-proto: nodes, constant initializers and typed attributes, with
 * stable generated names so the same model always gives the same bytes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type GraphProto = onnxProto.onnx.IGraphProto;

export const ELEMENT = onnx.TensorProto.DataType;
export type ElementType = onnxProto.onnx.TensorProto.DataType;

/** Domain of the ai.onnx.ml operators (LabelEncoder, TreeEnsembleRegressor). */
export const ML_DOMAIN = 'ai.onnx.ml';

const ATTR = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

// Every AttributeProto carries its `type`: ORT rejects attributes without one.
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: ATTR.INT, i }),
  float: (name: string, f: number): AttributeProto => ({ name, type: ATTR.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: ATTR.STRING, s: utf8.encode(s) }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: ATTR.INTS, ints: [...ints] }),
  floats: (name: string, floats: ArrayLike<number>): AttributeProto => ({
    name,
    type: ATTR.FLOATS,
    floats: Array.from(floats),
  }),
  strings: (name: string, strings: readonly string[]): AttributeProto => ({
    name,
    type: ATTR.STRINGS,
    strings: strings.map((s) => utf8.encode(s)),
  }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: ATTR.TENSOR, t }),
};

/** A dimension: a number, or a symbolic name such as 'N' for the batch size. */
export type Dim = number | string;

export function valueInfo(name: string, elemType: ElementType, shape: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Little-endian bytes of typed values, independent of the host's byte order. */
function rawBytes(values: ArrayLike<number>, width: 4 | 8, write: (view: DataView, offset: number, v: number) => void) {
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) write(view, i * width, values[i]!);
  return bytes;
}

/**
 * Collects nodes and initializers. Names of intermediate values are generated from a base name and made
 * unique against every name already used (graph inputs and outputs included), in creation order.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** Names the graph owns (inputs, outputs) that no generated name may take. */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** A fresh unique name starting with `base`. */
  fresh(base: string): string {
    let n = this.counters.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.used.has(name)) {
      n += 1;
      name = `${base}_${n}`;
    }
    this.counters.set(base, n + 1);
    this.used.add(name);
    return name;
  }

  /**
   * Adds a node and returns its output names. `outputs` are fixed names (already reserved) or, by
   * default, one fresh name derived from `name`.
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: {
      readonly name: string;
      readonly attributes?: readonly AttributeProto[];
      readonly domain?: string;
      readonly outputs?: readonly string[];
    },
  ): string {
    const nodeName = this.fresh(`node/${options.name}`);
    const outputs = options.outputs ?? [this.fresh(options.name)];
    this.nodes.push({
      name: nodeName,
      opType,
      domain: options.domain ?? '',
      input: [...inputs],
      output: [...outputs],
      attribute: [...(options.attributes ?? [])],
    });
    return outputs[0]!;
  }

  private initializer(name: string, tensor: TensorProto): string {
    const unique = this.fresh(name);
    this.initializers.push({ ...tensor, name: unique });
    return unique;
  }

  /** A float64 constant. */
  doubles(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    checkSize(name, dims, values.length);
    const rawData = rawBytes(values, 8, (view, o, v) => view.setFloat64(o, v, true));
    return this.initializer(name, { dims: [...dims], dataType: ELEMENT.DOUBLE, rawData });
  }

  /** A float32 constant (values are rounded to float32). */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    checkSize(name, dims, values.length);
    const rawData = rawBytes(values, 4, (view, o, v) => view.setFloat32(o, v, true));
    return this.initializer(name, { dims: [...dims], dataType: ELEMENT.FLOAT, rawData });
  }

  /** An int64 constant (values must be safe integers). */
  int64s(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    checkSize(name, dims, values.length);
    const rawData = rawBytes(values, 8, (view, o, v) => view.setBigInt64(o, BigInt(v), true));
    return this.initializer(name, { dims: [...dims], dataType: ELEMENT.INT64, rawData });
  }

  /** A string constant (UTF-8). */
  strings(name: string, dims: readonly number[], values: readonly string[]): string {
    checkSize(name, dims, values.length);
    const stringData = values.map((s) => utf8.encode(s));
    return this.initializer(name, { dims: [...dims], dataType: ELEMENT.STRING, stringData });
  }
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length)
    throw new Error(`constant ${name}: dims [${dims.join(', ')}] hold ${size} values, got ${length}`);
}

/** Serialises a model proto. protobufjs writes fields in schema order, so equal objects give equal bytes. */
export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
