/**
 * export executor: model.json → model.onnx, then the parity gate on the holdout rows, then the golden set
 * (the first holdout rows and the TypeScript predictions for them) that infra validation sends to the image.
 */
import { ParityError } from '../../errors.ts';
import { checkParity, exportOnnx, type ParityReport } from '../../export/index.ts';
import { buildGoldenSet } from '../../golden/index.ts';
import { CONVEYOR_VERSION } from '../../lib/version.ts';
import { predict } from '../../model/predict.ts';
import type { Model } from '../../model/types.ts';
import { readArtifact, writeArtifact } from '../artifact-io.ts';
import type { RunContext } from '../context.ts';
import { readDataset, readSplit } from '../prepared.ts';
import type { RunRecord } from '../run-record.ts';

export interface ExportOutcome {
  readonly bytes: number;
  readonly parity: ParityReport;
}

/** Version written into an exported file before the registry assigns one. */
export const UNREGISTERED_VERSION = 'unregistered';

const STAGE = 'export';

export async function exportStage(ctx: RunContext): Promise<ExportOutcome> {
  const { dir, config } = ctx;
  const model = await readArtifact(dir, 'model', STAGE);
  const { signature, digest } = await readSplit(dir, STAGE);
  const record = await readArtifact(dir, 'run', STAGE);
  const onnx = exportRunModel(ctx, record, model, digest, UNREGISTERED_VERSION);
  await writeArtifact(dir, 'onnx', onnx, STAGE);
  const holdout = await readDataset(dir, 'holdout', signature, STAGE);
  const reference = predict(model, holdout.table);
  const parity = await checkParity({
    model,
    onnx,
    table: holdout.table,
    tolerance: config.validation.model.parity_tolerance,
    reference,
  });
  await writeArtifact(dir, 'parity', parity, STAGE);
  ctx.log(`  model.onnx ${(onnx.byteLength / 1024).toFixed(1)} KiB`);
  if (!parity.ok) {
    throw new ParityError(parityMessage(parity));
  }
  ctx.log(
    `  parity: onnxruntime agrees with TypeScript on ${parity.rows} holdout rows (max |diff| ${parity.max_abs_diff.toExponential(2)} ≤ ${parity.tolerance})`,
  );
  const golden = buildGoldenSet({
    modelName: config.model.name,
    signature,
    table: holdout.table,
    predictions: reference,
    tolerance: config.validation.model.parity_tolerance,
  });
  await writeArtifact(dir, 'golden', golden, STAGE);
  ctx.log(`  golden requests: ${golden.rows.length} holdout rows and their predictions, for infra validation`);
  return { bytes: onnx.byteLength, parity };
}

/** Export a run's model with lineage metadata; `version` is the registry version or UNREGISTERED_VERSION. */
export function exportRunModel(
  ctx: RunContext,
  record: RunRecord,
  model: Model,
  digest: string,
  version: string,
): Uint8Array {
  return exportOnnx(model, {
    modelName: ctx.config.model.name,
    modelVersion: version,
    dataDigest: digest,
    codeCommit: record.git.commit ?? 'unknown',
    conveyorVersion: CONVEYOR_VERSION,
  });
}

function parityMessage(parity: ParityReport): string {
  const rows = parity.mismatched_rows
    .slice(0, 5)
    .map((m) => `row ${m.row}`)
    .join(', ');
  return `parity gate failed: onnxruntime and TypeScript disagree on ${parity.label_mismatches} label(s), max |diff| ${parity.max_abs_diff} > ${parity.tolerance} (${rows})`;
}
