/** Reading the prepare stage's outputs back from a run folder. */
import { z } from 'zod';
import { readTable } from '../data/table.ts';
import { InputError } from '../errors.ts';
import { readJson } from '../lib/files.ts';
import type { ModelSignature } from '../model/types.ts';
import { datasetFromTable } from '../prepare/index.ts';
import type { SplitSummary } from '../prepare/types.ts';
import type { RunLayout } from '../run/layout.ts';
import type { Dataset } from '../train/types.ts';

const signatureSchema = z.object({
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  features: z.array(z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']) })),
  classes: z.array(z.string()).optional(),
});

const splitFileSchema = z.object({
  signature: signatureSchema,
  split: z.looseObject({ method: z.enum(['hash', 'time']), train_rows: z.number(), holdout_rows: z.number() }),
  digest: z.string(),
  columns: z.array(z.string()),
  warnings: z.array(z.string()),
});

export interface PreparedRun {
  readonly signature: ModelSignature;
  readonly split: SplitSummary;
  readonly digest: string;
  readonly columns: readonly string[];
}

export function readSplit(layout: RunLayout): PreparedRun {
  const parsed = splitFileSchema.safeParse(readJson(layout.splitJson, 'prepare output (run "conveyor prepare" first)'));
  if (!parsed.success) throw new InputError(`${layout.splitJson}: invalid (${parsed.error.issues[0]?.message})`);
  return parsed.data as unknown as PreparedRun;
}

export function readDataset(layout: RunLayout, part: 'train' | 'holdout', signature: ModelSignature): Dataset {
  return datasetFromTable(readTable(part === 'train' ? layout.trainTable : layout.holdoutTable), signature);
}
