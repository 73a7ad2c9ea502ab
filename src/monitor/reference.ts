/**
 * What the monitor compares with, taken from the production model's card: the training profile (inputs) and the
 * profile of the holdout predictions (outputs), recorded at training.
 */
import type { ModelCard } from '../card/index.ts';
import type { Table } from '../data/types.ts';
import type { ModelSignature, Predictions } from '../model/types.ts';
import { computeProfile } from '../validate/index.ts';
import type { DataProfile } from '../validate/types.ts';
import { confusionLabelProfile, PREDICTION_COLUMN } from './drift-counts.ts';
import { buildColumn } from './prediction-log.ts';

/**
 * Profile of a model's predictions on its holdout rows, one column named "prediction": predicted labels as a
 * categorical column (classification), predicted values as a numeric one with quantile bins (regression).
 */
export function holdoutPredictionProfile(signature: ModelSignature, predictions: Predictions): DataProfile {
  const values: (string | number)[] =
    signature.task === 'classification'
      ? Array.from(predictions.labelIndex ?? [], (k) => signature.classes![k])
      : Array.from(predictions.values ?? []);
  const type = signature.task === 'classification' ? 'categorical' : 'numeric';
  const table: Table = { rowCount: values.length, columns: [buildColumn(PREDICTION_COLUMN, type, values)] };
  return computeProfile(table);
}

/**
 * The holdout predictions' profile of a card: recorded as `holdout_predictions` since it was added; for older
 * classification cards, the column sums of the holdout confusion matrix (the same predicted labels). Null when
 * the card has neither (an older regression card).
 */
export function predictionReference(card: ModelCard): DataProfile | null {
  if (card.holdout_predictions) return card.holdout_predictions;
  const confusion = card.evaluation.classification?.confusion_matrix;
  return confusion ? confusionLabelProfile(confusion) : null;
}
