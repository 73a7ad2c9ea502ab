/**
 * Infra validation's golden set: built from a real model's holdout predictions, sent to a real server, and
 * compared. The server carrying the model passes; a server carrying a different model (a deliberately altered
 * one) fails with the rows that differ.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraValidateCli } from '../../src/cli/infra-validate-command.ts';
import { InfraValidationError, InputError } from '../../src/errors.ts';
import {
  assertGolden,
  buildGoldenSet,
  checkGoldenAt,
  compareGolden,
  GOLDEN_ROWS,
  type GoldenSet,
  goldenRequest,
  readGoldenSet,
  writeGoldenSet,
} from '../../src/golden/index.ts';
import { predict } from '../../src/model/predict.ts';
import { type RunningServer, startServer } from '../../src/serve/index.ts';
import { type BuiltModel, buildModel } from '../serve/models.ts';

const root = mkdtempSync(join(tmpdir(), 'conveyor-golden-'));
let species: BuiltModel;
let altered: BuiltModel;
let mass: BuiltModel;
let golden: GoldenSet;
let massGolden: GoldenSet;
const servers: RunningServer[] = [];

function goldenOf(built: BuiltModel, name: string): GoldenSet {
  return buildGoldenSet({
    modelName: name,
    signature: built.signature,
    table: built.holdout,
    predictions: predict(built.model, built.holdout),
    tolerance: 1e-5,
  });
}

async function serve(dir: string): Promise<string> {
  const server = await startServer({ source: { kind: 'dir', path: dir }, port: 0, logger: 'silent' });
  servers.push(server);
  return server.url;
}

beforeAll(async () => {
  const spec = { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' } as const;
  species = await buildModel(spec, join(root, 'species'));
  // The altered model: same name, signature and version, fewer trees.
  altered = await buildModel({ ...spec, nTrees: 2 }, join(root, 'altered'));
  mass = await buildModel(
    { name: 'mass', version: 1, target: 'body_mass_g', task: 'regression', algorithm: 'linear' },
    join(root, 'mass'),
  );
  golden = goldenOf(species, 'penguins');
  massGolden = goldenOf(mass, 'mass');
});

afterAll(async () => {
  for (const server of servers) await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('golden set', () => {
  it('holds the first holdout rows as raw values with the TypeScript predictions', () => {
    expect(golden.rows).toHaveLength(GOLDEN_ROWS);
    expect(golden.features.map((f) => f.name)).toEqual(species.signature.features.map((f) => f.name));
    const island = species.holdout.columns.find((c) => c.name === 'island')!;
    if (island.type !== 'categorical') throw new Error('island is categorical');
    expect(golden.rows[0]!.island).toBe(island.categories[island.codes[0]!]);
    const reference = predict(species.model, species.holdout);
    const classes = species.signature.classes!;
    expect(golden.expected[3]).toEqual({
      label: classes[reference.labelIndex![3]!],
      probabilities: Array.from(reference.probabilities!.subarray(3 * classes.length, 4 * classes.length)),
    });
    expect(massGolden.expected[0]).toEqual({ value: predict(mass.model, mass.holdout).values![0] });
    // Missing values are null in the file (JSON has no NaN) and in the request.
    const request = goldenRequest(golden);
    expect(request.inputs).toHaveLength(species.signature.features.length);
    expect(JSON.stringify(request)).not.toContain('NaN');
  });

  it('round-trips through golden.json and names the file when it is not a golden set', () => {
    const path = join(root, 'golden.json');
    writeGoldenSet(path, golden);
    expect(readGoldenSet(path)).toEqual(golden);
    writeFileSync(path, JSON.stringify({ ...golden, expected: golden.expected.slice(1) }));
    expect(() => readGoldenSet(path)).toThrow(InputError);
    expect(() => readGoldenSet(path)).toThrow(`${path}: not a golden set: expected: rows and expected`);
  });
});

describe('golden requests against a server', () => {
  it('pass when the server carries the model the set was made from (classification and regression)', async () => {
    const report = await checkGoldenAt(await serve(species.dir), golden);
    expect(report).toMatchObject({ ok: true, rows: GOLDEN_ROWS, mismatched_count: 0 });
    expect(report.max_abs_diff).toBeLessThanOrEqual(1e-5);
    expect(() => assertGolden(report, 'server')).not.toThrow();
    const massReport = await checkGoldenAt(await serve(mass.dir), massGolden);
    expect(massReport.ok).toBe(true);
  });

  it('fail, naming the rows, when the server carries an altered model', async () => {
    const report = await checkGoldenAt(await serve(altered.dir), golden);
    expect(report.ok).toBe(false);
    expect(report.mismatched_count).toBeGreaterThan(0);
    expect(report.mismatched_rows[0]!.reason).toMatch(/label differs|probabilities differ by/);
    expect(() => assertGolden(report, 'altered')).toThrow(InfraValidationError);
    expect(() => assertGolden(report, 'altered')).toThrow(/altered answered \d+ of 16 golden requests differently/);
  });

  it('fails on a tolerance smaller than the float32 rounding, and on answers of the wrong shape', async () => {
    const url = await serve(species.dir);
    const strict = await checkGoldenAt(url, { ...golden, tolerance: 0 });
    // onnxruntime computes in float32: some probability differs from the float64 reference.
    expect(strict.ok).toBe(false);
    expect(() => compareGolden(golden, { outputs: [] })).toThrow('the infer response has no "label" output');
    expect(() => compareGolden(golden, { outputs: [{ name: 'label', data: ['Adelie'] }] })).toThrow(
      `the "label" output holds 1 values; expected ${GOLDEN_ROWS}`,
    );
    await expect(checkGoldenAt(url, { ...golden, model: 'other' })).rejects.toThrow(/answered 404/);
  });

  it('conveyor infra-validate --url exits 0 for the model, 1 for the altered one, 2 for bad flags', async () => {
    const path = join(root, 'cli-golden.json');
    writeGoldenSet(path, golden);
    const lines: string[] = [];
    const io = { print: (line: string) => lines.push(line), printJson: () => {} };
    expect(await infraValidateCli(['--golden', path, '--url', await serve(species.dir)], io)).toBe(0);
    expect(lines.at(-1)).toMatch(/^infra validation passed: .* answered all 16 golden requests of penguins/);
    expect(await infraValidateCli(['--golden', path, '--url', await serve(altered.dir)], io)).toBe(1);
    expect(lines.at(-1)).toMatch(/^error: http:\/\/127\.0\.0\.1:\d+ answered \d+ of 16 golden requests differently/);
    expect(await infraValidateCli(['--url', 'http://127.0.0.1:1'], io)).toBe(2);
    expect(lines.at(-1)).toBe('error: --golden FILE is required (golden.json of the model version)');
    expect(await infraValidateCli(['--golden', path], io)).toBe(2);
    expect(await infraValidateCli(['--golden', path, '--bogus'], io)).toBe(2);
  });
});
