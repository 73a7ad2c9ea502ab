/**
 * Curves of a classifier's holdout scores: ROC (false vs true positive rate) and precision–recall, one
 * per class against the rest (binary: the second class is the positive one, as in roc_auc). Points are
 * taken at every distinct score, tied scores moving together, so the ROC's trapezoid area is exactly the
 * Mann–Whitney AUC that evaluation reports. Plots get at most `maxPoints` of them.
 */

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

export interface ClassCurves {
  /** The positive class. */
  readonly label: string;
  readonly positives: number;
  readonly negatives: number;
  /** x = false positive rate, y = true positive rate; from (0,0) to (1,1). */
  readonly roc: readonly CurvePoint[];
  /** Trapezoid area under the full ROC curve. */
  readonly auc: number;
  /** x = recall, y = precision; starts at recall 0 with the first threshold's precision. */
  readonly pr: readonly CurvePoint[];
  /** Average precision: Σ (recall_k − recall_{k−1}) · precision_k over thresholds. */
  readonly averagePrecision: number;
}

/** Points of a plot: at most this many per curve (every point when fewer). */
export const MAX_CURVE_POINTS = 200;

/** ROC and PR of `score` for rows where `positive` holds; null without both positives and negatives. */
export function binaryCurves(
  label: string,
  score: ArrayLike<number>,
  positive: ArrayLike<boolean>,
  maxPoints = MAX_CURVE_POINTS,
): ClassCurves | null {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let averagePrecision = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && score[order[end + 1]!] === score[order[start]!]) end++;
    for (let j = start; j <= end; j++) {
      if (positive[order[j]!]) tp++;
      else fp++;
    }
    const point = { x: fp / negatives, y: tp / positives };
    const previous = roc[roc.length - 1]!;
    auc += ((point.x - previous.x) * (point.y + previous.y)) / 2;
    roc.push(point);
    const recall = tp / positives;
    const precision = tp / (tp + fp);
    averagePrecision += (recall - (pr.length > 0 ? pr[pr.length - 1]!.x : 0)) * precision;
    if (pr.length === 0) pr.push({ x: 0, y: precision });
    pr.push({ x: recall, y: precision });
    start = end + 1;
  }
  return {
    label,
    positives,
    negatives,
    roc: thin(roc, maxPoints),
    auc,
    pr: thin(pr, maxPoints),
    averagePrecision,
  };
}

/**
 * One-vs-rest curves of every class with both positives and negatives in the holdout (binary: the
 * second class only). `probabilities` is rows × classes; `actual` holds class indices.
 */
export function classifierCurves(
  classes: readonly string[],
  actual: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  maxPoints = MAX_CURVE_POINTS,
): ClassCurves[] {
  const rows = actual.length;
  const k = classes.length;
  const positiveClasses = k === 2 ? [1] : classes.map((_, c) => c);
  const curves: ClassCurves[] = [];
  for (const c of positiveClasses) {
    const score = Float64Array.from({ length: rows }, (_, i) => probabilities[i * k + c]!);
    const positive = Array.from({ length: rows }, (_, i) => actual[i] === c);
    const curve = binaryCurves(classes[c]!, score, positive, maxPoints);
    if (curve) curves.push(curve);
  }
  return curves;
}

/** Keep at most `max` points, evenly spaced by index, always with the first and the last. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const kept: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) kept.push(points[Math.round(i * step)]!);
  return kept;
}

/** At most `max` row indices of `rows`, evenly spaced (a deterministic sample for scatter plots). */
export function sampleRows(rows: number, max: number): number[] {
  if (rows <= max) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * rows) / max));
}
