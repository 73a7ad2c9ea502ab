/**
 * Models for the serving tests, made by the real pipeline code: the bundled penguins batches loaded with
 * the data loader, split by prepare, trained (gbdt / linear), exported to ONNX, and written as registry
 * version folders (model.onnx + card.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gbdtParamsSchema, linearParamsSchema } from '../../src/config/schema.ts';
import { loadData } from '../../src/data/index.ts';
import type { Table } from '../../src/data/types.ts';
import { exportOnnx } from '../../src/export/index.ts';
import type { Model, ModelSignature, Task } from '../../src/model/types.ts';
import { prepareData } from '../../src/prepare/index.ts';
import { digestOf } from '../../src/registry/index.ts';
import { trainModel } from '../../src/train/index.ts';

export const REPO = resolve(import.meta.dirname, '../..');

export interface BuiltModel {
  /** Folder with model.onnx and card.json. */
  readonly dir: string;
  readonly onnx: Uint8Array;
  /** The trained model the ONNX file was exported from (the TypeScript reference). */
  readonly model: Model;
  readonly signature: ModelSignature;
  /** Holdout rows, for requests. */
  readonly holdout: Table;
}

export interface ModelSpec {
  readonly name: string;
  readonly version: number;
  readonly target: string;
  readonly task: Task;
  readonly algorithm: 'gbdt' | 'linear';
  readonly nTrees?: number;
}

/** Trains `spec` on the penguins data and writes dir/model.onnx + dir/card.json (a registry card). */
export async function buildModel(spec: ModelSpec, dir: string): Promise<BuiltModel> {
  const loaded = await loadData({ paths: ['data/penguins/*.csv'], cwd: REPO });
  const prepared = prepareData(loaded.table, {
    configFile: 'conveyor.yml',
    target: spec.target,
    task: spec.task,
    drop: [],
    slices: [],
    holdout: 0.2,
    seed: 42,
  });
  const trainer =
    spec.algorithm === 'gbdt'
      ? ({ algorithm: 'gbdt', params: gbdtParamsSchema.parse({ n_trees: spec.nTrees ?? 20, threads: 1 }) } as const)
      : ({ algorithm: 'linear', params: linearParamsSchema.parse({}) } as const);
  const { model } = await trainModel({ data: prepared.train, trainer, seed: 7 });
  const onnx = exportOnnx(model, {
    modelName: spec.name,
    modelVersion: `v${spec.version}`,
    dataDigest: prepared.digest,
    codeCommit: 'test',
  });
  writeModelDir(dir, onnx, { name: spec.name, version: spec.version });
  return { dir, onnx, model, signature: prepared.signature, holdout: prepared.holdout.table };
}

/** Writes model.onnx and a registry card that records its digest. */
export function writeModelDir(dir: string, onnx: Uint8Array, card: { name: string; version: number }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), onnx);
  writeFileSync(join(dir, 'card.json'), `${JSON.stringify(cardFor(onnx, card), null, 2)}\n`);
}

export function cardFor(onnx: Uint8Array, card: { name: string; version: number }): Record<string, unknown> {
  return {
    name: card.name,
    version: card.version,
    created_at: '2026-11-25T00:00:00Z',
    run_key: `test-${card.name}-${card.version}`,
    assets: { 'model.onnx': digestOf(onnx) },
  };
}

/** Rows [start, end) of `table` as OIP inputs for `signature` (shape [N, 1]; null for missing values). */
export function oipInputs(signature: ModelSignature, table: Table, start: number, end: number) {
  return signature.features.map((feature) => {
    const column = table.columns.find((c) => c.name === feature.name)!;
    const data: (number | string | null)[] = [];
    for (let r = start; r < end; r++) {
      if (column.type === 'categorical') {
        const code = column.codes[r]!;
        data.push(code < 0 ? null : column.categories[code]!);
      } else {
        const v = column.values[r]!;
        data.push(Number.isNaN(v) ? null : v);
      }
    }
    return {
      name: feature.name,
      shape: [end - start, 1],
      datatype: feature.type === 'numeric' ? 'FP64' : 'BYTES',
      data,
    };
  });
}

/** Row `r` of `table` as a /predict record over the signature's features. */
export function record(signature: ModelSignature, table: Table, r: number): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const input of oipInputs(signature, table, r, r + 1)) out[input.name] = input.data[0]!;
  return out;
}

/** A parsed JSON response body: its shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by the assertions that read them
export type Json = any;

/** POST JSON and return status + parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/**
 * One sample of a Prometheus text exposition, e.g. metricValue(text, 'conveyor_batch_rows_count'); `absent`
 * is returned for a series not exposed yet (a labelled histogram before its first observation), else it throws.
 */
export function metricValue(text: string, series: string, absent?: number): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line && absent !== undefined) return absent;
  if (!line) throw new Error(`metric ${series} not found`);
  return Number(line.slice(series.length + 1));
}
