/**
 * Linear model inference in TypeScript, mirroring the exported ONNX graph: numeric inputs as float32,
 * impute then standardise, one-hot over the listed categories, scores = design·weights + bias in float64.
 */

import type { Table } from '../data/types.ts';
import { ownValue } from '../lib/column-keys.ts';
import { categoryInput, numericInput } from './inputs.ts';
import { applyLink, outputCount } from './link.ts';
import type { LinearModel, Predictions } from './types.ts';

/** The parts of a LinearModel that define its design matrix. */
export type LinearPreprocessing = Pick<LinearModel, 'signature' | 'numeric' | 'categories'>;

/**
 * A design matrix kept compact: numeric features as dense standardised columns, categorical features as
 * the index of the one design column that is 1 (or -1: all zeros). Feature blocks are in signature order.
 */
export interface LinearDesign {
  readonly rowCount: number;
  /** Total design columns (numeric features + listed categories). */
  readonly columnCount: number;
  readonly blocks: readonly DesignBlock[];
}

export type DesignBlock =
  | {
      readonly kind: 'numeric';
      readonly feature: string;
      /** Design column of this feature. */
      readonly column: number;
      /** Standardised values, one per row; never NaN. */
      readonly values: Float64Array;
    }
  | {
      readonly kind: 'categorical';
      readonly feature: string;
      /** First design column of this feature; category k is column `offset + k`. */
      readonly offset: number;
      readonly width: number;
      /** Per row: the design column that is 1, or -1 for a missing or unseen category. */
      readonly hot: Int32Array;
    };

/** Number of design columns the preprocessing produces. */
export function designColumnCount(pre: LinearPreprocessing): number {
  let count = 0;
  for (const feature of pre.signature.features) {
    count += feature.type === 'numeric' ? 1 : (ownValue(pre.categories, feature.name)?.length ?? 0);
  }
  return count;
}

/** Builds the design matrix of `table` (columns found by name; extra columns are ignored). */
export function linearDesign(pre: LinearPreprocessing, table: Table): LinearDesign {
  const rowCount = table.rowCount;
  const blocks: DesignBlock[] = [];
  let column = 0;
  for (const feature of pre.signature.features) {
    if (feature.type === 'numeric') {
      const transform = ownValue(pre.numeric, feature.name);
      if (!transform) throw new Error(`linear model has no numeric transform for feature "${feature.name}"`);
      const values = numericInput(table, feature.name);
      const { impute, center, scale } = transform;
      for (let i = 0; i < rowCount; i++) {
        const x = Number.isNaN(values[i]!) ? impute : values[i]!;
        values[i] = (x - center) / scale;
      }
      blocks.push({ kind: 'numeric', feature: feature.name, column, values });
      column += 1;
    } else {
      const categories = ownValue(pre.categories, feature.name);
      if (!categories) throw new Error(`linear model has no category list for feature "${feature.name}"`);
      const hot = categoryInput(table, feature.name, categories);
      for (let i = 0; i < rowCount; i++) if (hot[i]! >= 0) hot[i] = hot[i]! + column;
      blocks.push({ kind: 'categorical', feature: feature.name, offset: column, width: categories.length, hot });
      column += categories.length;
    }
  }
  return { rowCount, columnCount: column, blocks };
}

/**
 * Raw scores (rowCount x outputs, row-major): per row, the sum over design columns in order of
 * value × weight, then + bias — the same order as a dense dot product (zero one-hot terms add nothing).
 * `weights` is flat, weights[column * outputs + output].
 */
export function linearScores(
  design: LinearDesign,
  weights: Float64Array,
  bias: ArrayLike<number>,
  outputs: number,
  into?: Float64Array,
): Float64Array {
  const { rowCount } = design;
  const scores = into ?? new Float64Array(rowCount * outputs);
  scores.fill(0);
  for (const block of design.blocks) {
    if (block.kind === 'numeric') {
      const { values, column } = block;
      const w = column * outputs;
      if (outputs === 1) {
        const w0 = weights[w]!;
        for (let i = 0; i < rowCount; i++) scores[i]! += values[i]! * w0;
      } else {
        for (let i = 0; i < rowCount; i++) {
          const x = values[i]!;
          const base = i * outputs;
          for (let k = 0; k < outputs; k++) scores[base + k]! += x * weights[w + k]!;
        }
      }
    } else {
      const { hot } = block;
      for (let i = 0; i < rowCount; i++) {
        const c = hot[i]!;
        if (c < 0) continue;
        const w = c * outputs;
        const base = i * outputs;
        for (let k = 0; k < outputs; k++) scores[base + k]! += weights[w + k]!;
      }
    }
  }
  for (let i = 0; i < rowCount; i++) {
    const base = i * outputs;
    for (let k = 0; k < outputs; k++) scores[base + k]! += bias[k]!;
  }
  return scores;
}

/** Flattens `weights[column][output]` into weights[column * outputs + output]. */
export function flattenWeights(model: Pick<LinearModel, 'weights'>, outputs: number): Float64Array {
  const flat = new Float64Array(model.weights.length * outputs);
  model.weights.forEach((row, c) => {
    for (let k = 0; k < outputs; k++) flat[c * outputs + k] = row[k]!;
  });
  return flat;
}

/** Predictions of a linear model for every row of `table`. */
export function predictLinear(model: LinearModel, table: Table): Predictions {
  const outputs = outputCount(model.link, model.signature.classes?.length ?? 1);
  const design = linearDesign(model, table);
  if (design.columnCount !== model.weights.length) {
    throw new Error(`linear model has ${model.weights.length} weight rows for ${design.columnCount} design columns`);
  }
  const scores = linearScores(design, flattenWeights(model, outputs), model.bias, outputs);
  return applyLink(model.link, scores, table.rowCount);
}
