/**
 * The live view as Prometheus gauges, computed at scrape time from the rolling window (never on the request
 * path): window size, per-column drift statistic and verdict, data-set verdict, prediction drift, retrain.
 * A check without a verdict (not enough data) leaves its series out rather than reporting a made-up 0.
 */
import { Gauge, type Registry } from 'prom-client';
import type { LiveReport } from './live.ts';

export function registerLiveGauges(registry: Registry, report: () => LiveReport | undefined): void {
  const registers = [registry];
  const windowRows = new Gauge({
    name: 'conveyor_monitor_window_rows',
    help: 'Rows in the live monitoring window (the most recent inputs, up to monitor.window).',
    registers,
    // One collect fills every gauge from one report; this gauge is registered first, so it runs before the
    // others are read.
    collect() {
      for (const gauge of [
        windowRows,
        columnScore,
        columnDrifted,
        datasetDrift,
        driftedShare,
        predictionScore,
        retrain,
      ]) {
        gauge.reset();
      }
      const current = report();
      if (!current) return;
      windowRows.set(current.window.rows);
      const input = current.input_drift;
      if (input.status === 'ok') {
        for (const column of input.columns) {
          columnScore.set({ column: column.column, method: column.method }, column.score);
          columnDrifted.set({ column: column.column }, column.drifted ? 1 : 0);
        }
        datasetDrift.set(input.dataset_drift ? 1 : 0);
        driftedShare.set(input.share);
      }
      const prediction = current.prediction_drift;
      if (prediction.status === 'ok') predictionScore.set({ method: prediction.method }, prediction.score);
      retrain.set(current.retrain ? 1 : 0);
    },
  });
  const columnScore = new Gauge({
    name: 'conveyor_monitor_column_drift_score',
    help: 'Drift statistic per input column against the training profile: PSI, Jensen-Shannon distance, or the chi-squared p-value (small windows), by method.',
    labelNames: ['column', 'method'] as const,
    registers,
  });
  const columnDrifted = new Gauge({
    name: 'conveyor_monitor_column_drifted',
    help: 'Whether the input column drifted (1) or not (0) at the configured thresholds.',
    labelNames: ['column'] as const,
    registers,
  });
  const datasetDrift = new Gauge({
    name: 'conveyor_monitor_dataset_drift',
    help: 'Data-set drift verdict: 1 when at least monitor.dataset_share of the columns drifted.',
    registers,
  });
  const driftedShare = new Gauge({
    name: 'conveyor_monitor_drifted_columns_share',
    help: 'Share of the compared input columns that drifted.',
    registers,
  });
  const predictionScore = new Gauge({
    name: 'conveyor_monitor_prediction_drift_score',
    help: 'Drift statistic of the predictions against the holdout predictions recorded at training, by method.',
    labelNames: ['method'] as const,
    registers,
  });
  const retrain = new Gauge({
    name: 'conveyor_monitor_retrain',
    help: 'The live decision: 1 when drift asks for a retrain.',
    registers,
  });
}
