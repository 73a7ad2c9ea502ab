/** ROC and precision–recall points by hand, and the ROC area equal to evaluation's Mann–Whitney AUC with ties. */
import { describe, expect, it } from 'vitest';
import { binaryAuc } from '../../src/evaluate/index.ts';
import { binaryCurves, classifierCurves } from '../../src/report/index.ts';

describe('curves', () => {
  it('steps through distinct scores, tied scores together', () => {
    // scores 0.9 (+), 0.8 (−), 0.8 (+), 0.3 (−)
    const curve = binaryCurves('yes', [0.9, 0.8, 0.8, 0.3], [true, false, true, false])!;
    expect(curve.roc).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 0.5 },
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
    ]);
    expect(curve.auc).toBeCloseTo(0.875, 12);
    expect(curve.auc).toBeCloseTo(binaryAuc([0.9, 0.8, 0.8, 0.3], [true, false, true, false])!, 12);
    expect(curve.pr).toEqual([
      { x: 0, y: 1 },
      { x: 0.5, y: 1 },
      { x: 1, y: 2 / 3 },
      { x: 1, y: 0.5 },
    ]);
    expect(curve.averagePrecision).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it('has no curve without both positives and negatives', () => {
    expect(binaryCurves('yes', [0.1, 0.2], [true, true])).toBeNull();
  });

  it('agrees with binaryAuc on random scores and thins plotted points to the limit, ends kept', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const score = Array.from({ length: 2000 }, () => Math.round(random() * 500) / 500);
    const positive = score.map((s) => random() < s);
    const curve = binaryCurves('yes', score, positive, 50)!;
    expect(curve.auc).toBeCloseTo(binaryAuc(score, positive)!, 12);
    expect(curve.roc).toHaveLength(50);
    expect(curve.roc[0]).toEqual({ x: 0, y: 0 });
    expect(curve.roc[49]).toEqual({ x: 1, y: 1 });
  });

  it('draws one curve per class for multiclass and the second class for binary', () => {
    const probabilities = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.6, 0.3, 0.1];
    expect(classifierCurves(['a', 'b', 'c'], [0, 1, 2, 1], probabilities).map((c) => c.label)).toEqual(['a', 'b', 'c']);
    expect(classifierCurves(['no', 'yes'], [0, 1, 1], [0.9, 0.1, 0.3, 0.7, 0.4, 0.6]).map((c) => c.label)).toEqual([
      'yes',
    ]);
  });
});
