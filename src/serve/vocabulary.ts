/**
 * The categories a model knows, read from its graph: each categorical input feeds one ai.onnx.ml
 * LabelEncoder (src/export/preprocess.ts) whose `keys_strings` are the categories it maps; any other
 * value takes the encoder's default, i.e. the model treats it as missing. Serving counts such unseen
 * values per column, so a new category in production shows up in /metrics and the prediction log.
 */
import onnxProto from 'onnx-proto';
import type { ModelSignature } from '../model/types.ts';
import type { RowBlock } from './codec.ts';

const { onnx } = onnxProto;

/** Per feature index: the known categories of a categorical feature (undefined for numeric ones). */
export type Vocabularies = readonly (ReadonlySet<string> | undefined)[];

/** Known categories of each categorical feature of `signature`, from the model's LabelEncoder nodes. */
export function readVocabularies(bytes: Uint8Array, signature: ModelSignature): Vocabularies {
  const graph = onnx.ModelProto.decode(bytes).graph;
  const decoder = new TextDecoder();
  const byInput = new Map<string, Set<string>>();
  for (const node of graph?.node ?? []) {
    if (node.opType !== 'LabelEncoder' || node.input?.length !== 1) continue;
    const keys = node.attribute?.find((a) => a.name === 'keys_strings')?.strings ?? [];
    const known = byInput.get(node.input[0]!) ?? new Set<string>();
    for (const key of keys) known.add(decoder.decode(key));
    byInput.set(node.input[0]!, known);
  }
  return signature.features.map((feature) => {
    if (feature.type !== 'categorical') return undefined;
    const known = byInput.get(feature.name) ?? new Set<string>();
    // "" is how a missing value is fed: missing is not unseen.
    known.delete('');
    return known;
  });
}

/**
 * Non-missing values of each categorical column that the model does not know, per feature index (0 for
 * numeric features); undefined when there are none (the common case costs no allocation).
 */
export function countUnseen(block: RowBlock, vocabularies: Vocabularies): number[] | undefined {
  let counts: number[] | undefined;
  for (let j = 0; j < vocabularies.length; j++) {
    const known = vocabularies[j];
    if (!known) continue;
    const column = block.columns[j] as readonly string[];
    for (let r = 0; r < block.rows; r++) {
      const value = column[r]!;
      if (value !== '' && !known.has(value)) {
        counts ??= new Array<number>(vocabularies.length).fill(0);
        counts[j]!++;
      }
    }
  }
  return counts;
}
