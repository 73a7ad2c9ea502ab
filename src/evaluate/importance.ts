/**
 * Feature importance, normalised to sum to 1 over the model's features.
 */
import type { Table } from '../data/types.ts';
import { linearDesign } from '../model/predict-linear.ts';
import type { GbdtModel, LinearModel, Model } from '../model/types.ts';
import type { EvaluationReport } from './types.ts';

export type FeatureImportance = EvaluationReport['importance'];

/** GBDT: total split gain per feature; linear: mean |weight × design value| over `table`'s rows. */
export function featureImportance(model: Model, table: Table): FeatureImportance {
  const raw = model.kind === 'gbdt' ? gainImportance(model) : contributionImportance(model, table);
  const total = raw.reduce((a, b) => a + b, 0);
  const features = model.signature.features.map((f, i) => ({
    feature: f.name,
    importance: total > 0 ? raw[i]! / total : 0,
  }));
  // Stable sort: equal importances keep signature order.
  features.sort((a, b) => b.importance - a.importance);
  return { method: model.kind === 'gbdt' ? 'total_gain' : 'mean_abs_contribution', features };
}

function gainImportance(model: GbdtModel): number[] {
  const gain = new Array<number>(model.signature.features.length).fill(0);
  for (const tree of model.trees) {
    tree.feature.forEach((feature, node) => {
      if (feature >= 0) gain[feature]! += Math.max(0, tree.gain[node]!);
    });
  }
  return gain;
}

/**
 * Per feature, the mean over rows of Σ |w[c][k] · x[c]| over its design columns c (one for a numeric
 * feature, its one-hot columns for a categorical one) and outputs k: how far the feature moves the scores.
 */
function contributionImportance(model: LinearModel, table: Table): number[] {
  const design = linearDesign(model, table);
  const n = Math.max(design.rowCount, 1);
  const absWeight = model.weights.map((row) => row.reduce((a, w) => a + Math.abs(w), 0));
  return design.blocks.map((block) => {
    let sum = 0;
    if (block.kind === 'numeric') {
      for (const x of block.values) sum += Math.abs(x);
      sum *= absWeight[block.column]!;
    } else {
      for (const c of block.hot) if (c >= 0) sum += absWeight[c]!;
    }
    return sum / n;
  });
}
