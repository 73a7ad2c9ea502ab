/**
 * Column names that are Object.prototype's properties (`__proto__`, `constructor`, `toString`,
 * `hasOwnProperty`) are legal CSV headers: the whole pipeline runs on them through the real `conveyor` bin
 * (validation, prepare, train, evaluate, export with the parity gate, register; gbdt and linear, as features,
 * slices and target), and the server answers /infer and /predict with them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/index.ts';

const bin = resolve('bin/conveyor.js');
const RENAMED: Readonly<Record<string, string>> = {
  island: '__proto__',
  bill_length_mm: 'constructor',
  bill_depth_mm: 'toString',
  sex: 'hasOwnProperty',
};
let dir: string;

function conveyor(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, '--json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '' },
    timeout: 120_000,
  });
  return { code: result.status, stderr: result.stderr, doc: JSON.parse(result.stdout || '{}') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-odd-names-'));
  mkdirSync(join(dir, 'data'));
  for (const file of readdirSync('data/penguins').filter((f) => f.endsWith('.csv'))) {
    const [header, ...rows] = readFileSync(join('data/penguins', file), 'utf8').split('\n');
    const renamed = header!
      .split(',')
      .map((name) => RENAMED[name] ?? name)
      .join(',');
    writeFileSync(join(dir, 'data', file), [renamed, ...rows].join('\n'));
  }
  writeFileSync(
    join(dir, 'conveyor.yml'),
    `model: {name: odd}
data:
  path: data/*.csv
  target: species
  schema: data/odd.schema.json
  features: {toString: numeric}
trainer: {params: {n_trees: 20, threads: 1}}
evaluation: {slices: [__proto__, hasOwnProperty]}
`,
  );
  writeFileSync(
    join(dir, 'linear.yml'),
    `model: {name: odd-linear}
data:
  path: data/*.csv
  target: toString
  schema: data/odd-linear.schema.json
  drop: [species]
trainer: {algorithm: linear}
evaluation: {slices: [__proto__]}
validation: {model: {thresholds: {r2: {min: 0.5}}}}
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('columns named like Object.prototype properties', () => {
  it('go through every stage of a gbdt classification pipeline, parity gate included', () => {
    const { code, doc, stderr } = conveyor(['pipeline']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, blessed: true, version: 1, parity: { ok: true } });
    const card = JSON.parse(readFileSync(join(dir, 'models/odd/v1/card.json'), 'utf8'));
    expect(card.signature.inputs.map((i: { name: string }) => i.name)).toEqual([
      '__proto__',
      'constructor',
      'toString',
      'flipper_length_mm',
      'body_mass_g',
      'hasOwnProperty',
    ]);
    expect(card.signature.inputs.find((i: { name: string }) => i.name === '__proto__').type).toBe('string');
    expect(card.evaluation.slices.map((s: { column: string }) => s.column)).toEqual(['__proto__', 'hasOwnProperty']);
    expect(card.evaluation.slices[0].values.map((v: { value: string }) => v.value)).toEqual([
      'Biscoe',
      'Dream',
      'Torgersen',
    ]);
    // The card shows the naive baseline the model had to beat.
    expect(card.blessing.checks).toContainEqual(
      expect.objectContaining({ kind: 'naive_baseline', name: 'naive_baseline:macro_f1', passed: true }),
    );
    expect(readFileSync(join(dir, 'models/odd/v1/card.md'), 'utf8')).toMatch(
      /\| metric \| value \| naive baseline \| better \|[\s\S]*Naive baseline: always "Adelie"/,
    );
    // The realised holdout share, close to the configured 0.2.
    expect(card.data.split.holdout_share).toBeCloseTo(0.2, 1);
    expect(readFileSync(join(dir, 'models/odd/v1/card.md'), 'utf8')).toMatch(
      /\| rows \| \d+ train, \d+ holdout \(hash split, 2\d(\.\d)?% held out\) \|/,
    );
    const used = card.evaluation.importance.features.filter((f: { importance: number }) => f.importance > 0);
    expect(used.map((f: { feature: string }) => f.feature)).toEqual(
      expect.arrayContaining(['constructor', '__proto__']),
    );
    // A second run reads the schema, the model and the production profile back from their files.
    const second = conveyor(['pipeline']);
    expect(second.code).toBe(0);
    // Same data, config and code: the registry keeps v1 (an unchanged model is not registered again).
    expect(second.doc).toMatchObject({ ok: true, version: 1, unchanged: true });
  });

  it('work as target and features of a linear regression pipeline', () => {
    const { code, doc, stderr } = conveyor(['pipeline', '--config', 'linear.yml']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, version: 1, parity: { ok: true } });
    expect(doc.metrics.r2).toBeGreaterThan(0.5);
  });

  describe('served', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer({
        source: { kind: 'dir', path: join(dir, 'models/odd/v1') },
        port: 0,
        logger: 'silent',
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    // Parsed from JSON text: in a JavaScript object literal `__proto__: ...` would set the prototype instead.
    const record: Record<string, string | number> = JSON.parse(
      '{"__proto__": "Biscoe", "constructor": 48.6, "toString": 16, "flipper_length_mm": 230, "body_mass_g": 5800, "hasOwnProperty": "MALE"}',
    );
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${server.url}/v2/models/odd/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked by the assertions
      return { status: response.status, body: (await response.json()) as any };
    };

    it('answers /infer with the odd names as inputs', async () => {
      const inputs = Object.entries(record).map(([name, value]) => ({
        name,
        datatype: typeof value === 'number' ? 'FP32' : 'BYTES',
        shape: [1, 1],
        data: [value],
      }));
      expect(inputs.map((i) => i.name)).toContain('__proto__');
      const { status, body } = await post('infer', { inputs });
      expect(status).toBe(200);
      expect(body.outputs.find((o: { name: string }) => o.name === 'label').data).toEqual(['Gentoo']);
    });

    it('answers /predict with the odd names as record keys, and names one that is missing', async () => {
      const ok = await post('predict', [record]);
      expect(ok.status).toBe(200);
      expect(ok.body.predictions[0].label).toBe('Gentoo');
      const { toString: _, ...withoutToString } = record;
      expect(Object.keys(withoutToString)).toContain('__proto__');
      const missing = await post('predict', [withoutToString]);
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatch(/record 0: column "toString" is missing/);
    });
  });
});
