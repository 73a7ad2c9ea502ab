/**
 * Training entry point: one function for every trainer, chosen by `trainer.algorithm`.
 */
import { trainGbdt } from './gbdt/index.ts';
import { trainLinear } from './linear/index.ts';
import type { TrainInput, TrainResult } from './types.ts';

export type { Dataset, TrainInput, TrainProgress, TrainResult } from './types.ts';

/** Trains the model `input.trainer` describes (gbdt or linear) on `input.data`. */
export async function trainModel(input: TrainInput): Promise<TrainResult> {
  switch (input.trainer.algorithm) {
    case 'gbdt':
      return trainGbdt(input);
    case 'linear':
      return trainLinear(input);
  }
}
