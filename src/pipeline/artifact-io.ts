/**
 * Typed access to a run folder's files through the stage contract: a stage reads only what its spec lists,
 * and a missing or corrupt file is an ArtifactError (exit 2) naming the reader, the file and what was expected.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactError, ConveyorError, InputError } from '../errors.ts';
import {
  type ArtifactCodec,
  type ArtifactInput,
  type ArtifactName,
  type ArtifactValue,
  artifacts,
} from './artifacts.ts';
import { isStageName } from './stage-names.ts';
import { stageSpecs } from './stage-table.ts';

/** Absolute path of an artifact in the run folder `runDir`. */
export function artifactPath(runDir: string, name: ArtifactName): string {
  return join(runDir, ...artifacts[name].path.split('/'));
}

export function hasArtifact(runDir: string, name: ArtifactName): boolean {
  return existsSync(artifactPath(runDir, name));
}

/**
 * Read and check an artifact. `reader` names who reads it in errors; when it is a stage, the artifact must be
 * in that stage's spec (`reads` or `writes`), so the contract cannot drift from the code.
 */
export async function readArtifact<N extends ArtifactName>(
  runDir: string,
  name: N,
  reader: string = 'conveyor',
): Promise<ArtifactValue<N>> {
  assertDeclared(reader, name, 'reads');
  const spec = artifacts[name];
  const file = artifactPath(runDir, name);
  if (!existsSync(file)) {
    const producer =
      spec.writtenBy === 'run'
        ? 'it is written when a run starts: is this a run folder?'
        : `it is written by stage "${spec.writtenBy}": run "conveyor ${spec.writtenBy}" first`;
    throw new ArtifactError(reader, file, `${label(reader)}: ${file}: ${spec.what} not found (${producer})`);
  }
  try {
    return (await spec.codec.read(file, spec.what)) as ArtifactValue<N>;
  } catch (error) {
    if (error instanceof ConveyorError && !(error instanceof InputError)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    const named = detail.includes(file) ? detail : `${file}: ${detail}`;
    throw new ArtifactError(
      reader,
      file,
      `${label(reader)}: ${named} (expected the ${spec.what} as ${spec.codec.format})`,
      {
        cause: error,
      },
    );
  }
}

/** Like readArtifact, but null when the file is absent (for artifacts a run may lack). */
export async function readArtifactIfPresent<N extends ArtifactName>(
  runDir: string,
  name: N,
  reader: string = 'conveyor',
): Promise<ArtifactValue<N> | null> {
  assertDeclared(reader, name, 'reads');
  return hasArtifact(runDir, name) ? readArtifact(runDir, name, reader) : null;
}

/** Check `value` against the artifact's contract and write it atomically. */
export async function writeArtifact<N extends ArtifactName>(
  runDir: string,
  name: N,
  value: ArtifactInput<N>,
  writer: string = 'conveyor',
): Promise<string> {
  assertDeclared(writer, name, 'writes');
  const spec = artifacts[name];
  const file = artifactPath(runDir, name);
  try {
    await (spec.codec as ArtifactCodec<unknown>).write(file, value);
  } catch (error) {
    throw new Error(`${label(writer)}: cannot write ${file} (${spec.what}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  return file;
}

/** Remove an optional artifact left by an earlier attempt of the stage. */
export async function removeArtifact(runDir: string, name: ArtifactName, writer: string): Promise<void> {
  assertDeclared(writer, name, 'writes');
  rmSync(artifactPath(runDir, name), { recursive: true, force: true });
}

function assertDeclared(who: string, name: ArtifactName, access: 'reads' | 'writes'): void {
  if (!isStageName(who)) return;
  const spec = stageSpecs[who];
  const declared = access === 'reads' ? [...spec.reads, ...spec.writes] : spec.writes;
  if (!declared.includes(name)) {
    throw new Error(
      `stage "${who}" ${access === 'reads' ? 'reads' : 'writes'} "${name}" but its spec does not list it`,
    );
  }
}

function label(who: string): string {
  return isStageName(who) ? `stage "${who}"` : who;
}
