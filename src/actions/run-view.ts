/**
 * What the job summary and the step outputs show, read from a run folder through the stage contract
 * (src/pipeline): every file is optional (a run that failed at validate-data has no evaluation).
 */
import type { EvaluationReport } from '../evaluate/index.ts';
import { type ArtifactValue, hasArtifact, readArtifact, readArtifactIfPresent } from '../pipeline/index.ts';
import type { ValidationReport } from '../validate/index.ts';
import type { Blessing } from '../validate-model/index.ts';

const READER = 'the job summary';

export interface RunView {
  readonly dir: string;
  readonly modelName: string;
  readonly record: ArtifactValue<'run'>;
  readonly data: ArtifactValue<'data'> | null;
  readonly dataDigest: string | null;
  readonly validation: ValidationReport | null;
  readonly evaluation: EvaluationReport | null;
  readonly baseline: { readonly version: string; readonly report: EvaluationReport } | null;
  readonly blessing: Blessing | null;
  readonly registration: ArtifactValue<'registration'> | null;
}

/** Read what there is of a run folder; null when `dir` holds no run.json (the run was never created). */
export async function readRunView(dir: string): Promise<RunView | null> {
  if (!hasArtifact(dir, 'run')) return null;
  const config = await readArtifact(dir, 'config', READER);
  return {
    dir,
    modelName: config.model.name,
    record: await readArtifact(dir, 'run', READER),
    data: await readArtifactIfPresent(dir, 'data', READER),
    dataDigest: (await readArtifactIfPresent(dir, 'split', READER))?.digest ?? null,
    validation: await readArtifactIfPresent(dir, 'validation', READER),
    evaluation: await readArtifactIfPresent(dir, 'evaluation', READER),
    baseline: await readArtifactIfPresent(dir, 'baseline-evaluation', READER),
    blessing: await readArtifactIfPresent(dir, 'blessing', READER),
    registration: await readArtifactIfPresent(dir, 'registration', READER),
  };
}
