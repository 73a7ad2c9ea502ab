/** Reading the prepare stage's outputs back from a run folder, as the later stages need them. */
import type { ModelSignature } from '../model/types.ts';
import { datasetFromTable } from '../prepare/index.ts';
import type { SplitSummary } from '../prepare/types.ts';
import type { Dataset } from '../train/types.ts';
import { readArtifact } from './artifact-io.ts';

export interface PreparedRun {
  readonly signature: ModelSignature;
  readonly split: SplitSummary;
  readonly digest: string;
  readonly columns: readonly string[];
}

export async function readSplit(runDir: string, stage: string): Promise<PreparedRun> {
  return (await readArtifact(runDir, 'split', stage)) as PreparedRun;
}

export async function readDataset(
  runDir: string,
  part: 'train' | 'holdout',
  signature: ModelSignature,
  stage: string,
): Promise<Dataset> {
  return datasetFromTable(
    await readArtifact(runDir, part === 'train' ? 'train-table' : 'holdout-table', stage),
    signature,
  );
}
