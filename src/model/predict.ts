/**
 * Model inference in TypeScript: the reference the ONNX export is checked against, and what evaluate uses.
 */
import type { Table } from '../data/types.ts';
import { predictGbdt } from './predict-gbdt.ts';
import { predictLinear } from './predict-linear.ts';
import type { Model, Predictions } from './types.ts';

/** Predictions of `model` for every row of `table` (feature columns found by name). */
export function predict(model: Model, table: Table): Predictions {
  switch (model.kind) {
    case 'gbdt':
      return predictGbdt(model, table);
    case 'linear':
      return predictLinear(model, table);
  }
}

/** Predicted class label per row. Classification only: a regression model has no labels. */
export function labelsOf(model: Model, predictions: Predictions): string[] {
  const classes = model.signature.classes;
  const labelIndex = predictions.labelIndex;
  if (model.signature.task !== 'classification' || !classes || !labelIndex) {
    throw new Error(`labelsOf needs classification predictions; model task is ${model.signature.task}`);
  }
  return Array.from(labelIndex, (k) => classes[k]!);
}
