/**
 * The trained-model format shared by train (produces it), evaluate and export (consume it) and
 * the parity check. Plain arrays of numbers so model.json round-trips exactly through JSON.
 *
 * Semantics mirror the exported ONNX graph exactly:
 * - numeric inputs are float32: every consumer rounds them with Math.fround before use;
 * - a missing numeric value is NaN; a missing or unknown category behaves as missing;
 * - raw scores (one per output) go through `link` to give probabilities or values.
 */

export type Task = 'classification' | 'regression';

export interface FeatureSpec {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
}

/** What the model consumes (the raw columns by name) and produces. */
export interface ModelSignature {
  readonly task: Task;
  readonly target: string;
  /** Inputs, in the model's feature order. */
  readonly features: readonly FeatureSpec[];
  /** Classification only: class labels in output order (probability column k is classes[k]); sorted ascending. */
  readonly classes?: readonly string[];
}

/**
 * Raw score to output. identity: regression (1 output). sigmoid: binary classification (1 output, the
 * score of classes[1]; probabilities are [1-p, p]). softmax: multiclass (one output per class).
 */
export type Link = 'identity' | 'sigmoid' | 'softmax';

/** One regression tree, nodes in parallel arrays; node 0 is the root. */
export interface Tree {
  /** Raw-score index this tree adds to (the class for multiclass, else 0). */
  readonly output: number;
  /** Feature index into signature.features; -1 marks a leaf. */
  readonly feature: readonly number[];
  /**
   * A float32-representable split value: go left when x <= threshold, x being Math.fround(value) for a
   * numeric feature or the category's ordinal code for a categorical one. Unused (0) on set splits.
   */
  readonly threshold: readonly number[];
  /**
   * Categorical set splits (optional; absent when the tree has none): per node, the ordinal codes that
   * go left as ranges [first0, last0, first1, last1, …] (inclusive, ascending, with gaps; see
   * code-ranges.ts); an empty list means the node is a threshold split. A known category outside the
   * ranges goes right; a missing or unseen one follows missingLeft.
   */
  readonly leftCodeRanges?: readonly (readonly number[])[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  /** Direction of a missing value (NaN, missing or unseen category): true = left. */
  readonly missingLeft: readonly boolean[];
  /** Leaf output added to the raw score (float64); 0 on internal nodes. */
  readonly value: readonly number[];
  /** Loss reduction of the split (0 on leaves): the source of gain importance. */
  readonly gain: readonly number[];
  /** Sum of hessians (rows for squared error) that reached the node in training. */
  readonly cover: readonly number[];
}

export interface GbdtModel {
  readonly kind: 'gbdt';
  readonly signature: ModelSignature;
  readonly link: Link;
  /** Raw score before any tree, one per output. */
  readonly baseScore: readonly number[];
  readonly trees: readonly Tree[];
  /**
   * Per categorical feature name: its categories in code order (code = index). The code is the numeric
   * value the trees split on; a missing or unseen category is NaN.
   */
  readonly categoryCodes: Readonly<Record<string, readonly string[]>>;
  /** Trainer parameters after defaults, and what early stopping chose. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface NumericTransform {
  /** Value used when the input is missing (the training mean). */
  readonly impute: number;
  /** Standardisation: (x - center) / scale. */
  readonly center: number;
  readonly scale: number;
}

/**
 * Linear model on a design matrix whose columns are, in signature feature order: one standardised
 * column per numeric feature, one 0/1 column per listed category of a categorical feature
 * (a missing or unseen category is all zeros).
 */
export interface LinearModel {
  readonly kind: 'linear';
  readonly signature: ModelSignature;
  readonly link: Link;
  readonly numeric: Readonly<Record<string, NumericTransform>>;
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** weights[designColumn][output] */
  readonly weights: readonly (readonly number[])[];
  /** bias[output] */
  readonly bias: readonly number[];
  readonly params: Readonly<Record<string, unknown>>;
}

export type Model = GbdtModel | LinearModel;

/** Predictions for a batch of rows; arrays are row-major. */
export interface Predictions {
  readonly rowCount: number;
  /** Classification: rowCount x classes probabilities. */
  readonly probabilities?: Float64Array;
  /** Classification: index into signature.classes of the most probable class (first on ties). */
  readonly labelIndex?: Int32Array;
  /** Regression: predicted values. */
  readonly values?: Float64Array;
}

/** Names of the ONNX graph outputs (inputs are the feature names). */
export const ONNX_OUTPUTS = {
  /** string [N]: predicted class label. */
  label: 'label',
  /** float [N, classes]: class probabilities in signature.classes order. */
  probabilities: 'probabilities',
  /** double [N]: predicted value (regression). */
  value: 'value',
} as const;
