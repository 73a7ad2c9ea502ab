/**
 * A report from files (committed feedback, a data file) combined with a deployed server's live view
 * (GET /v2/models/{name}/monitor): the server's window is production traffic, so its input and prediction drift
 * replace the file-based ones; the feedback stays the file-based check. The decision is made again on the result.
 */
import { decide } from './decision.ts';
import type { LiveReport } from './live.ts';
import type { MonitorReport } from './types.ts';

export function withLiveView(report: MonitorReport, live: LiveReport, url: string): MonitorReport {
  const decision = decide({
    inputDrift: live.input_drift,
    predictionDrift: live.prediction_drift,
    feedback: report.feedback,
  });
  return {
    ...report,
    retrain: decision.retrain,
    severity: decision.severity,
    reasons: decision.reasons.filter((r) => r.retrain).map((r) => r.message),
    window: { kind: 'server', files: [url], rows: live.window.rows, rows_read: live.window.rows_seen },
    input_drift: live.input_drift,
    prediction_drift: live.prediction_drift,
    decision,
    warnings:
      String(live.model.version).replace(/^v/, '') === String(report.model.version)
        ? report.warnings
        : [
            ...report.warnings,
            `the server at ${url} serves ${live.model.name} ${live.model.version}, the registry's ${report.model.ref} is v${report.model.version}`,
          ],
  };
}
