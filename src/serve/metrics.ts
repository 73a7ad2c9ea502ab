/**
 * Prometheus metrics of one server, in its own prom-client Registry (two servers in one process do not
 * share counters). Names start with `conveyor_`; process metrics are prom-client's defaults.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ModelSignature } from '../model/types.ts';
import { PlainHistogram } from './plain-histogram.ts';

/** Request latency buckets (seconds): 100 µs .. 10 s. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const ROW_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'conveyor_http_requests_total',
    help: 'HTTP requests by route (pattern), method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new PlainHistogram<'route' | 'method'>({
    name: 'conveyor_http_request_duration_seconds',
    help: 'HTTP request latency, from the request line to the response written.',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly phaseSeconds = new PlainHistogram<'phase'>({
    name: 'conveyor_model_phase_duration_seconds',
    help: 'Time in each step of a request: preprocess (decode + validate), predict (one session run per batch), postprocess (encode).',
    labelNames: ['phase'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** phaseSeconds by phase, its label children looked up once (a request observes two phases). */
  readonly phase = {
    preprocess: this.phaseSeconds.seriesOf({ phase: 'preprocess' }),
    predict: this.phaseSeconds.seriesOf({ phase: 'predict' }),
    postprocess: this.phaseSeconds.seriesOf({ phase: 'postprocess' }),
  };
  readonly batchRows = new PlainHistogram({
    name: 'conveyor_batch_rows',
    help: 'Rows per session run (dynamic batch size).',
    buckets: ROW_BUCKETS,
    registers: [this.registry],
  });
  readonly batchRequests = new PlainHistogram({
    name: 'conveyor_batch_requests',
    help: 'Requests per session run.',
    buckets: ROW_BUCKETS,
    registers: [this.registry],
  });
  readonly queueSeconds = new PlainHistogram({
    name: 'conveyor_batch_queue_delay_seconds',
    help: 'Time a request waited in the batch queue before its batch ran.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly rows = new Counter({
    name: 'conveyor_inference_rows_total',
    help: 'Rows predicted.',
    registers: [this.registry],
  });
  readonly modelInfo = new Gauge({
    name: 'conveyor_model_info',
    help: 'The model in service (value 1), by name, version and sha256 of model.onnx.',
    labelNames: ['name', 'version', 'sha256'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'conveyor_model_reloads_total',
    help: 'Model loads after the first, by outcome (success, failure).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly unseenCategories = new Counter({
    name: 'conveyor_unseen_categories_total',
    help: 'Values of a categorical column that the model did not see in training (it treats them as missing), by column.',
    labelNames: ['column'] as const,
    registers: [this.registry],
  });
  readonly logRecords = new Counter({
    name: 'conveyor_prediction_log_records_total',
    help: 'Prediction log records by outcome: written, dropped (buffer full or write error), unsampled.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly idleCollections = new Counter({
    name: 'conveyor_idle_collections_total',
    help: 'Young-generation collections run between requests (serve.idle_gc); nodejs_gc_duration_seconds counts every collection.',
    registers: [this.registry],
  });
  readonly logRotations = new Counter({
    name: 'conveyor_prediction_log_rotations_total',
    help: 'Prediction log file rotations.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ['success', 'failure']) this.reloads.inc({ outcome }, 0);
    for (const outcome of ['written', 'dropped', 'unsampled']) this.logRecords.inc({ outcome }, 0);
  }

  /** Counts one answered HTTP request: `route` is the route pattern ('unmatched' for none), `seconds` its latency. */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status });
    this.requestSeconds.observe({ route, method }, seconds);
  }

  /** Marks `model` as the one in service (the previous one's series is removed). */
  setModel(model: { name: string; version: string; sha256: string; signature: ModelSignature }): void {
    this.modelInfo.reset();
    this.modelInfo.set({ name: model.name, version: model.version, sha256: model.sha256 }, 1);
    // Every categorical column has a series from the start, so rate() sees the first unseen value.
    for (const feature of model.signature.features) {
      if (feature.type === 'categorical') this.unseenCategories.inc({ column: feature.name }, 0);
    }
  }
}
