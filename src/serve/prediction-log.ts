/**
 * The prediction log the monitor reads: a sampled share of requests, one JSON line per request, in a
 * bounded set of rotating files.
 *
 * Line format (one JSON object, keys in this order; numbers as JSON numbers):
 *   {"ts": "2026-11-25T17:03:01.123Z",       // ISO-8601 UTC time the prediction was made
 *    "request_id": "…",                       // the request's id (the client's OIP "id", else generated)
 *    "model_name": "penguins", "model_version": "v3",
 *    "endpoint": "infer" | "predict",
 *    "rows": 2,
 *    "inputs": {"island": ["Biscoe", null], "bill_length_mm": [39.1, null], …},
 *    "outputs": {"label": ["Adelie", "Gentoo"], "probabilities": [[0.98, 0.01, 0.01], […]]},
 *    "unseen": {"island": 1}}
 * `inputs` has one array per model feature (every feature, in signature order), `rows` long; numbers are
 * as the client sent them (before float32 rounding); null is a missing value (for categories too).
 * `outputs` is {label, probabilities} (probabilities per row in the model's class order, see GET
 * /v2/models/{name} `parameters.classes`) for classification, {value} for regression.
 * `unseen` counts, per categorical column, the request's non-missing values the model did not see in
 * training (it treats them as missing); only columns with at least one are listed ({} when none).
 *
 * Files: `path` is written; when the next lines would take it past `maxBytes` it is renamed `path.1`
 * (older ones shift to `path.2` … `path.<maxFiles>`, the oldest is deleted) and a new `path` started. A line
 * is never split across files; a single line longer than `maxBytes` gets a file of its own.
 *
 * Several servers may share one `path` (replicas started in the same folder): each group of lines is
 * appended while holding the lock file `path.lock`, after checking that its open file is still `path`
 * (another server may have rotated it) and taking the size from the file itself, so rotation happens once
 * and nobody keeps writing into a rotated file.
 *
 * Off the request path: `record()` samples and stages the record (O(1)); once the turn's responses are out
 * (setImmediate) staged records become lines, and a timer appends the lines in one write. When more than
 * `maxPendingBytes` of lines wait (the disk is slower than the traffic), new records are dropped and
 * counted rather than slowing requests down. Lines are formatted early so that requests' arrays do not
 * outlive them (they would otherwise survive into the old generation and cost GC time).
 */

import { existsSync, mkdirSync } from 'node:fs';
import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Random } from '../lib/random.ts';
import type { ModelSignature } from '../model/types.ts';
import { isCode, withLock } from '../registry/fs-atomic.ts';
import { jsonNumbers, type ModelOutputs, type RowBlock } from './codec.ts';
import type { PredictionLogOptions } from './types.ts';

/** Delay between a record and the write that carries it (ms): lines are appended in groups. */
const FLUSH_DELAY_MS = 25;
const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** A server waits this long for another server's write to the same log; a lock older than it is abandoned. */
const LOCK_TIMEOUT_MS = 10_000;

/** One line of the prediction log, as JSON.parse returns it (see the module comment). */
export interface PredictionLogLine {
  /** ISO-8601 UTC time of the prediction. */
  readonly ts: string;
  readonly request_id: string;
  readonly model_name: string;
  readonly model_version: string;
  readonly endpoint: 'infer' | 'predict';
  readonly rows: number;
  /** Feature name → `rows` values; null is missing. */
  readonly inputs: Readonly<Record<string, readonly (number | string | null)[]>>;
  readonly outputs:
    | { readonly label: readonly string[]; readonly probabilities: readonly (readonly number[])[] }
    | { readonly value: readonly number[] };
  /** Categorical column → values the model did not see in training (only columns with at least one). */
  readonly unseen: Readonly<Record<string, number>>;
}

/** The log's files that exist, oldest first: path.<maxFiles> … path.1, then path. */
export function predictionLogFiles(path: string, maxFiles: number): string[] {
  const files: string[] = [];
  for (let i = maxFiles; i >= 1; i--) if (existsSync(`${path}.${i}`)) files.push(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  return files;
}

export interface PredictionRecord {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly requestId: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly endpoint: 'infer' | 'predict';
  readonly signature: ModelSignature;
  readonly block: RowBlock;
  readonly outputs: ModelOutputs;
  /** Per feature index, unseen categories (absent when there are none). */
  readonly unseen?: readonly number[];
}

export type PredictionLogOutcome = 'written' | 'dropped' | 'unsampled';

export interface PredictionLogEvents {
  /** Counts records by outcome. */
  onRecords?(outcome: PredictionLogOutcome, count: number): void;
  onRotate?(): void;
  /** A write failed (the records in it are counted as dropped). */
  onError?(error: unknown): void;
}

export class PredictionLog {
  private readonly random: Random;
  private staged: PredictionRecord[] = [];
  private stageTimer: NodeJS.Immediate | undefined;
  /** Lines as UTF-8, encoded as they are made: their strings die young, and their sizes are bytes. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private file: FileHandle | undefined;
  private size = 0;
  private closed = false;

  readonly options: PredictionLogOptions;
  private readonly events: PredictionLogEvents;

  constructor(options: PredictionLogOptions, events: PredictionLogEvents = {}) {
    this.options = options;
    this.events = events;
    if (!(options.sampleRate >= 0 && options.sampleRate <= 1)) {
      throw new RangeError(`prediction log sample rate must be in [0, 1], got ${options.sampleRate}`);
    }
    if (!(options.maxBytes >= 1) || !(options.maxFiles >= 1)) {
      throw new RangeError('prediction log maxBytes and maxFiles must be at least 1');
    }
    this.random = new Random(options.seed ?? 0);
  }

  /** Samples the record and stages it for writing; never waits on the disk. */
  record(record: PredictionRecord): void {
    if (this.closed) return;
    const rate = this.options.sampleRate;
    if (rate < 1 && !(rate > 0 && this.random.next() < rate)) {
      this.events.onRecords?.('unsampled', 1);
      return;
    }
    this.staged.push(record);
    this.stageTimer ??= setImmediate(() => this.stage());
  }

  /** Writes every record so far; resolves when they are on disk (or counted as dropped). */
  flush(): Promise<void> {
    this.stage();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const lines = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (lines.length > 0) {
        try {
          await this.write(lines);
          this.events.onRecords?.('written', lines.length);
        } catch (error) {
          this.events.onRecords?.('dropped', lines.length);
          this.events.onError?.(error);
        }
      }
      // Lines count as pending until written, so a slow disk bounds the queue.
      this.pendingBytes -= bytes;
    });
    return this.writing;
  }

  /** Staged records → pending lines (dropping what does not fit), and a write scheduled. */
  private stage(): void {
    if (this.stageTimer) {
      clearImmediate(this.stageTimer);
      this.stageTimer = undefined;
    }
    const limit = this.options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    let dropped = 0;
    for (const record of this.staged) {
      const line = Buffer.from(formatLine(record));
      if (this.pendingBytes + line.length > limit) {
        dropped++;
        continue;
      }
      this.pending.push(line);
      this.pendingBytes += line.length;
    }
    this.staged = [];
    if (dropped > 0) this.events.onRecords?.('dropped', dropped);
    if (this.pending.length > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FLUSH_DELAY_MS).unref();
    }
  }

  /** Flushes and closes the file; later records are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.writing;
    await this.file?.close();
    this.file = undefined;
  }

  private async write(lines: Buffer[]): Promise<void> {
    mkdirSync(dirname(this.options.path), { recursive: true });
    await withLock(`${this.options.path}.lock`, () => this.writeLocked(lines), {
      timeoutMs: LOCK_TIMEOUT_MS,
      staleMs: LOCK_TIMEOUT_MS,
    });
  }

  private async writeLocked(lines: Buffer[]): Promise<void> {
    await this.openFile();
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = line.length;
      if (this.size + chunkBytes + bytes > this.options.maxBytes && this.size + chunkBytes > 0) {
        await this.append(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
        await this.rotate();
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    await this.append(chunk, chunkBytes);
  }

  private async append(lines: Buffer[], bytes: number): Promise<void> {
    if (lines.length === 0) return;
    await this.file!.appendFile(lines.length === 1 ? lines[0]! : Buffer.concat(lines, bytes));
    this.size += bytes;
  }

  /** Opens `path` for appending, or keeps the open file when it is still `path`; its size from the file. */
  private async openFile(): Promise<void> {
    if (this.file) {
      const [named, opened] = await Promise.all([stat(this.options.path).catch(notFound), this.file.stat()]);
      if (named && named.ino === opened.ino && named.dev === opened.dev) {
        this.size = opened.size;
        return;
      }
      // Another server rotated (or someone removed) the file this one had open.
      await this.file.close();
      this.file = undefined;
    }
    this.file = await open(this.options.path, 'a');
    this.size = (await this.file.stat()).size;
  }

  private async rotate(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    const path = this.options.path;
    for (let i = this.options.maxFiles - 1; i >= 1; i--) {
      if (await exists(`${path}.${i}`)) await rename(`${path}.${i}`, `${path}.${i + 1}`);
    }
    await rename(path, `${path}.1`);
    this.events.onRotate?.();
    await this.openFile();
  }
}

function notFound(error: unknown): undefined {
  if (isCode(error, 'ENOENT')) return undefined;
  throw error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** One record as a JSON line (see the module comment). */
export function formatLine(record: PredictionRecord): string {
  // Written piece by piece rather than through JSON.stringify of an object: on the request thread this costs
  // less than half as much, and no object keyed by column names is built (a column may be "__proto__").
  const { signature, block, outputs } = record;
  const keys = featureKeys(signature);
  let inputs = '';
  for (let j = 0; j < keys.length; j++) {
    const sent = block.sent[j] ?? [];
    const values =
      signature.features[j]!.type === 'numeric'
        ? `[${jsonNumbers(sent as readonly (number | null)[], 0, sent.length)}]`
        : stringsOrNull(sent as readonly string[]);
    inputs += j === 0 ? `${keys[j]}:${values}` : `,${keys[j]}:${values}`;
  }
  let logged: string;
  if (signature.task === 'regression') {
    logged = `{"value":[${jsonNumbers(outputs.value ?? new Float64Array(0), 0, outputs.rows)}]}`;
  } else {
    const k = signature.classes?.length ?? 0;
    let rows = '';
    for (let r = 0; r < outputs.rows; r++) {
      const row = `[${jsonNumbers(outputs.probabilities!, r * k, (r + 1) * k)}]`;
      rows += r === 0 ? row : `,${row}`;
    }
    logged = `{"label":${JSON.stringify(outputs.label ?? [])},"probabilities":[${rows}]}`;
  }
  let unseen = '';
  if (record.unseen) {
    for (let j = 0; j < keys.length; j++) {
      const count = record.unseen[j]!;
      if (count > 0) unseen += unseen === '' ? `${keys[j]}:${count}` : `,${keys[j]}:${count}`;
    }
  }
  return (
    `{"ts":"${isoTime(record.time)}","request_id":${JSON.stringify(record.requestId)},${modelFields(record)},` +
    `"rows":${block.rows},"inputs":{${inputs}},"outputs":${logged},"unseen":{${unseen}}}\n`
  );
}

/** The last time formatted: the records of one batch share their millisecond. */
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(time: number): string {
  if (time !== lastTime) {
    lastIso = new Date(time).toISOString();
    lastTime = time;
  }
  return lastIso;
}

/** The model and endpoint fields, formatted once while they stay the same. */
let lastModel = { name: '', version: '', endpoint: '', text: '' };
function modelFields(record: PredictionRecord): string {
  const { modelName: name, modelVersion: version, endpoint } = record;
  if (name !== lastModel.name || version !== lastModel.version || endpoint !== lastModel.endpoint) {
    const text = `"model_name":${JSON.stringify(name)},"model_version":${JSON.stringify(version)},"endpoint":"${endpoint}"`;
    lastModel = { name, version, endpoint, text };
  }
  return lastModel.text;
}

/** Each feature name as a JSON string, once per signature. */
const featureKeyCache = new WeakMap<ModelSignature, readonly string[]>();
function featureKeys(signature: ModelSignature): readonly string[] {
  let keys = featureKeyCache.get(signature);
  if (!keys) {
    keys = signature.features.map((feature) => JSON.stringify(feature.name));
    featureKeyCache.set(signature, keys);
  }
  return keys;
}

/** Categorical values as a JSON array, "" (missing) as null. */
function stringsOrNull(values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i] === '' ? 'null' : JSON.stringify(values[i]);
    out += i === 0 ? value : `,${value}`;
  }
  return `[${out}]`;
}
