/**
 * Model → ONNX bytes with the preprocessing inside the graph, so the served model computes exactly what
 * was evaluated. Declares IR 8, ai.onnx opset 17 and ai.onnx.ml opset 3: the newest the official Python
 * checker here (onnx 1.12) knows, and accepted by onnxruntime 1.30.
 */
import type onnxProto from 'onnx-proto';
import { InputError } from '../errors.ts';
import { CONVEYOR_VERSION } from '../lib/version.ts';
import { outputCount } from '../model/link.ts';
import { ONNX_METADATA_KEYS, sealOnnx } from '../model/onnx.ts';
import { type Model, type ModelSignature, ONNX_OUTPUTS } from '../model/types.ts';
import { ELEMENT, encodeModel, GraphBuilder, ML_DOMAIN, valueInfo } from './graph.ts';
import { outputHead } from './head.ts';
import { linearScores } from './linear.ts';
import { gbdtFeatureMatrix } from './preprocess.ts';
import { treeEnsembleScores } from './tree-ensemble.ts';
import type { OnnxMetadata } from './types.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;

/**
 * Serialises `model` as an ONNX model: inputs named by feature (numeric float [N,1], categorical
 * string [N,1]), outputs per ONNX_OUTPUTS, lineage and signature in metadata_props. Deterministic:
 * the same model and metadata give byte-identical output. Throws InputError on a malformed model.
 */
export function exportOnnx(model: Model, metadata: OnnxMetadata): Uint8Array {
  const signature = model.signature;
  checkModel(model);
  const outputs = outputCount(model.link, signature.classes?.length ?? 1);

  const g = new GraphBuilder();
  for (const name of Object.values(ONNX_OUTPUTS)) g.reserve(name);
  for (const feature of signature.features) g.reserve(feature.name);
  const inputs = signature.features.map((f) =>
    valueInfo(f.name, f.type === 'numeric' ? ELEMENT.FLOAT : ELEMENT.STRING, ['N', 1]),
  );
  const scores =
    model.kind === 'gbdt'
      ? treeEnsembleScores(g, model, gbdtFeatureMatrix(g, model), outputs)
      : linearScores(g, model, outputs);
  const graphOutputs = outputHead(g, signature, model.link, scores);

  const graph: onnxProto.onnx.IGraphProto = {
    name: 'conveyor',
    node: g.nodes,
    initializer: g.initializers,
    input: inputs,
    output: graphOutputs,
  };
  const props: [string, string][] = [
    [ONNX_METADATA_KEYS.modelName, metadata.modelName],
    [ONNX_METADATA_KEYS.modelVersion, metadata.modelVersion],
    [ONNX_METADATA_KEYS.dataDigest, metadata.dataDigest],
    [ONNX_METADATA_KEYS.codeCommit, metadata.codeCommit],
    [ONNX_METADATA_KEYS.conveyorVersion, metadata.conveyorVersion ?? CONVEYOR_VERSION],
    [ONNX_METADATA_KEYS.modelKind, model.kind],
    [ONNX_METADATA_KEYS.signature, signatureJson(signature)],
  ];
  return sealOnnx(
    encodeModel({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [
        { domain: '', version: ONNX_OPSET },
        { domain: ML_DOMAIN, version: ONNX_ML_OPSET },
      ],
      producerName: 'conveyor',
      producerVersion: metadata.conveyorVersion ?? CONVEYOR_VERSION,
      docString: `conveyor ${model.kind} ${signature.task} model ${metadata.modelName} ${metadata.modelVersion}`,
      graph,
      metadataProps: props.map(([key, value]) => ({ key, value })),
    }),
  );
}

/** The signature as JSON with a fixed key order (part of the file's bytes). */
function signatureJson(signature: ModelSignature): string {
  return JSON.stringify({
    task: signature.task,
    target: signature.target,
    features: signature.features.map((f) => ({ name: f.name, type: f.type })),
    ...(signature.classes ? { classes: [...signature.classes] } : {}),
  });
}

/** Checks what the graph relies on; the per-kind builders check their own parts. */
function checkModel(model: Model): void {
  const { signature, link } = model;
  if (signature.features.length === 0) throw new InputError('model has no features');
  const outputNames = new Set<string>(Object.values(ONNX_OUTPUTS));
  const seen = new Set<string>();
  for (const feature of signature.features) {
    if (feature.name === '') throw new InputError('model feature names must not be empty');
    if (seen.has(feature.name)) throw new InputError(`model feature "${feature.name}" is listed twice`);
    seen.add(feature.name);
    if (outputNames.has(feature.name)) {
      throw new InputError(
        `feature "${feature.name}" has the name of an ONNX output (${[...outputNames].join(', ')}); rename the column`,
      );
    }
  }
  const classes = signature.classes?.length ?? 0;
  const expected: Record<typeof link, boolean> = {
    identity: signature.task === 'regression',
    sigmoid: signature.task === 'classification' && classes === 2,
    softmax: signature.task === 'classification' && classes >= 2,
  };
  if (!expected[link]) {
    throw new InputError(`model link "${link}" does not fit a ${signature.task} task with ${classes} classes`);
  }
  const categoryLists = model.kind === 'gbdt' ? model.categoryCodes : model.categories;
  for (const [feature, categories] of Object.entries(categoryLists)) {
    // "" is how a missing category is fed to the graph (see tableToFeeds).
    if (categories.includes('')) {
      throw new InputError(`feature "${feature}": the empty string cannot be a category (it means missing)`);
    }
  }
}
