/**
 * Preprocessing inside the graph: raw feature inputs → the matrix a model consumes, with the same
 * arithmetic as src/model/inputs.ts and the TypeScript predictors.
 */

import { InputError } from '../errors.ts';
import { ownValue } from '../lib/column-keys.ts';
import type { FeatureSpec, GbdtModel, LinearModel } from '../model/types.ts';
import { attr, ELEMENT, type GraphBuilder, ML_DOMAIN } from './graph.ts';

/**
 * GBDT input matrix [N, F] float32 in signature feature order: numeric inputs as they are; categorical
 * inputs as their code in model.categoryCodes (a float), NaN for a missing or unseen category.
 */
export function gbdtFeatureMatrix(g: GraphBuilder, model: GbdtModel): string {
  const columns = model.signature.features.map((feature) => {
    if (feature.type === 'numeric') return feature.name;
    const categories = ownValue(model.categoryCodes, feature.name) ?? [];
    const { keys, codes } = firstOccurrences(categories);
    // A lookup table needs a key: "" (what a missing value is fed as) maps to NaN like everything else.
    if (keys.length === 0) {
      keys.push('');
      codes.push(Number.NaN);
    }
    return g.node('LabelEncoder', [feature.name], {
      name: `code/${feature.name}`,
      domain: ML_DOMAIN,
      attributes: [
        attr.strings('keys_strings', keys),
        attr.floats('values_floats', codes),
        attr.float('default_float', Number.NaN),
      ],
    });
  });
  return g.node('Concat', columns, { name: 'features', attributes: [attr.int('axis', 1)] });
}

/** The design matrix node and, per matrix column, the model's design column (the weight row it multiplies). */
export interface DesignMatrix {
  readonly matrix: string;
  readonly weightRows: readonly number[];
}

/**
 * Linear design matrix [N, D] float64. Numeric features are processed together (one Cast, impute with the
 * training mean, (x - center) / scale) and placed first; each categorical feature follows as 0/1 columns
 * over its listed categories (a missing or unseen category is all zeros). `weightRows` maps the matrix's
 * column order back to the model's design order, so the weights can be permuted to match.
 */
export function linearDesignMatrix(g: GraphBuilder, model: LinearModel): DesignMatrix {
  const numeric: { feature: FeatureSpec; designColumn: number }[] = [];
  const categorical: { feature: FeatureSpec; designColumn: number; categories: readonly string[] }[] = [];
  let designColumn = 0;
  for (const feature of model.signature.features) {
    if (feature.type === 'numeric') {
      numeric.push({ feature, designColumn });
      designColumn += 1;
    } else {
      const categories = ownValue(model.categories, feature.name) ?? [];
      categorical.push({ feature, designColumn, categories });
      designColumn += categories.length;
    }
  }

  const blocks: string[] = [];
  const weightRows: number[] = [];
  if (numeric.length > 0) {
    const transforms = numeric.map(({ feature }) => ownValue(model.numeric, feature.name)!);
    const raw =
      numeric.length === 1
        ? numeric[0]!.feature.name
        : g.node(
            'Concat',
            numeric.map(({ feature }) => feature.name),
            { name: 'numeric', attributes: [attr.int('axis', 1)] },
          );
    const widened = g.node('Cast', [raw], { name: 'numeric/double', attributes: [attr.int('to', ELEMENT.DOUBLE)] });
    const missing = g.node('IsNaN', [widened], { name: 'numeric/missing' });
    const impute = g.doubles(
      'numeric/impute',
      [numeric.length],
      transforms.map((t) => t.impute),
    );
    const imputed = g.node('Where', [missing, impute, widened], { name: 'numeric/imputed' });
    const center = g.doubles(
      'numeric/center',
      [numeric.length],
      transforms.map((t) => t.center),
    );
    const scale = g.doubles(
      'numeric/scale',
      [numeric.length],
      transforms.map((t) => t.scale),
    );
    const centered = g.node('Sub', [imputed, center], { name: 'numeric/centered' });
    blocks.push(g.node('Div', [centered, scale], { name: 'numeric/standardised' }));
    weightRows.push(...numeric.map((n) => n.designColumn));
  }
  for (const { feature, designColumn: first, categories } of categorical) {
    const { keys, codes } = firstOccurrences(categories);
    if (keys.length === 0) continue;
    // Index of the category; -1 (missing, unseen) matches no column of the Equal below, so the row is all zeros.
    const index = g.node('LabelEncoder', [feature.name], {
      name: `index/${feature.name}`,
      domain: ML_DOMAIN,
      attributes: [
        attr.strings('keys_strings', keys),
        attr.ints('values_int64s', codes),
        attr.int('default_int64', -1),
      ],
    });
    const positions = g.int64s(
      `positions/${feature.name}`,
      [categories.length],
      categories.map((_, k) => k),
    );
    const hot = g.node('Equal', [index, positions], { name: `onehot/${feature.name}/bool` });
    blocks.push(
      g.node('Cast', [hot], { name: `onehot/${feature.name}`, attributes: [attr.int('to', ELEMENT.DOUBLE)] }),
    );
    weightRows.push(...categories.map((_, k) => first + k));
  }
  if (blocks.length === 0) throw new InputError('linear model has no design columns (no numeric feature, no category)');
  const matrix =
    blocks.length === 1 ? blocks[0]! : g.node('Concat', blocks, { name: 'design', attributes: [attr.int('axis', 1)] });
  return { matrix, weightRows };
}

/**
 * Lookup keys with their position: a repeated category keeps its first position, as categoryInput does
 * (a lookup table cannot hold a key twice).
 */
function firstOccurrences(categories: readonly string[]): { keys: string[]; codes: number[] } {
  const seen = new Set<string>();
  const keys: string[] = [];
  const codes: number[] = [];
  categories.forEach((category, code) => {
    if (seen.has(category)) return;
    seen.add(category);
    keys.push(category);
    codes.push(code);
  });
  return { keys, codes };
}
