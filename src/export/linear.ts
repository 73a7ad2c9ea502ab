/** Linear model → raw scores [N, K] float64: design · weights + bias, all in double precision. */

import { InputError } from '../errors.ts';
import { ownValue } from '../lib/column-keys.ts';
import { designColumnCount } from '../model/predict-linear.ts';
import type { LinearModel } from '../model/types.ts';
import type { GraphBuilder } from './graph.ts';
import { linearDesignMatrix } from './preprocess.ts';

/** Adds the design matrix and the affine map to the graph. Returns raw scores [N, K] double. */
export function linearScores(g: GraphBuilder, model: LinearModel, outputs: number): string {
  const expectedRows = designColumnCount(model);
  if (model.weights.length !== expectedRows) {
    throw new InputError(`linear model has ${model.weights.length} weight rows for ${expectedRows} design columns`);
  }
  model.weights.forEach((row, c) => {
    if (row.length !== outputs)
      throw new InputError(`linear model weight row ${c} has ${row.length} values, expected ${outputs}`);
  });
  if (model.bias.length !== outputs) {
    throw new InputError(`linear model bias has ${model.bias.length} values, expected ${outputs}`);
  }
  for (const feature of model.signature.features) {
    if (feature.type === 'numeric' && !ownValue(model.numeric, feature.name)) {
      throw new InputError(`linear model has no numeric transform for feature "${feature.name}"`);
    }
    if (feature.type === 'categorical' && !ownValue(model.categories, feature.name)) {
      throw new InputError(`linear model has no category list for feature "${feature.name}"`);
    }
  }
  const { matrix, weightRows } = linearDesignMatrix(g, model);
  // Weight rows in the matrix's column order (numeric features first).
  const weights = new Float64Array(weightRows.length * outputs);
  weightRows.forEach((row, c) => {
    for (let k = 0; k < outputs; k++) weights[c * outputs + k] = model.weights[row]![k]!;
  });
  const w = g.doubles('linear/weights', [weightRows.length, outputs], weights);
  const product = g.node('MatMul', [matrix, w], { name: 'linear/product' });
  const bias = g.doubles('linear/bias', [outputs], model.bias);
  return g.node('Add', [product, bias], { name: 'raw_score' });
}
