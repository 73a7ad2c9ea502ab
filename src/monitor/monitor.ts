/**
 * The monitor executor: resolve the production model (registry alias → model.onnx + card.json), read the window
 * (prediction-log files or a data file/glob) and the feedback, then call the pure checks (drift.ts, feedback.ts)
 * and the decision (decision.ts). Writes the report to monitor/<timestamp>.json.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { type ModelCard, parseModelCard } from '../card/index.ts';
import type { Config } from '../config/schema.ts';
import { loadData } from '../data/index.ts';
import type { ColumnType, Table } from '../data/types.ts';
import { InputError } from '../errors.ts';
import { defaultPrimaryMetric, evaluateModel } from '../evaluate/index.ts';
import { readJson, writeJson } from '../lib/files.ts';
import { loadOnnxSession, runOnnx } from '../model/onnx.ts';
import type { ModelSignature } from '../model/types.ts';
import { createRegistry, NotFoundError, type RegistryOverrides } from '../registry/index.ts';
import { decide } from './decision.ts';
import { inputDrift, predictionDrift } from './drift.ts';
import { feedbackQuality, feedbackRows } from './feedback.ts';
import { type LogWindow, orderLogFiles, readPredictionLog } from './prediction-log.ts';
import { predictionReference } from './reference.ts';
import type { FeedbackQuality, MonitorReport, WindowSource } from './types.ts';

/** Folder (under the working directory) the reports are written to. */
export const MONITOR_DIR = 'monitor';

export interface MonitorInput {
  readonly config: Config;
  /** Folder globs and the registry path are relative to (default: the process cwd). */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Prediction-log globs; default: serve.prediction_log.path and its rotated files. Ignored when `data` is given. */
  readonly predictions?: readonly string[];
  /** Data file(s) to use as the window instead of the prediction log. */
  readonly data?: readonly string[];
  /** Feedback globs (default: monitor.feedback). */
  readonly feedback?: readonly string[];
  /** Model name (default: model.name) and registry ref (default: production). */
  readonly model?: string;
  readonly ref?: string;
  readonly now?: () => Date;
  /** Write monitor/<timestamp>.json (default true). */
  readonly write?: boolean;
  readonly registry?: RegistryOverrides;
  readonly log?: (line: string) => void;
}

export interface MonitorResult {
  readonly report: MonitorReport;
  /** Where the report was written (absent when `write` is false). */
  readonly path?: string;
}

export async function runMonitor(input: MonitorInput): Promise<MonitorResult> {
  const cwd = resolve(input.cwd ?? process.cwd());
  const { config } = input;
  const options = config.monitor;
  const name = input.model ?? config.model.name;
  const ref = input.ref ?? 'production';
  const now = input.now ?? (() => new Date());
  const warnings: string[] = [];

  const registry = createRegistry(config.registry, input.env ?? process.env, {
    cwd,
    onWarning: (m) => warnings.push(m),
    ...input.registry,
  });
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-monitor-'));
  try {
    let pulled: Awaited<ReturnType<typeof registry.pull>>;
    try {
      pulled = await registry.pull(name, ref, dir);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new InputError(`no model "${name}" at "${ref}" in the ${registry.backend} registry: ${error.message}`);
      }
      throw error;
    }
    const label = `${name} v${pulled.version.version}`;
    const card = readCard(pulled.files.cardJson, label);
    const signature = signatureOf(card);

    // The window: a data file/glob, else the prediction log.
    let window: { table: Table; predicted: (string | number)[] | null; source: WindowSource; log: LogWindow | null };
    if (input.data && input.data.length > 0) {
      window = await dataWindow(input.data, cwd, card, options.window);
    } else {
      window = await logWindow(input.predictions, cwd, config, signature, name, options.window);
      warnings.push(...(window.log?.warnings ?? []));
    }

    const features = signature.features.map((f) => f.name);
    const drift =
      window.source.rows_read === 0 && window.source.files.length === 0
        ? ({ status: 'unavailable', reason: 'no prediction log or data file found' } as const)
        : inputDrift(card.training_profile, features, window.table, options);
    const predictions = window.predicted
      ? predictionDrift(predictionReference(card), window.predicted, options)
      : ({ status: 'unavailable', reason: 'the window is a data file: it holds no predictions' } as const);

    const feedback = await feedbackCheck({
      globs: input.feedback ?? asList(options.feedback),
      cwd,
      config,
      card,
      signature,
      modelFile: pulled.files.model,
      label,
      log: window.log,
    });
    const decision = decide({ inputDrift: drift, predictionDrift: predictions, feedback });
    const report: MonitorReport = {
      retrain: decision.retrain,
      severity: decision.severity,
      reasons: decision.reasons.filter((r) => r.retrain).map((r) => r.message),
      model: { name, version: pulled.version.version, ref },
      created_at: now().toISOString(),
      window: window.source,
      input_drift: drift,
      prediction_drift: predictions,
      feedback,
      decision,
      warnings,
    };
    if (input.write === false) return { report };
    const path = join(cwd, MONITOR_DIR, `${report.created_at.replace(/[:.]/g, '-')}.json`);
    writeJson(path, report);
    return { report, path };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readCard(path: string, label: string): ModelCard {
  try {
    return parseModelCard(readJson(path, `${label} card.json`), `${label} card.json`);
  } catch (error) {
    throw new InputError(
      `${(error as Error).message}; the monitor needs a full Conveyor card (training_profile, evaluation, signature)`,
    );
  }
}

function signatureOf(card: ModelCard): ModelSignature {
  return {
    task: card.signature.task,
    target: card.signature.target,
    features: card.signature.features,
    ...(card.signature.classes ? { classes: card.signature.classes } : {}),
  };
}

function asList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

/** The prediction log files: the globs given, else serve.prediction_log.path and its rotated generations. */
async function logWindow(
  globs: readonly string[] | undefined,
  cwd: string,
  config: Config,
  signature: ModelSignature,
  name: string,
  maxRows: number,
) {
  let files: string[];
  if (globs && globs.length > 0) {
    files = (await glob([...globs], { cwd, onlyFiles: true, absolute: true })).sort();
    if (files.length === 0) throw new InputError(`--predictions: no file matches ${globs.join(', ')} (in ${cwd})`);
  } else {
    const base = resolve(cwd, config.serve.prediction_log.path);
    files = [base];
    for (let i = 1; i <= config.serve.prediction_log.max_files; i++) files.push(`${base}.${i}`);
    files = files.filter((f) => existsSync(f));
  }
  const ordered = orderLogFiles(files);
  const log = readPredictionLog(ordered, signature, name, maxRows);
  const source: WindowSource = {
    kind: 'prediction_log',
    files: ordered.map((f) => relative(cwd, f)),
    rows: log.inputs.rowCount,
    rows_read: log.rowsRead,
    lines: log.lines,
  };
  const predicted = signature.task === 'classification' ? [...log.labels] : [...log.values];
  return { table: log.inputs, predicted, source, log };
}

async function dataWindow(globs: readonly string[], cwd: string, card: ModelCard, maxRows: number) {
  const loaded = await loadData({
    paths: globs,
    cwd,
    columnTypes: featureTypes(card),
    missingValues: card.config.data.missing_values,
  });
  const table = lastRows(loaded.table, maxRows);
  const source: WindowSource = {
    kind: 'data',
    files: loaded.files.map((f) => f.path),
    rows: table.rowCount,
    rows_read: loaded.table.rowCount,
  };
  return { table, predicted: null, source, log: null };
}

function featureTypes(card: ModelCard): Record<string, ColumnType> {
  return Object.fromEntries(card.signature.features.map((f) => [f.name, f.type]));
}

function lastRows(table: Table, maxRows: number): Table {
  if (table.rowCount <= maxRows) return table;
  const start = table.rowCount - maxRows;
  return {
    rowCount: maxRows,
    columns: table.columns.map((c) =>
      c.type === 'categorical' ? { ...c, codes: c.codes.subarray(start) } : { ...c, values: c.values.subarray(start) },
    ),
  };
}

async function feedbackCheck(input: {
  globs: readonly string[];
  cwd: string;
  config: Config;
  card: ModelCard;
  signature: ModelSignature;
  modelFile: string;
  label: string;
  log: LogWindow | null;
}): Promise<FeedbackQuality> {
  const { config, card, signature } = input;
  const options = config.monitor;
  const files = input.globs.length === 0 ? [] : await glob([...input.globs], { cwd: input.cwd, onlyFiles: true });
  if (files.length === 0) {
    return { status: 'unavailable', reason: `no feedback file matches ${input.globs.join(', ') || '(none given)'}` };
  }
  const loaded = await loadData({
    paths: input.globs,
    cwd: input.cwd,
    columnTypes: {
      ...featureTypes(card),
      [signature.target]: signature.task === 'classification' ? 'categorical' : 'numeric',
      [options.request_id_column]: 'categorical',
    },
    missingValues: card.config.data.missing_values,
  });
  const where = loaded.files.map((f) => f.path).join(', ');
  const rows = feedbackRows(loaded.table, signature, options.request_id_column, input.log, where);
  const count = rows.dataset.table.rowCount;
  if (count < options.min_rows) return { status: 'not_enough_data', rows: count, min_rows: options.min_rows };
  const loadedModel = await loadOnnxSession(input.modelFile, { name: `${input.label} model.onnx` });
  try {
    const predictions = await runOnnx(loadedModel.session, loadedModel.info.signature, rows.dataset.table);
    const evaluation = evaluateModel({
      data: rows.dataset,
      predictions,
      model: {
        signature: loadedModel.info.signature,
        kind: loadedModel.info.modelKind === 'linear' ? 'linear' : 'gbdt',
      },
      slices: config.evaluation.slices.filter((s) => rows.dataset.table.columns.some((c) => c.name === s)),
    });
    const validation = config.validation.model;
    return feedbackQuality({
      feedback: evaluation,
      holdout: card.evaluation,
      metric:
        validation.primary_metric ??
        card.config.validation.model.primary_metric ??
        defaultPrimaryMetric(signature.task),
      tolerance: validation.tolerance,
      sliceTolerance: validation.slice_tolerance,
      files: loaded.files.map((f) => f.path),
      rows,
    });
  } finally {
    await loadedModel.session.release();
  }
}
