/**
 * The linear trainer: the fast baseline. Logistic regression (binary), softmax regression (multiclass)
 * and ridge regression on standardised, mean-imputed numeric features and one-hot categories.
 */
import type { LinearParams } from '../../config/schema.ts';
import { DataError } from '../../errors.ts';
import { outputCount } from '../../model/link.ts';
import { type LinearDesign, linearDesign, linearScores } from '../../model/predict-linear.ts';
import type { LinearModel, Link } from '../../model/types.ts';
import type { TrainInput, TrainProgress, TrainResult } from '../types.ts';
import { minimizeLbfgs } from './lbfgs.ts';
import { classificationObjective } from './objectives.ts';
import { fitPreprocessing, MAX_CATEGORIES } from './preprocess.ts';
import { solveRidge } from './ridge.ts';

/** Fitted parameters (weights flat: weights[column * outputs + output]) and how the fit went. */
interface Fit {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly history: TrainResult['history'];
  readonly summary: Record<string, number | string>;
}

type ProgressFn = ((event: TrainProgress) => void) | undefined;

/**
 * Trains a linear model. Objective: mean negative log-likelihood (classification) or half the mean
 * squared error (regression) + (l2/2)·‖W‖² on standardised inputs, bias unpenalised. Classification
 * uses L-BFGS from W = 0 and b = the smoothed log class prior, for at most `max_iter` iterations,
 * stopping when the relative objective change is below `tolerance`; regression is solved exactly.
 * Weights and bias are rounded to float32 so a float32 graph holds them exactly. Deterministic
 * (the seed is unused: nothing is random).
 */
export async function trainLinear(input: TrainInput): Promise<TrainResult> {
  const { data, trainer } = input;
  if (trainer.algorithm !== 'linear') throw new Error(`trainLinear called with algorithm "${trainer.algorithm}"`);
  const params = trainer.params;
  const { signature, table, target } = data;
  checkTarget(input);

  const pre = fitPreprocessing(signature, table, MAX_CATEGORIES);
  const design = linearDesign(pre, table);
  const classes = signature.classes?.length ?? 0;
  const link: Link = signature.task === 'regression' ? 'identity' : classes === 2 ? 'sigmoid' : 'softmax';
  const outputs = outputCount(link, classes);
  const fit =
    link === 'identity'
      ? fitRidge(design, target, params, input.onProgress)
      : fitClassifier(design, target, link, classes, params, input.onProgress);

  const summary: Record<string, number | string> = { design_columns: design.columnCount, ...fit.summary };
  const capped = Object.entries(pre.capped);
  if (capped.length > 0) {
    summary.capped_categories = capped
      .map(([name, { seen, kept }]) => `${name}: kept ${kept} most frequent of ${seen}`)
      .join('; ');
  }
  const model: LinearModel = {
    kind: 'linear',
    signature,
    link,
    numeric: pre.numeric,
    categories: pre.categories,
    weights: Array.from({ length: design.columnCount }, (_, c) =>
      Array.from({ length: outputs }, (_, k) => Math.fround(fit.weights[c * outputs + k]!)),
    ),
    bias: Array.from(fit.bias, (b) => Math.fround(b)),
    params: { l2: params.l2, max_iter: params.max_iter, tolerance: params.tolerance, max_categories: MAX_CATEGORIES },
  };
  return { model, history: fit.history, summary };
}

function fitRidge(design: LinearDesign, target: Float64Array, params: LinearParams, onProgress: ProgressFn): Fit {
  const solution = solveRidge(design, target, params.l2);
  const predicted = linearScores(design, solution.weights, [solution.bias], 1);
  let squares = 0;
  for (let i = 0; i < target.length; i++) squares += (target[i]! - predicted[i]!) ** 2;
  const trainLoss = squares / target.length;
  onProgress?.({ iteration: 1, total: 1, trainLoss });
  return {
    weights: solution.weights,
    bias: Float64Array.of(solution.bias),
    history: [{ iteration: 1, trainLoss }],
    summary: { optimiser: 'cholesky', iterations: 1, stop_reason: 'closed_form', train_mse: trainLoss },
  };
}

function fitClassifier(
  design: LinearDesign,
  target: Float64Array,
  link: Link,
  classes: number,
  params: LinearParams,
  onProgress: ProgressFn,
): Fit {
  const outputs = outputCount(link, classes);
  const weightCount = design.columnCount * outputs;
  const theta = new Float64Array(weightCount + outputs);
  theta.set(priorScores(target, classes, link), weightCount);
  const loss = link === 'sigmoid' ? 'logistic' : 'softmax';
  const objective = classificationObjective(loss, design, target, outputs, params.l2);
  const history: { iteration: number; trainLoss: number }[] = [];
  const result = minimizeLbfgs(objective, theta, {
    maxIter: params.max_iter,
    tolerance: params.tolerance,
    onIteration: (iteration, value, x) => {
      // Report the log loss itself, without the penalty.
      let squares = 0;
      for (let j = 0; j < weightCount; j++) squares += x[j]! * x[j]!;
      const trainLoss = value - 0.5 * params.l2 * squares;
      history.push({ iteration, trainLoss });
      onProgress?.({ iteration, total: params.max_iter, trainLoss });
    },
  });
  return {
    weights: result.x.subarray(0, weightCount),
    bias: result.x.subarray(weightCount),
    history,
    summary: {
      optimiser: 'lbfgs',
      iterations: result.iterations,
      stop_reason: result.reason,
      train_log_loss: history.at(-1)?.trainLoss ?? result.value,
    },
  };
}

function checkTarget({ data }: TrainInput): void {
  const { signature, table, target } = data;
  if (table.rowCount === 0) throw new DataError('no training rows');
  if (target.length !== table.rowCount) {
    throw new Error(`target has ${target.length} values for ${table.rowCount} rows`);
  }
  const classes = signature.classes?.length ?? 0;
  if (signature.task === 'classification' && classes < 2) {
    throw new DataError(`classification needs at least 2 classes; the signature lists ${classes}`);
  }
  for (let i = 0; i < target.length; i++) {
    const y = target[i]!;
    const ok = signature.task === 'regression' ? Number.isFinite(y) : Number.isInteger(y) && y >= 0 && y < classes;
    if (!ok) {
      const expected = signature.task === 'regression' ? 'a finite number' : `a class index in [0, ${classes})`;
      throw new DataError(`training row ${i}: target "${signature.target}" is ${y}; expected ${expected}`);
    }
  }
}

/** Starting bias: log of the class shares smoothed by half a row per class (logit for the sigmoid). */
function priorScores(target: Float64Array, classes: number, link: Link): Float64Array {
  const counts = new Float64Array(classes);
  for (const y of target) counts[y]!++;
  const total = target.length + 0.5 * classes;
  const logShare = Array.from(counts, (c) => Math.log((c + 0.5) / total));
  if (link === 'sigmoid') return Float64Array.of(logShare[1]! - logShare[0]!);
  return Float64Array.from(logShare);
}
