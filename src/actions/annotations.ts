/**
 * Data anomalies as workflow annotations. GitHub shows at most 10 annotations of each level per step, so only the
 * worst are annotated and one notice says how many more the job summary lists.
 */
import type { Anomaly } from '../validate/index.ts';
import type { Annotation } from './deps.ts';

/** Annotations GitHub shows per level and step. */
export const ANNOTATIONS_PER_LEVEL = 10;

export interface AnomalyAnnotationOptions {
  /** Error annotations already used by the step (the failure itself): they count against the same limit. */
  readonly errorsUsed?: number;
}

/**
 * Errors before warnings, then the anomalies that stand for the most rows, then file order: one annotation each
 * (at the file and line when known), up to GitHub's limit per level, plus a notice when some were left out.
 */
export function anomalyAnnotations(
  anomalies: readonly Anomaly[],
  options: AnomalyAnnotationOptions = {},
): Annotation[] {
  const ranked = [...anomalies].sort(
    (a, b) =>
      severityRank(a) - severityRank(b) ||
      (b.count ?? 1) - (a.count ?? 1) ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0),
  );
  const room = { error: ANNOTATIONS_PER_LEVEL - (options.errorsUsed ?? 0), warning: ANNOTATIONS_PER_LEVEL };
  const shown: Annotation[] = [];
  let left = 0;
  for (const anomaly of ranked) {
    const level = anomaly.severity === 'error' ? 'error' : 'warning';
    if (room[level] <= 0) {
      left++;
      continue;
    }
    room[level]--;
    shown.push({
      level,
      title: `Data ${anomaly.severity}: ${anomaly.kind.replace(/_/g, ' ')}${anomaly.column ? ` (${anomaly.column})` : ''}`,
      message: anomaly.message,
      ...(anomaly.file ? { file: anomaly.file } : {}),
      ...(anomaly.file && anomaly.line ? { line: anomaly.line } : {}),
    });
  }
  if (left > 0) {
    shown.push({
      level: 'notice',
      title: 'More data anomalies',
      message: `${left} more data anomal${left === 1 ? 'y is' : 'ies are'} listed in the job summary`,
    });
  }
  return shown;
}

function severityRank(anomaly: Anomaly): number {
  return anomaly.severity === 'error' ? 0 : 1;
}
