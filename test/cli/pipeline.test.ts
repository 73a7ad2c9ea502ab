/**
 * End to end through the real `conveyor` bin, in a scratch copy of the repository's data and config:
 * the pipeline registers v1 then v2 (compared with v1), a worse model is refused with exit code 3, bad
 * config and bad data stop with exit code 2, and stages rerun alone on a run folder.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve('bin/conveyor.js');
let dir: string;

function conveyor(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(args: string[]) {
  const result = conveyor([...args, '--json']);
  return { ...result, doc: JSON.parse(result.stdout) as Record<string, unknown> };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-cli-'));
  cpSync('data/penguins', join(dir, 'data/penguins'), { recursive: true });
  cpSync('conveyor.yml', join(dir, 'conveyor.yml'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('conveyor pipeline (end to end)', () => {
  it('runs every stage and registers v1 as production, inferring the schema on the way', () => {
    const { code, doc, stderr } = json(['pipeline', '--run-dir', 'runs/first']);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, blessed: true, version: 1 });
    expect((doc.metrics as Record<string, number>).accuracy).toBeGreaterThan(0.93);
    expect((doc.parity as { ok: boolean }).ok).toBe(true);
    expect(existsSync(join(dir, 'data/penguins.schema.json'))).toBe(true);
    for (const file of ['model.onnx', 'card.json', 'card.md'])
      expect(existsSync(join(dir, 'models/penguins/v1', file))).toBe(true);
    const card = JSON.parse(readFileSync(join(dir, 'models/penguins/v1/card.json'), 'utf8'));
    expect(card).toMatchObject({
      name: 'penguins',
      version: 1,
      parent_version: null,
      blessing: { blessed: true, baseline_version: null },
    });
    expect(card.data.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(card.data.files).toHaveLength(3);
    expect(card.signature.inputs.map((i: { name: string }) => i.name)).toContain('bill_length_mm');
    expect(Object.keys(card.stage_durations_ms)).toEqual(
      expect.arrayContaining(['validate-data', 'train', 'export', 'validate-model']),
    );
  });

  it('registers nothing when the same data, config and code give the same model, and says so', () => {
    const { code, doc } = json(['pipeline', '--run-dir', 'runs/again']);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, blessed: true, version: 1, unchanged: true });
    expect(existsSync(join(dir, 'models/penguins/v2'))).toBe(false);
    const registration = JSON.parse(readFileSync(join(dir, 'runs/again/register/registration.json'), 'utf8'));
    expect(registration).toMatchObject({ version: 1, created: false, unchanged: true, aliases: [] });
  });

  it('registers v2 on a second run with another config, compared with v1 on the same holdout', () => {
    // Only the description differs: a new version, whose model is the same as v1's.
    const described = readFileSync(join(dir, 'conveyor.yml'), 'utf8').replace(
      /description: .*/,
      'description: Palmer penguins, second version',
    );
    writeFileSync(join(dir, 'conveyor.yml'), described);
    const { code, stdout } = conveyor(['pipeline', '--run-dir', 'runs/second']);
    expect(code).toBe(0);
    expect(stdout).toContain('compared with v1 (production)');
    expect(stdout).toContain('drift reference: training data of penguins v1');
    const card = JSON.parse(readFileSync(join(dir, 'models/penguins/v2/card.json'), 'utf8'));
    expect(card.parent_version).toBe(1);
    expect(card.blessing.baseline_version).toBe('v1');
    const baseline = card.blessing.checks.find((c: { kind: string }) => c.kind === 'baseline');
    expect(baseline).toMatchObject({ passed: true });
    expect(baseline.baseline).toBeCloseTo(baseline.candidate, 10);
    expect(card.baseline.version).toBe('v1');
    expect(card.baseline.metrics.accuracy).toBeCloseTo(card.evaluation.metrics.accuracy, 10);
    const markdown = readFileSync(join(dir, 'models/penguins/v2/card.md'), 'utf8');
    expect(markdown).toContain('# penguins v2');
    expect(markdown).toContain('| metric | value | production v1 | naive baseline | better |');
    // Same data, config and code: the same model bytes but for the version in the metadata.
    const first = readFileSync(join(dir, 'runs/first/export/model.onnx'));
    const second = readFileSync(join(dir, 'runs/second/export/model.onnx'));
    expect(second.equals(first)).toBe(true);
  });

  it('refuses a deliberately worse model with exit code 3 and registers nothing', () => {
    const worse = readFileSync(join(dir, 'conveyor.yml'), 'utf8').replace(
      'params: {}',
      'params: { n_trees: 1, max_depth: 1, learning_rate: 0.05, early_stopping_rounds: 0 }',
    );
    writeFileSync(join(dir, 'worse.yml'), worse);
    const { code, stdout, stderr } = conveyor(['pipeline', '--config', 'worse.yml', '--run-dir', 'runs/worse']);
    expect(code).toBe(3);
    expect(stdout).toMatch(/NOT BLESSED/);
    expect(stderr).toMatch(/not blessed: .*macro_f1/);
    expect(existsSync(join(dir, 'models/penguins/v3'))).toBe(false);
    const record = JSON.parse(readFileSync(join(dir, 'runs/worse/run.json'), 'utf8'));
    expect(record.stages['validate-model'].status).toBe('failed');
    expect(record.stages.register).toBeUndefined();
  });

  it('lists versions and moves aliases from the registry command, and rolls back', () => {
    let result = json(['registry', 'list']);
    expect(result.code).toBe(0);
    expect((result.doc.versions as { version: number }[]).map((v) => v.version)).toEqual([1, 2]);
    expect(result.doc.aliases).toEqual({ production: 2 });
    expect(conveyor(['registry', 'promote', 'v1', 'staging']).code).toBe(0);
    expect(conveyor(['registry', 'rollback']).code).toBe(0);
    result = json(['registry', 'list']);
    expect(result.doc.aliases).toEqual({ production: 1, staging: 1 });
    const pulled = conveyor(['registry', 'pull', 'production', 'pulled']);
    expect(pulled.code).toBe(0);
    expect(existsSync(join(dir, 'pulled/model.onnx'))).toBe(true);
    expect(conveyor(['registry', 'show', 'v9']).code).toBe(1);
    const show = conveyor(['registry', 'show', 'production']);
    expect(show.code).toBe(0);
    expect(show.stdout.split('\n')[0]).toBe(
      'penguins v1  [production, staging]  Palmer penguin species from bill, flipper and body measurements',
    );
    expect(show.stdout).toMatch(/^ {2}blessing {2}blessed first model/m);
    expect(show.stdout.length).toBeLessThan(2000);
    const full = json(['registry', 'show', 'production']);
    expect((full.doc.card as { version: number; training_profile: unknown }).training_profile).toBeDefined();
  });

  it('names the stage and the file when a run folder file is missing or corrupt (exit 2)', () => {
    writeFileSync(join(dir, 'runs/again/prepared/split.json'), '{"signature": 1}');
    const corrupt = conveyor(['train', '--run', 'runs/again']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain(
      `conveyor train: stage "train": ${join(dir, 'runs/again/prepared/split.json')}: invalid split summary`,
    );
    rmSync(join(dir, 'runs/again/run.json'));
    const missing = conveyor(['evaluate', '--run', 'runs/again']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not a run folder (no run.json)');
  });

  it('reruns single stages on an existing run folder', () => {
    const train = conveyor(['train', '--run', 'runs/first']);
    expect(train.code).toBe(0);
    const evaluate = json(['evaluate', '--run', 'runs/first']);
    expect(evaluate.code).toBe(0);
    expect(conveyor(['export']).code).toBe(0); // the latest run
  });

  it('stops on a bad config with exit code 2, naming the key', () => {
    const bad = readFileSync(join(dir, 'conveyor.yml'), 'utf8').replace('target: species', 'target: spieces');
    writeFileSync(join(dir, 'bad.yml'), bad);
    const { code, stderr } = conveyor(['pipeline', '--config', 'bad.yml']);
    expect(code).toBe(2);
    expect(stderr).toContain('bad.yml: data.target: column "spieces" not found; columns are: "species", "island"');
  });

  it('stops on invalid data before training with exit code 2, naming file and line', () => {
    cpSync(join(dir, 'data/penguins'), join(dir, 'data/broken'), { recursive: true });
    const batch = join(dir, 'data/broken/batch-03.csv');
    const lines = readFileSync(batch, 'utf8').split('\n');
    // A number out of the inferred range is only a warning; a value of the wrong type is an error.
    lines[5] = lines[5]!.replace(/,(\d+),(\d+),(MALE|FEMALE|)$/, ',$1,heavy,$3');
    writeFileSync(batch, lines.join('\n'));
    const config = readFileSync(join(dir, 'conveyor.yml'), 'utf8').replace('data/penguins/*.csv', 'data/broken/*.csv');
    writeFileSync(join(dir, 'broken.yml'), config);
    const { code, stderr } = conveyor(['pipeline', '--config', 'broken.yml', '--run-dir', 'runs/broken']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/data\/broken\/batch-03\.csv:6: column "body_mass_g": value "heavy" is not numeric/);
    const record = JSON.parse(readFileSync(join(dir, 'runs/broken/run.json'), 'utf8'));
    expect(record.stages.train).toBeUndefined();
  });

  it('answers --help and rejects unknown commands with exit code 2', () => {
    expect(conveyor(['--help']).stdout).toContain('Usage: conveyor <command>');
    const unknown = conveyor(['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "fly"');
  });
});
