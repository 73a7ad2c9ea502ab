/**
 * The run folder handed from one job to the next as a workflow artifact (@actions/artifact), so CT can be split
 * into jobs and a failed job re-run alone. Each job uploads under the name of the last stage it ran; the next job
 * downloads the artifact of the stage before its first.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ArtifactClient, ArtifactNotFoundError } from '@actions/artifact';
import { InputError } from '../errors.ts';

/** Artifact holding the run folder after `stage`. */
export function runArtifactName(prefix: string, stage: string): string {
  return `${prefix}-${stage}`;
}

/**
 * Upload every file of the run folder (paths kept relative to it). An artifact of the same name from an earlier
 * attempt of this workflow run (a re-run job) is replaced, as upload-artifact's `overwrite` does: names are unique
 * per workflow run.
 */
export async function uploadRunFolder(
  client: ArtifactClient,
  name: string,
  dir: string,
  retentionDays: number,
): Promise<{ readonly id: number; readonly bytes: number }> {
  const files = listFiles(dir);
  try {
    await client.deleteArtifact(name);
  } catch (error) {
    if (!(error instanceof ArtifactNotFoundError)) throw error;
  }
  const result = await client.uploadArtifact(name, files, dir, { retentionDays });
  return { id: result.id ?? 0, bytes: result.size ?? 0 };
}

/** Download the run folder of artifact `name` (of this workflow run) into `dir`. */
export async function downloadRunFolder(client: ArtifactClient, name: string, dir: string): Promise<void> {
  let id: number;
  try {
    id = (await client.getArtifact(name)).artifact.id;
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) {
      throw new InputError(
        `artifact "${name}" is not in this workflow run: the job that runs the stage before this one must run ` +
          `./actions/pipeline with the same run-artifact prefix (and succeed) first`,
      );
    }
    throw error;
  }
  await client.downloadArtifact(id, { path: dir });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
