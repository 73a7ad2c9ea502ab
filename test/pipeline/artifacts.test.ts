/**
 * The stage contract as data: every run-folder file is read and written through the artifact catalog, so a
 * missing or corrupt file is an ArtifactError (exit 2) naming the stage, the file and what was expected, and a
 * stage cannot read or write a file its spec does not list.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactError, exitCodeOf } from '../../src/errors.ts';
import {
  artifactNames,
  artifactPath,
  artifacts,
  createRun,
  openRun,
  type RunContext,
  readArtifact,
  runStage,
  stageNames,
  stageSpecs,
  writeArtifact,
} from '../../src/pipeline/index.ts';
import { LOCAL_ENV, penguinsConfig, type ScratchRepo, scratchRepo } from './repo.ts';

let repo: ScratchRepo;
let ctx: RunContext;

beforeEach(async () => {
  repo = scratchRepo();
  repo.write('conveyor.yml', penguinsConfig());
  ctx = await createRun({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/r1', env: LOCAL_ENV });
});

afterEach(() => repo.remove());

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('the stage table', () => {
  it('lists every stage once, in pipeline order, each reading only what the run or an earlier stage writes', () => {
    expect(Object.keys(stageSpecs)).toEqual([...stageNames]);
    const written = new Set(artifactNames.filter((name) => artifacts[name].writtenBy === 'run'));
    for (const name of stageNames) {
      const spec = stageSpecs[name];
      for (const read of spec.reads) {
        expect(written.has(read) || spec.writes.includes(read), `${name} reads ${read}`).toBe(true);
      }
      for (const write of spec.writes) {
        expect(artifacts[write].writtenBy, `${name} writes ${write}`).toBe(name);
        written.add(write);
      }
    }
    // Every artifact has exactly one writer, and it lists it.
    for (const name of artifactNames) {
      const writer = artifacts[name].writtenBy;
      // The run report is written after the stages (runPipeline, `conveyor report`), by no stage.
      if (writer !== 'run' && writer !== 'report') expect(stageSpecs[writer].writes).toContain(name);
    }
  });

  it('names distinct files', () => {
    const paths = artifactNames.map((name) => artifacts[name].path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('readArtifact', () => {
  it('a missing input is an ArtifactError (exit 2) naming the stage, the file and who writes it', async () => {
    const error = await failure(runStage(ctx, 'train'));
    expect(error).toBeInstanceOf(ArtifactError);
    expect(exitCodeOf(error)).toBe(2);
    const file = artifactPath(ctx.dir, 'split');
    expect(error.message).toBe(
      `stage "train": ${file}: split summary (signature, split, data digest) not found ` +
        '(it is written by stage "prepare": run "conveyor prepare" first)',
    );
    expect((error as ArtifactError).stage).toBe('train');
    expect((error as ArtifactError).file).toBe(file);
    const record = await readArtifact(ctx.dir, 'run');
    expect(record.stages.train).toMatchObject({ status: 'failed' });
  });

  it('a corrupt JSON file names the key and what was expected', async () => {
    const file = artifactPath(ctx.dir, 'evaluation');
    mkdirSync(join(ctx.dir, 'evaluation'), { recursive: true });
    writeFileSync(file, JSON.stringify({ task: 'clustering' }));
    const error = await failure(readArtifact(ctx.dir, 'evaluation', 'validate-model'));
    expect(error).toBeInstanceOf(ArtifactError);
    expect(error.message).toMatch(
      new RegExp(
        `^stage "validate-model": ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: invalid evaluation report: key task: `,
      ),
    );
    expect(error.message).toContain('(expected the evaluation report as JSON)');
    writeFileSync(file, '{"task": ');
    expect((await failure(readArtifact(ctx.dir, 'evaluation', 'validate-model'))).message).toContain(
      'evaluation report is not valid JSON',
    );
  });

  it('a corrupt run.json is an input error (exit 2), not a crash', async () => {
    writeFileSync(artifactPath(ctx.dir, 'run'), JSON.stringify({ id: 3 }));
    const error = await failure(openRun({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/r1' }));
    expect(error).toBeInstanceOf(ArtifactError);
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toContain(`${artifactPath(ctx.dir, 'run')}: invalid run record: key id:`);
  });

  it('a stage reading a file its spec does not list is a programming error', async () => {
    const error = await failure(readArtifact(ctx.dir, 'blessing', 'train'));
    expect(error).not.toBeInstanceOf(ArtifactError);
    expect(error.message).toBe('stage "train" reads "blessing" but its spec does not list it');
  });
});

describe('writeArtifact', () => {
  it('refuses a value that breaks the contract and leaves no file', async () => {
    const error = await failure(writeArtifact(ctx.dir, 'blessing', { blessed: 'yes' } as never, 'validate-model'));
    expect(exitCodeOf(error)).toBe(1);
    expect(error.message).toMatch(
      /^stage "validate-model": cannot write .*blessing\.json \(blessing\): it does not follow the contract: key blessed: /,
    );
    expect(() => readFileSync(artifactPath(ctx.dir, 'blessing'))).toThrow(/ENOENT/);
  });

  it('refuses to write a file the stage does not declare', async () => {
    const error = await failure(writeArtifact(ctx.dir, 'model', {} as never, 'evaluate'));
    expect(error.message).toBe('stage "evaluate" writes "model" but its spec does not list it');
  });

  it('checks JSON as it will be read back (Infinity becomes null)', async () => {
    const parity = {
      ok: false,
      rows: 1,
      tolerance: 1e-5,
      max_abs_diff: Number.POSITIVE_INFINITY,
      label_mismatches: 0,
      mismatched_count: 1,
      mismatched_rows: [{ row: 0, ts: [Number.NaN], onnx: [0.5], abs_diff: Number.POSITIVE_INFINITY }],
    };
    await writeArtifact(ctx.dir, 'parity', parity, 'export');
    expect((await readArtifact(ctx.dir, 'parity', 'validate-model')).max_abs_diff).toBeNull();
  });
});
