/**
 * Fitting the linear model's input transforms on the training rows: mean imputation and
 * standardisation of numeric features, the one-hot category lists of categorical features.
 */

import type { Table } from '../../data/types.ts';
import { DataError, InputError } from '../../errors.ts';
import { columnRecord } from '../../lib/column-keys.ts';
import { findColumn, numericInput } from '../../model/inputs.ts';
import type { LinearPreprocessing } from '../../model/predict-linear.ts';
import type { ModelSignature, NumericTransform } from '../../model/types.ts';

/**
 * Most one-hot columns a categorical feature gets. Beyond it the most frequent categories are kept
 * and the rare rest is treated like an unseen category (all zeros), which bounds the model size and
 * keeps rare levels (often ids or typos) from being memorised.
 */
export const MAX_CATEGORIES = 100;

export interface FittedPreprocessing extends LinearPreprocessing {
  /** Per capped categorical feature: categories seen in training and categories kept. */
  readonly capped: Readonly<Record<string, { readonly seen: number; readonly kept: number }>>;
}

/**
 * Numeric features: impute = center = mean of the float32 training values, scale = population
 * standard deviation (1 when it is 0 or there are no values); stored as float32-representable numbers
 * so a float32 graph holds them exactly. Categorical features: the categories present in the training
 * rows, the `maxCategories` most frequent when there are more, sorted by code point.
 */
export function fitPreprocessing(
  signature: ModelSignature,
  table: Table,
  maxCategories: number = MAX_CATEGORIES,
): FittedPreprocessing {
  const numeric = columnRecord<NumericTransform>();
  const categories = columnRecord<readonly string[]>();
  const capped = columnRecord<{ seen: number; kept: number }>();
  for (const feature of signature.features) {
    if (feature.type === 'numeric') {
      numeric[feature.name] = fitNumeric(feature.name, numericInput(table, feature.name));
    } else {
      const column = findColumn(table, feature.name);
      if (column.type !== 'categorical') {
        throw new InputError(`input column "${feature.name}" must be categorical (strings), got ${column.type}`);
      }
      const counts = new Float64Array(column.categories.length);
      for (const code of column.codes) if (code >= 0) counts[code]!++;
      // The same text may appear under several codes only if the table is malformed; merge to be safe.
      const byName = new Map<string, number>();
      column.categories.forEach((name, code) => {
        if (counts[code]! > 0) byName.set(name, (byName.get(name) ?? 0) + counts[code]!);
      });
      let seen = [...byName.entries()];
      if (seen.length > maxCategories) {
        capped[feature.name] = { seen: seen.length, kept: maxCategories };
        seen = seen.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0])).slice(0, maxCategories);
      }
      categories[feature.name] = seen.map(([name]) => name).sort(compareCodePoints);
    }
  }
  return { signature, numeric, categories, capped };
}

function fitNumeric(name: string, values: Float64Array): NumericTransform {
  let count = 0;
  let sum = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isFinite(v)) throw new DataError(`feature "${name}" holds an infinite value; expected finite numbers`);
    count++;
    sum += v;
  }
  if (count === 0) return { impute: 0, center: 0, scale: 1 };
  const mean = sum / count;
  let squares = 0;
  for (const v of values) if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
  const std = Math.sqrt(squares / count);
  const center = Math.fround(mean);
  const scale = Number.isFinite(std) && Math.fround(std) > 0 ? Math.fround(std) : 1;
  return { impute: center, center, scale };
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
