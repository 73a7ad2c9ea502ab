/**
 * Register: an unchanged model is a no-op, and the alias moves only by compare-and-swap against the version the
 * blessing was decided on — also when several runs register at once.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeOf, ModelRejectedError } from '../../src/errors.ts';
import {
  createRun,
  openRun,
  type RunContext,
  readArtifact,
  runPipeline,
  runStage,
  stageNames,
} from '../../src/pipeline/index.ts';
import { createRegistry, LocalRegistry } from '../../src/registry/index.ts';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';
import { LOCAL_ENV, penguinsConfig, type ScratchRepo, scratchRepo } from './repo.ts';

let repo: ScratchRepo;

beforeEach(() => {
  repo = scratchRepo();
});

afterEach(() => repo.remove());

/** A run taken through validate-model, ready to register. */
async function blessedRun(runDir: string, configFile = 'conveyor.yml', env = LOCAL_ENV): Promise<RunContext> {
  const ctx = await createRun({ configFile, cwd: repo.dir, runDir, env });
  for (const name of stageNames.slice(0, stageNames.indexOf('validate-model') + 1)) await runStage(ctx, name);
  return ctx;
}

function runRegistryOf(ctx: RunContext) {
  return createRegistry(ctx.config.registry, ctx.env, { cwd: ctx.cwd, github: { retry: { sleep: async () => {} } } });
}

function registry() {
  return new LocalRegistry({ root: join(repo.dir, 'models') });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('register', () => {
  it('registers nothing for a model identical to production and says "unchanged"', async () => {
    repo.write('conveyor.yml', penguinsConfig());
    const first = await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/a', env: LOCAL_ENV });
    expect(first.registration).toMatchObject({ created: true, unchanged: false, version: { version: 1 } });

    const lines: string[] = [];
    const again = await runPipeline({
      configFile: 'conveyor.yml',
      cwd: repo.dir,
      runDir: 'runs/b',
      env: LOCAL_ENV,
      log: (line) => lines.push(line),
    });
    expect(again.registration).toMatchObject({ created: false, unchanged: true, version: { version: 1 } });
    expect(lines.join('\n')).toContain('unchanged: the model is identical to production penguins v1');
    expect((await registry().list('penguins')).map((v) => v.version)).toEqual([1]);
    expect(await registry().history('penguins')).toHaveLength(1);
    const registration = await readArtifact(join(repo.dir, 'runs/b'), 'registration');
    expect(registration).toMatchObject({ version: 1, created: false, unchanged: true, aliases: [] });
    expect((await readArtifact(join(repo.dir, 'runs/b'), 'card')).version).toBe(1);

    // Any change to the config is a new version (here only the description: the model bytes are the same).
    repo.write('conveyor.yml', penguinsConfig('', 'penguins, described anew'));
    const changed = await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/c', env: LOCAL_ENV });
    expect(changed.registration).toMatchObject({ created: true, unchanged: false, version: { version: 2 } });
  });

  it('refuses with exit 3 when production moved after the blessing, naming the version that is production now', async () => {
    repo.write('a.yml', penguinsConfig('', 'run a'));
    repo.write('b.yml', penguinsConfig('', 'run b'));
    const a = await blessedRun('runs/a', 'a.yml');
    const b = await blessedRun('runs/b', 'b.yml');
    expect((await readArtifact(b.dir, 'blessing')).baseline_version).toBeNull();
    await runStage(a, 'register');
    const error = await rejection(runStage(b, 'register'));
    expect(error).toBeInstanceOf(ModelRejectedError);
    expect(exitCodeOf(error)).toBe(3);
    expect(error.message).toBe(
      'the blessing compared this model with no model (it was the first), but production is v1 now (registered by ' +
        `another run since); validate it again with "conveyor validate-model --run ${b.dir}", then register`,
    );
    expect((await registry().list('penguins')).map((v) => v.version)).toEqual([1]);

    // Validated again against v1, it registers.
    const reopened = await openRun({ configFile: 'b.yml', cwd: repo.dir, runDir: 'runs/b', env: LOCAL_ENV });
    await runStage(reopened, 'validate-model');
    expect((await readArtifact(b.dir, 'blessing')).baseline_version).toBe('v1');
    const registered = await runStage(reopened, 'register');
    expect(registered).toMatchObject({ created: true, version: { version: 2 } });
    expect(await registry().aliases('penguins')).toEqual({ production: 2 });
  });
});

describe.each(['local', 'github'] as const)('concurrent registrations (%s registry)', (backend) => {
  let fake: FakeGitHub | undefined;
  afterEach(async () => {
    try {
      fake?.assertNoViolations();
    } finally {
      await fake?.close();
      fake = undefined;
    }
  });

  it('lets exactly one become production; the others exit 3 naming it', async () => {
    let env = LOCAL_ENV;
    let extra = '';
    if (backend === 'github') {
      fake = await startFakeGitHub();
      env = {
        ...LOCAL_ENV,
        GITHUB_TOKEN: 't',
        GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`,
        GITHUB_API_URL: fake.url,
      };
      extra = 'registry:\n  backend: github\n';
    }
    const runs: RunContext[] = [];
    for (const name of ['a', 'b', 'c']) {
      repo.write(`${name}.yml`, penguinsConfig(extra, `run ${name}`));
      runs.push(await blessedRun(`runs/${name}`, `${name}.yml`, env));
    }
    const outcomes = await Promise.allSettled(runs.map((ctx) => runStage(ctx, 'register')));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(2);
    const winner = (won[0] as PromiseFulfilledResult<{ version: { version: number } }>).value.version.version;
    for (const { reason } of lost) {
      expect(exitCodeOf(reason)).toBe(3);
      expect((reason as Error).message).toContain(`production is v${winner} now`);
    }
    const registry = runRegistryOf(runs[0]!);
    expect(await registry.aliases('penguins')).toEqual({ production: winner });
    // One alias change in the history: nobody moved production over the winner.
    expect((await registry.history('penguins')).map((c) => [c.from, c.to])).toEqual([[null, winner]]);
  });
});

describe('the inferred schema', () => {
  it('is written to the pipeline’s own file only when the run succeeds', async () => {
    repo.write('data/tiny.csv', 'x,y\n1,a\n');
    repo.write('tiny.yml', 'model:\n  name: tiny\ndata:\n  path: data/tiny.csv\n  target: y\n');
    const error = await rejection(
      runPipeline({ configFile: 'tiny.yml', cwd: repo.dir, runDir: 'runs/tiny', env: LOCAL_ENV }),
    );
    expect(exitCodeOf(error)).toBe(2);
    expect(existsSync(join(repo.dir, 'data/tiny.schema.json'))).toBe(false);
    // The run folder keeps what validate-data used.
    expect((await readArtifact(join(repo.dir, 'runs/tiny'), 'schema')).inferred_for).toEqual({
      model: 'tiny',
      target: 'y',
      data: ['data/tiny.csv'],
    });

    repo.write('conveyor.yml', penguinsConfig());
    await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/ok', env: LOCAL_ENV });
    expect(readdirSync(join(repo.dir, 'data')).sort()).toEqual(['penguins', 'penguins.schema.json', 'tiny.csv']);
  });

  it('of another pipeline is refused with what to do, not applied', async () => {
    repo.write('conveyor.yml', penguinsConfig());
    await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/p', env: LOCAL_ENV, until: 'export' });
    expect(existsSync(join(repo.dir, 'data/penguins.schema.json'))).toBe(true);
    repo.write(
      'mass.yml',
      'model:\n  name: mass\ndata:\n  path: data/penguins/*.csv\n  target: body_mass_g\n  schema: data/penguins.schema.json\n',
    );
    const error = await rejection(
      runPipeline({ configFile: 'mass.yml', cwd: repo.dir, runDir: 'runs/m', env: LOCAL_ENV }),
    );
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toBe(
      'mass.yml: data.schema: data/penguins.schema.json was inferred for model "penguins" (target "species", data ' +
        'data/penguins/*.csv), but this pipeline is model "mass" predicting "body_mass_g": point data.schema at a ' +
        'schema of this pipeline (or leave it out: data/mass.schema.json is inferred on the first successful run)',
    );
    // Without data.schema the second pipeline gets its own file.
    repo.write('mass.yml', 'model:\n  name: mass\ndata:\n  path: data/penguins/*.csv\n  target: body_mass_g\n');
    await runPipeline({ configFile: 'mass.yml', cwd: repo.dir, runDir: 'runs/m2', env: LOCAL_ENV, until: 'export' });
    expect(existsSync(join(repo.dir, 'data/mass.schema.json'))).toBe(true);
  });

  it('is production’s when the pipeline has no schema file (a CT checkout where it was never committed)', async () => {
    repo.write('conveyor.yml', penguinsConfig());
    const first = await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/a', env: LOCAL_ENV });
    const productionSchema = (await readArtifact(first.runDir, 'card')).schema;
    rmSync(join(repo.dir, 'data/penguins.schema.json'));
    // A batch with an island production never saw: a fresh inference would know it, production's schema does not.
    const rows = Array.from({ length: 40 }, (_, i) => `Adelie,Atlantis,${38 + (i % 5)},18.1,190,3700,MALE`);
    repo.write(
      'data/penguins/batch-99.csv',
      `species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n${rows.join('\n')}\n`,
    );
    const lines: string[] = [];
    const ctx = await createRun({
      configFile: 'conveyor.yml',
      cwd: repo.dir,
      runDir: 'runs/b',
      env: LOCAL_ENV,
      log: (line) => lines.push(line),
    });
    await runStage(ctx, 'validate-data');
    expect(await readArtifact(ctx.dir, 'schema')).toEqual(productionSchema);
    expect((await readArtifact(ctx.dir, 'data')).schema_created).toBe(false);
    expect(lines.join('\n')).toContain('no data/penguins.schema.json: checked with the data schema of penguins v1');
    const unseen = (await readArtifact(ctx.dir, 'validation')).anomalies.filter((a) => a.kind === 'unseen_category');
    expect(unseen.map((a) => a.column)).toEqual(['island']);
  });

  it('the card carries the schema the run used, not the working tree’s at register time', async () => {
    repo.write('conveyor.yml', penguinsConfig());
    const ctx = await blessedRun('runs/a');
    const used = await readArtifact(ctx.dir, 'schema');
    repo.write('data/penguins.schema.json', '{"not": "a schema"}');
    await runStage(ctx, 'register');
    expect((await readArtifact(ctx.dir, 'card')).schema).toEqual(used);
  });
});
