/**
 * The monitor end to end on a real registered model (the pipeline on the bundled penguins data, in a scratch
 * folder): the server's live window and gauges stay quiet for in-distribution traffic and move when drifted
 * traffic is sent; `conveyor monitor` then reads the server's rotated prediction-log files in order, joins
 * feedback by request id, scores it in onnxruntime and asks for a retrain with its reasons; unusable input exits 2.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorCli } from '../../src/cli/monitor-command.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadData } from '../../src/data/index.ts';
import type { Table } from '../../src/data/types.ts';
import type { ModelSignature } from '../../src/model/types.ts';
import { runPipeline } from '../../src/pipeline/pipeline.ts';
import { startServer } from '../../src/serve/index.ts';
import type { RunningServer } from '../../src/serve/types.ts';
import { getJson, type Json, metricValue, oipInputs, postJson } from '../serve/models.ts';

const REPO = resolve(import.meta.dirname, '../..');
let dir: string;
let server: RunningServer;
let penguins: Table;
let signature: ModelSignature;
const WINDOW = 400;

/** Rows of the penguins data with heavier, longer-billed birds, all from one island: out of distribution. */
function drifted(table: Table): Table {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((c) => {
      if (c.type === 'numeric' && ['body_mass_g', 'bill_length_mm', 'flipper_length_mm'].includes(c.name)) {
        const shift = c.name === 'body_mass_g' ? 2500 : 30;
        return { ...c, values: c.values.map((v) => v + shift) };
      }
      if (c.type === 'categorical' && c.name === 'island') {
        return { ...c, codes: c.codes.map(() => c.categories.indexOf('Torgersen')) };
      }
      return c;
    }),
  };
}

async function send(table: Table, prefix: string): Promise<void> {
  for (let start = 0; start < table.rowCount; start += 4) {
    const end = Math.min(start + 4, table.rowCount);
    const response = await postJson(`${server.url}/v2/models/penguins/infer`, {
      id: `${prefix}-${start}`,
      inputs: oipInputs(signature, table, start, end),
    });
    expect(response.status).toBe(200);
  }
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await monitorCli(args, {
    cwd: dir,
    env: { ...process.env, GITHUB_ACTIONS: '' },
    out: (t) => {
      stdout += `${t}\n`;
    },
    err: (t) => {
      stderr += `${t}\n`;
    },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-monitor-'));
  cpSync(join(REPO, 'data/penguins'), join(dir, 'data/penguins'), { recursive: true });
  writeFileSync(
    join(dir, 'conveyor.yml'),
    `${readFileSync(join(REPO, 'conveyor.yml'), 'utf8')}\nmonitor:\n  window: ${WINDOW}\nserve:\n  prediction_log:\n    max_bytes: 16384\n    max_files: 20\n`,
  );
  await runPipeline({ configFile: 'conveyor.yml', cwd: dir, env: { ...process.env, GITHUB_ACTIONS: '' } });
  const config = loadConfig(join(dir, 'conveyor.yml'));
  penguins = (await loadData({ paths: ['data/penguins/*.csv'], cwd: dir })).table;
  server = await startServer({
    source: { kind: 'dir', path: join(dir, 'models/penguins/v1') },
    port: 0,
    logger: 'silent',
    monitor: config.monitor,
    predictionLog: {
      path: join(dir, config.serve.prediction_log.path),
      sampleRate: 1,
      maxBytes: config.serve.prediction_log.max_bytes,
      maxFiles: config.serve.prediction_log.max_files,
    },
  });
  signature = (await getJson(`${server.url}/v2/models/penguins`)).body.parameters.signature ?? {
    task: 'classification',
    target: 'species',
    features: ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'].map((name) => ({
      name,
      type: ['island', 'sex'].includes(name) ? 'categorical' : 'numeric',
    })),
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the server live view', () => {
  it('has no verdict before min_rows, stays quiet for in-distribution traffic', async () => {
    const empty = await getJson(`${server.url}/v2/models/penguins/monitor`);
    expect(empty.status).toBe(200);
    expect(empty.body.input_drift).toEqual({ status: 'not_enough_data', rows: 0, min_rows: 50 });
    expect(metricValue(await (await fetch(`${server.url}/metrics`)).text(), 'conveyor_monitor_window_rows')).toBe(0);

    await send(penguins, 'in');
    const { body } = await getJson(`${server.url}/v2/models/penguins/monitor`);
    expect(body.window).toMatchObject({ kind: 'server', rows: 344, capacity: WINDOW });
    expect(body.input_drift).toMatchObject({ status: 'ok', test: 'chi_squared', dataset_drift: false });
    expect(body.input_drift.columns).toHaveLength(6);
    expect(body.input_drift.columns.filter((c: Json) => c.drifted)).toEqual([]);
    expect(body.prediction_drift).toMatchObject({ status: 'ok', drifted: false });
    expect(body).toMatchObject({ retrain: false, reasons: [] });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(metrics, 'conveyor_monitor_window_rows')).toBe(344);
    expect(metricValue(metrics, 'conveyor_monitor_dataset_drift')).toBe(0);
    expect(metricValue(metrics, 'conveyor_monitor_column_drifted{column="body_mass_g"}')).toBe(0);
    expect(metricValue(metrics, 'conveyor_monitor_retrain')).toBe(0);
  });

  it('moves when drifted traffic is sent: the window rolls over, columns and the data set drift', async () => {
    await send(drifted(penguins), 'shifted');
    await send(drifted(penguins), 'shifted2');
    const { body } = await getJson(`${server.url}/v2/models/penguins/monitor`);
    expect(body.window).toMatchObject({ rows: WINDOW, capacity: WINDOW, rows_seen: 3 * 344 });
    expect(body.input_drift).toMatchObject({ status: 'ok', dataset_drift: true });
    const drift = Object.fromEntries(body.input_drift.columns.map((c: Json) => [c.column, c.drifted]));
    expect(drift).toMatchObject({ body_mass_g: true, bill_length_mm: true, flipper_length_mm: true, island: true });
    expect(body.retrain).toBe(true);
    expect(body.reasons[0]).toMatch(/^input drift: [4-6] of 6 columns drifted/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(metrics, 'conveyor_monitor_window_rows')).toBe(WINDOW);
    expect(metricValue(metrics, 'conveyor_monitor_dataset_drift')).toBe(1);
    expect(metricValue(metrics, 'conveyor_monitor_column_drifted{column="body_mass_g"}')).toBe(1);
    expect(
      metricValue(metrics, 'conveyor_monitor_column_drift_score{column="body_mass_g",method="chi_squared"}'),
    ).toBeLessThan(1e-6);
    expect(metricValue(metrics, 'conveyor_monitor_retrain')).toBe(1);
  });

  it('answers 404 for another model name', async () => {
    const other = await getJson(`${server.url}/v2/models/other/monitor`);
    expect(other.status).toBe(404);
    expect(other.body.error).toMatch(/not served here/);
  });
});

describe('conveyor monitor', () => {
  it('reads the rotated log files in order, joins feedback by request id, and asks for a retrain with reasons', async () => {
    await server.close(); // flushes the prediction log
    const logs = readdirSync(join(dir, 'logs'));
    expect(logs.length).toBeGreaterThan(3); // rotated
    // Feedback for the shifted requests, by request id: the true species of each row.
    mkdirSync(join(dir, 'data/feedback'), { recursive: true });
    const species = penguins.columns.find((c) => c.name === 'species')!;
    const lines = ['request_id,species'];
    for (let start = 0; start < penguins.rowCount; start += 4) {
      for (let r = start; r < Math.min(start + 4, penguins.rowCount); r++) {
        if (species.type === 'categorical') lines.push(`shifted2-${start},${species.categories[species.codes[r]!]}`);
      }
    }
    writeFileSync(join(dir, 'data/feedback/labels.csv'), `${lines.join('\n')}\n`);

    const { code, stdout, stderr } = await cli(['--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(typeof report.retrain).toBe('boolean');
    expect(Array.isArray(report.reasons)).toBe(true);
    expect(report.retrain).toBe(true);
    expect(report.severity).toBe('critical');
    // Oldest file first: the window's last WINDOW rows are the newest, all shifted.
    expect(report.window).toMatchObject({ kind: 'prediction_log', rows: WINDOW, rows_read: 3 * 344 });
    expect(report.window.files).toEqual(
      [...report.window.files].sort((a: string, b: string) => generation(b) - generation(a)),
    );
    expect(report.window.lines).toEqual({ read: 3 * 86, malformed: 0, truncated: 0, other_model: 0 });
    expect(report.input_drift).toMatchObject({ status: 'ok', test: 'chi_squared', dataset_drift: true });
    expect(report.feedback).toMatchObject({
      status: 'ok',
      rows: 344,
      joined_by_request_id: true,
      metric: 'macro_f1',
      degraded: true,
    });
    expect(report.feedback.feedback).toBeLessThan(report.feedback.holdout - 0.02);
    expect(report.reasons[0]).toMatch(
      /^macro_f1 on 344 feedback rows is 0\.\d{4}, holdout 0\.9\d{3} \(tolerance 0\.02\)$/,
    );
    expect(report.reasons.join('\n')).toMatch(/input drift: \d of 6 columns drifted/);
    const written = readdirSync(join(dir, 'monitor'));
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'monitor', written[0]!), 'utf8'))).toEqual(report);
  });

  it('prints the tables for people, and stays quiet on in-distribution data from a file', async () => {
    const { code, stdout } = await cli(['--data', 'data/penguins/*.csv', '--feedback', 'data/penguins/batch-01.csv']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Input drift \(chi-squared p-values \(small window\), 344 rows\): 0 of 6 columns drifted/);
    expect(stdout).toMatch(/ {2}body_mass_g +chi2 p-value +\d\.\d{4} +0\.01 +\d\.\d% → \d\.\d% +ok/);
    expect(stdout).toMatch(
      /Quality on feedback \(\d+ rows\): macro_f1 0\.9\d{3} vs holdout 0\.9\d{3} \(tolerance 0\.02, higher is better\): ok/,
    );
    expect(stdout).toMatch(/Decision: no retrain \(severity none\)/);
  });

  it('counts malformed and truncated lines with a warning; exits 2 for a log of only bad lines or no model', async () => {
    const log = join(dir, 'logs/predictions.jsonl');
    appendFileSync(log, 'oops\n{"rows": 1');
    const warned = await cli(['--json', '--feedback', 'none/*.csv']);
    expect(warned.code).toBe(0);
    expect(JSON.parse(warned.stdout).window.lines).toMatchObject({ malformed: 1, truncated: 1 });
    expect(warned.stderr).toMatch(/warning: 1 malformed line\(s\) skipped/);
    expect(warned.stderr).toMatch(/warning: 1 truncated line\(s\) skipped/);

    writeFileSync(join(dir, 'bad.jsonl'), 'not json\n{"x": 1}\n');
    const bad = await cli(['--predictions', 'bad.jsonl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl: no usable prediction log line \(2 malformed/);

    const noModel = await cli(['--model', 'nosuch', '--json']);
    expect(noModel.code).toBe(2);
    expect(JSON.parse(noModel.stdout)).toMatchObject({ ok: false, exit_code: 2 });
    expect(noModel.stderr).toMatch(/no model "nosuch" at "production"/);

    const badFlag = await cli(['--bogus']);
    expect(badFlag.code).toBe(2);
  });

  it('runs from the conveyor bin', () => {
    const result = spawnSync(
      process.execPath,
      [join(REPO, 'bin/conveyor.js'), 'monitor', '--json', '--feedback', 'none/*.csv'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, GITHUB_ACTIONS: '' },
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ retrain: true, model: { name: 'penguins', version: 1 } });
    expect(existsSync(join(dir, 'monitor'))).toBe(true);
  });
});

function generation(file: string): number {
  const match = /\.(\d+)$/.exec(file);
  return match ? Number(match[1]) : 0;
}
