/** Building the golden set from a model, its holdout rows and the TypeScript predictions for them (pure). */
import type { Table } from '../data/types.ts';
import type { ModelSignature, Predictions } from '../model/types.ts';
import { GOLDEN_FORMAT, GOLDEN_ROWS, type GoldenExpected, type GoldenSet } from './schema.ts';

export interface GoldenInput {
  readonly modelName: string;
  readonly signature: ModelSignature;
  /** Rows to take from (the holdout set); predictions[i] belongs to table row i. */
  readonly table: Table;
  readonly predictions: Predictions;
  readonly tolerance: number;
  /** Default GOLDEN_ROWS. */
  readonly rows?: number;
}

/** The first `rows` rows of the table as raw values (null = missing) with the model's predictions for them. */
export function buildGoldenSet(input: GoldenInput): GoldenSet {
  const { signature, table, predictions } = input;
  const count = Math.min(input.rows ?? GOLDEN_ROWS, table.rowCount);
  if (count === 0) throw new Error('golden set: the table has no rows');
  const columns = signature.features.map((feature) => {
    const column = table.columns.find((c) => c.name === feature.name);
    if (!column) throw new Error(`golden set: feature column "${feature.name}" is not in the table`);
    return column;
  });
  const classes = signature.classes ?? [];
  const rows: GoldenSet['rows'] = [];
  const expected: GoldenExpected[] = [];
  for (let r = 0; r < count; r++) {
    const row: Record<string, number | string | null> = {};
    for (const column of columns) {
      if (column.type === 'categorical') {
        const code = column.codes[r]!;
        row[column.name] = code < 0 ? null : column.categories[code]!;
      } else {
        const value = column.values[r]!;
        row[column.name] = Number.isNaN(value) ? null : value;
      }
    }
    rows.push(row);
    if (signature.task === 'classification') {
      const probabilities = Array.from(
        predictions.probabilities!.subarray(r * classes.length, (r + 1) * classes.length),
      );
      expected.push({ label: classes[predictions.labelIndex![r]!]!, probabilities });
    } else {
      expected.push({ value: predictions.values![r]! });
    }
  }
  return {
    format: GOLDEN_FORMAT,
    model: input.modelName,
    task: signature.task,
    features: signature.features.map((f) => ({ name: f.name, type: f.type })),
    ...(signature.task === 'classification' ? { classes: [...classes] } : {}),
    tolerance: input.tolerance,
    rows,
    expected,
  };
}
