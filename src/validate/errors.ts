import { DataError } from '../errors.ts';
import type { Anomaly, ValidationReport } from './types.ts';

/** Errors listed in the message; the rest are counted. */
const LISTED_ERRORS = 5;

/** Data validation found anomalies of severity `error`. Carries every anomaly (errors and warnings). */
export class DataValidationError extends DataError {
  readonly anomalies: readonly Anomaly[];

  constructor(anomalies: readonly Anomaly[]) {
    super(summariseErrors(anomalies));
    this.anomalies = anomalies;
  }
}

/** Throw DataValidationError when the report has an error-severity anomaly; return the report otherwise. */
export function assertValidData(report: ValidationReport): ValidationReport {
  if (!report.ok) throw new DataValidationError(report.anomalies);
  return report;
}

function summariseErrors(anomalies: readonly Anomaly[]): string {
  const errors = anomalies.filter((anomaly) => anomaly.severity === 'error');
  const lines = [`data validation failed with ${errors.length} error(s):`];
  for (const error of errors.slice(0, LISTED_ERRORS)) lines.push(`  - ${error.message}`);
  if (errors.length > LISTED_ERRORS) lines.push(`  … and ${errors.length - LISTED_ERRORS} more error(s)`);
  return lines.join('\n');
}
