/**
 * The server's live view: a rolling window of the last `capacity` rows of inputs and predictions, kept as bucket
 * indices on the training profile's buckets (numeric: quantile bins + missing; categorical: top categories +
 * other + missing) in ring buffers, with running counts per bucket. Adding a row is O(features) — a bucket
 * lookup and two counter updates per column — and memory is fixed (capacity × columns × 2 bytes); the drift
 * figures are computed from the counts only when asked for (GET /v2/models/{name}/monitor, a /metrics scrape).
 */
import { binIndex } from '../drift/buckets.ts';
import type { ModelSignature } from '../model/types.ts';
import type { CategoricalColumnProfile, DataProfile, NumericColumnProfile } from '../validate/types.ts';
import { decide } from './decision.ts';
import {
  confusionLabelProfile,
  inputDriftFromCounts,
  PREDICTION_COLUMN,
  predictionDriftFromCounts,
} from './drift-counts.ts';
import type { Decision, InputDrift, MonitorOptions, PredictionDrift } from './types.ts';

/** What the live view knows of its model. */
export interface LiveModel {
  readonly name: string;
  readonly version: string;
  /** Feature names in the order rows are given (the model signature's). */
  readonly features: readonly string[];
  readonly trainingProfile: DataProfile;
  /** Holdout predictions' profile (one column "prediction"), or null. */
  readonly predictionProfile: DataProfile | null;
}

/** The live view's report (the JSON of GET /v2/models/{name}/monitor). */
export interface LiveReport {
  readonly retrain: boolean;
  readonly severity: Decision['severity'];
  readonly reasons: readonly string[];
  readonly model: { readonly name: string; readonly version: string };
  readonly window: {
    readonly kind: 'server';
    readonly rows: number;
    readonly capacity: number;
    readonly rows_seen: number;
  };
  readonly input_drift: InputDrift;
  readonly prediction_drift: PredictionDrift;
  readonly decision: Decision;
}

/** A column tracked in the window: how a value finds its bucket, and the ring of bucket indices. */
class TrackedColumn {
  readonly counts: Int32Array;
  readonly ring: Uint16Array;
  private readonly categoryBucket: Map<string, number> | undefined;
  private readonly edges: readonly number[] | undefined;
  readonly missingBucket: number;
  readonly name: string;

  constructor(name: string, profile: NumericColumnProfile | CategoricalColumnProfile, capacity: number) {
    this.name = name;
    if (profile.type === 'numeric') {
      this.edges = profile.histogram.edges;
      this.missingBucket = profile.histogram.counts.length;
    } else {
      this.categoryBucket = new Map(profile.top.map((entry, i) => [entry.value, i]));
      this.missingBucket = profile.top.length + 1; // after "other"
    }
    this.counts = new Int32Array(this.missingBucket + 1);
    this.ring = new Uint16Array(capacity);
  }

  bucketOf(value: unknown): number {
    if (this.edges)
      return typeof value === 'number' && Number.isFinite(value) ? binIndex(this.edges, value) : this.missingBucket;
    if (typeof value !== 'string' || value === '') return this.missingBucket;
    return this.categoryBucket!.get(value) ?? this.missingBucket - 1;
  }
}

export class LiveWindow {
  private readonly inputs: (TrackedColumn | undefined)[];
  private readonly prediction: TrackedColumn | undefined;
  private readonly capacity: number;
  private next = 0;
  private size = 0;
  private seen = 0;
  readonly model: LiveModel;
  private readonly options: MonitorOptions;

  constructor(model: LiveModel, options: MonitorOptions) {
    this.model = model;
    this.options = options;
    this.capacity = options.window;
    const profiles = new Map(model.trainingProfile.columns.map((c) => [c.name, c]));
    this.inputs = model.features.map((name) => {
      const profile = profiles.get(name);
      return profile && profile.type !== 'datetime' ? new TrackedColumn(name, profile, this.capacity) : undefined;
    });
    const predicted = model.predictionProfile?.columns[0];
    this.prediction =
      predicted && predicted.type !== 'datetime'
        ? new TrackedColumn(PREDICTION_COLUMN, predicted, this.capacity)
        : undefined;
  }

  /**
   * Adds `rows` rows: `inputs[j][r]` is feature j of row r as the client sent it (a number or null for numeric
   * features, a string with "" for missing for categorical ones); `predicted[r]` the label or value.
   */
  add(
    rows: number,
    inputs: readonly (readonly (number | null)[] | readonly string[])[],
    predicted: ArrayLike<string | number> | undefined,
  ): void {
    for (let r = 0; r < rows; r++) {
      const slot = this.next;
      const evict = this.size === this.capacity;
      for (let j = 0; j < this.inputs.length; j++) {
        const column = this.inputs[j];
        if (column) this.put(column, slot, evict, inputs[j]?.[r]);
      }
      if (this.prediction && predicted) this.put(this.prediction, slot, evict, predicted[r]);
      this.next = slot + 1 === this.capacity ? 0 : slot + 1;
      if (!evict) this.size++;
      this.seen++;
    }
  }

  private put(column: TrackedColumn, slot: number, evict: boolean, value: unknown): void {
    if (evict) column.counts[column.ring[slot]]--;
    const bucket = column.bucketOf(value);
    column.ring[slot] = bucket;
    column.counts[bucket]++;
  }

  /** Rows in the window now. */
  get rows(): number {
    return this.size;
  }

  /** The drift figures and decision of the rows in the window (feedback is the CLI's: not part of the live view). */
  report(): LiveReport {
    const counts = new Map<string, number[]>();
    for (const column of this.inputs) if (column) counts.set(column.name, Array.from(column.counts));
    const inputDrift = inputDriftFromCounts(this.model.trainingProfile, counts, this.size, this.options);
    const predictionDriftResult = this.predictionReport();
    const decision = decide({
      inputDrift,
      predictionDrift: predictionDriftResult,
      feedback: { status: 'unavailable', reason: 'feedback is scored by "conveyor monitor", not by the server' },
    });
    return {
      retrain: decision.retrain,
      severity: decision.severity,
      reasons: decision.reasons.filter((r) => r.retrain).map((r) => r.message),
      model: { name: this.model.name, version: this.model.version },
      window: { kind: 'server', rows: this.size, capacity: this.capacity, rows_seen: this.seen },
      input_drift: inputDrift,
      prediction_drift: predictionDriftResult,
      decision,
    };
  }

  private predictionReport(): PredictionDrift {
    if (!this.prediction) return predictionDriftFromCounts(null, [], this.options);
    return predictionDriftFromCounts(this.model.predictionProfile, Array.from(this.prediction.counts), this.options);
  }
}

/**
 * The live view's model from a served model's signature and card, or why there is none: the card must carry a
 * training profile (Conveyor cards do; a bare folder with only model.onnx does not). The card was checked when it
 * was registered; here only the parts the window reads are checked, by shape, so the server does not load the card
 * schema (and the evaluation and validation code behind it).
 */
export function liveModelOf(
  name: string,
  version: string,
  signature: ModelSignature,
  card: Readonly<Record<string, unknown>> | undefined,
): LiveModel | string {
  if (!card) return 'the model was loaded without a card.json (the training profile is the reference)';
  const training = card.training_profile;
  if (!isProfile(training)) return 'the model card has no usable training_profile';
  let predictionProfile: DataProfile | null = isProfile(card.holdout_predictions) ? card.holdout_predictions : null;
  if (!predictionProfile) {
    const confusion = (card.evaluation as { classification?: { confusion_matrix?: unknown } } | undefined)
      ?.classification?.confusion_matrix as { labels?: unknown; matrix?: unknown } | undefined;
    if (Array.isArray(confusion?.labels) && Array.isArray(confusion?.matrix)) {
      predictionProfile = confusionLabelProfile(confusion as { labels: string[]; matrix: number[][] });
    }
  }
  return {
    name,
    version,
    features: signature.features.map((f) => f.name),
    trainingProfile: training,
    predictionProfile,
  };
}

/** The shape of a DataProfile the window relies on: columns with histogram edges/counts or a top list. */
function isProfile(value: unknown): value is DataProfile {
  const columns = (value as { columns?: unknown } | null | undefined)?.columns;
  if (!Array.isArray(columns)) return false;
  return columns.every((c) => {
    if (typeof c?.name !== 'string') return false;
    if (c.type === 'numeric') {
      return (
        Array.isArray(c.histogram?.edges) &&
        Array.isArray(c.histogram?.counts) &&
        typeof c.histogram?.missing === 'number'
      );
    }
    if (c.type === 'categorical') {
      return Array.isArray(c.top) && typeof c.other_count === 'number' && typeof c.missing === 'number';
    }
    return c.type === 'datetime';
  });
}
