/**
 * Serving benchmark: `npx tsx bench/serve.ts [--duration 5] [--soak 60] [--quick]`.
 *
 * (a) the limit: onnxruntime's session.run in-process, one row in a loop and batches of rows;
 * (b) the server: single-row OIP infer requests at concurrency 1, 16 and 64, batching off and on;
 * (c) the HTTP ceiling: a JSON echo route on the same fastify instance (same hooks, same process).
 * Load comes from autocannon in a child process (its own event loop). Then p99 at half the peak rate,
 * and memory over a soak run. Two models: the penguins model of the default config, and a 500-tree model.
 * (d) issue 15's figures (bench/http-load.ts): single-row infer throughput under wrk as a ratio to a bare
 * node:http JSON echo measured in the same run, and p99 at a fixed 3,000 req/s offered by `hey -q` over
 * 16 connections, beside the echo's. `--floor-only` runs (d) alone, `--session-only` (a) alone.
 * `--compare-session-thread` and `--compare-idle-gc` run (d) with that setting off and on, interleaved.
 * (e) the live monitoring window (monitor.live): throughput and CPU per request with the window on against off,
 * same model, and the window's own cost per row. `--monitor-only` runs (e) alone.
 *
 * Prints a Markdown table (paste it into bench/README.md "## Serving").
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type ort from 'onnxruntime-node';
import { gbdtParamsSchema } from '../src/config/schema.ts';
import { loadData } from '../src/data/index.ts';
import type { Column, Table } from '../src/data/types.ts';
import { exportOnnx } from '../src/export/index.ts';
import { Random } from '../src/lib/random.ts';
import { loadOnnxSession, tableToFeeds } from '../src/model/onnx.ts';
import type { ModelSignature } from '../src/model/types.ts';
import { prepareData } from '../src/prepare/index.ts';
import { type RunningServer, startServer } from '../src/serve/index.ts';
import { trainModel } from '../src/train/index.ts';
import type { Dataset } from '../src/train/types.ts';
import { costOf, heyFixedRate, startBareEcho, wrkLoad } from './http-load.ts';

interface LoadOptions {
  readonly url: string;
  /** Request bodies, sent in turn on each connection. */
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly duration: number;
  readonly overallRate?: number;
}

interface AutocannonResult {
  readonly requests: { readonly average: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

function load(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--load-child'], { stdio: 'inherit' });
    child.once('message', (result) => resolve(result as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited ${code}`)));
    child.send(options);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      soak: { type: 'string', default: '60' },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      models: { type: 'string', default: 'penguins,trees500' },
      threads: { type: 'string', default: '0' },
      'prediction-log': { type: 'string', default: 'on' },
      'floor-only': { type: 'boolean', default: false },
      'session-only': { type: 'boolean', default: false },
      'monitor-only': { type: 'boolean', default: false },
      'session-thread': { type: 'string', default: 'off' },
      'compare-session-thread': { type: 'boolean', default: false },
      'idle-gc': { type: 'string', default: 'on' },
      'compare-idle-gc': { type: 'boolean', default: false },
    },
  });
  settings.threads = Number(values.threads);
  rounds = Number(values.rounds);
  settings.predictionLog = values['prediction-log'] !== 'off';
  settings.sessionThread = values['session-thread'] === 'on';
  settings.compareSessionThread = values['compare-session-thread'];
  settings.idleGc = values['idle-gc'] !== 'off';
  settings.compareIdleGc = values['compare-idle-gc'];
  const wanted = new Set(values.models.split(','));
  const duration = Number(values.duration);
  const soak = Number(values.soak);
  const work = mkdtempSync(join(tmpdir(), 'conveyor-bench-serve-'));
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    console.log(line);
  };
  out(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  );
  out(`Load: autocannon in a child process, ${duration} s per cell; single-row OIP infer requests.`);

  out(
    `Server: onnxruntime threads ${settings.threads || 'default (one per core)'}, prediction log ${settings.predictionLog ? 'on (every request)' : 'off'}, session ${settings.sessionThread ? 'in a worker thread' : 'on the HTTP thread'}, idle GC ${settings.idleGc ? 'on' : 'off'}.`,
  );
  const models = await buildModels(work, wanted);
  try {
    if (values['monitor-only']) {
      for (const model of models) await benchMonitor(model, work, duration, out);
      return;
    }
    for (const model of models) {
      out();
      out(`### ${model.title}`);
      out();
      if (values['session-only']) {
        await benchSession(model, out, values.quick);
        continue;
      }
      if (!values['floor-only']) await benchModel(model, work, duration, out, values.quick);
      await benchAgainstFloor(model, work, duration, out);
    }
    out();
    if (soak > 0 && !values['floor-only'] && !values['session-only']) {
      out(`### Memory over a ${soak} s soak (${models[0]!.name}, batching on, concurrency 16)`);
      await soakRun(models[0]!, work, soak, out);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface BenchModel {
  readonly title: string;
  readonly name: string;
  readonly dir: string;
  readonly onnx: Uint8Array;
  readonly signature: ModelSignature;
  readonly table: Table;
}

/** Server settings every run uses (from the flags). */
const settings = {
  threads: 0,
  predictionLog: true,
  sessionThread: false,
  compareSessionThread: false,
  idleGc: true,
  compareIdleGc: false,
};

/** What a (d) variant changes in the server. */
interface ServerVariant {
  readonly sessionThread: boolean;
  readonly idleGc: boolean;
}

/** The server as the flags set it. */
function configuredVariant(): ServerVariant {
  return { sessionThread: settings.sessionThread, idleGc: settings.idleGc };
}

/** Repetitions of each HTTP cell (the median is reported). */
let rounds = 3;

async function buildModels(work: string, wanted: ReadonlySet<string>): Promise<BenchModel[]> {
  const { writeModelDir } = await import('../test/serve/models.ts');
  const models: BenchModel[] = [];
  // 1. The model `npx conveyor pipeline` trains on the bundled data (default gbdt parameters).
  if (wanted.has('penguins')) {
    const loaded = await loadData({ paths: ['data/penguins/*.csv'] });
    const prepared = prepareData(loaded.table, {
      configFile: 'conveyor.yml',
      target: 'species',
      drop: [],
      slices: [],
      holdout: 0.2,
      seed: 42,
    });
    const penguins = await trainModel({
      data: prepared.train,
      trainer: { algorithm: 'gbdt', params: gbdtParamsSchema.parse({}) },
      seed: 42,
    });
    const trees = penguins.model.kind === 'gbdt' ? penguins.model.trees.length : 0;
    models.push(
      writeBenchModel(
        work,
        'penguins',
        penguins.model,
        prepared.train.table,
        `penguins, default gbdt (${trees} trees)`,
      ),
    );
  }
  // 2. 500 trees of up to 31 leaves: synthetic regression, 20,000 rows, 8 numeric + 2 categorical features.
  if (wanted.has('trees500')) {
    const synthetic = syntheticRegression(20_000, 3);
    const big = await trainModel({
      data: synthetic,
      trainer: {
        algorithm: 'gbdt',
        params: gbdtParamsSchema.parse({ n_trees: 500, early_stopping_rounds: 0, validation_fraction: 0 }),
      },
      seed: 3,
    });
    const bigTrees = big.model.kind === 'gbdt' ? big.model.trees.length : 0;
    models.push(
      writeBenchModel(work, 'trees500', big.model, synthetic.table, `synthetic regression, ${bigTrees} trees`),
    );
  }
  return models;

  function writeBenchModel(
    dir: string,
    name: string,
    model: Parameters<typeof exportOnnx>[0],
    table: Table,
    title: string,
  ): BenchModel {
    const onnx = exportOnnx(model, { modelName: name, modelVersion: 'v1', dataDigest: 'bench', codeCommit: 'bench' });
    writeModelDir(join(dir, name), onnx, { name, version: 1 });
    return { title, name, dir: join(dir, name), onnx, signature: model.signature, table };
  }
}

function syntheticRegression(rows: number, seed: number): Dataset {
  const random = new Random(seed);
  const numeric = Array.from({ length: 8 }, () => new Float64Array(rows));
  const colours = ['red', 'green', 'blue', 'black'];
  const sizes = ['s', 'm', 'l'];
  const colour = new Int32Array(rows);
  const size = new Int32Array(rows);
  const target = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (const column of numeric) column[r] = random.next() * 10 - 5;
    colour[r] = random.int(colours.length);
    size[r] = random.int(sizes.length);
    const x = numeric.map((c) => c[r]!);
    target[r] =
      Math.sin(x[0]!) * 3 + x[1]! * x[2]! + (x[3]! > 0 ? 2 : -1) + colour[r]! * 0.7 - size[r]! + random.next() * 0.5;
  }
  const columns: Column[] = [
    ...numeric.map((values, j): Column => ({ type: 'numeric', name: `x${j}`, values })),
    { type: 'categorical', name: 'colour', codes: colour, categories: colours },
    { type: 'categorical', name: 'size', codes: size, categories: sizes },
  ];
  const signature: ModelSignature = {
    task: 'regression',
    target: 'y',
    features: columns.map((c) => ({ name: c.name, type: c.type === 'categorical' ? 'categorical' : 'numeric' })),
  };
  return { signature, table: { rowCount: rows, columns }, target };
}

/** A single-row OIP infer body for row `r` of `table`. */
function inferBody(signature: ModelSignature, table: Table, r: number): string {
  const inputs = signature.features.map((feature) => {
    const column = table.columns.find((c) => c.name === feature.name)!;
    let value: string | number | null;
    if (column.type === 'categorical') value = column.codes[r]! < 0 ? null : column.categories[column.codes[r]!]!;
    else value = Number.isNaN(column.values[r]!) ? null : column.values[r]!;
    return {
      name: feature.name,
      shape: [1, 1],
      datatype: feature.type === 'numeric' ? 'FP32' : 'BYTES',
      data: [value],
    };
  });
  return JSON.stringify({ inputs });
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** (a): session.run in a loop on prebuilt feeds for `seconds`; rows/s and per-call p50/p99 (ms). */
async function rawRuns(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  rows: number,
  seconds: number,
) {
  for (let i = 0; i < 200; i++) await session.run(feeds);
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  const sorted = Float64Array.from(times).sort();
  const total = times.reduce((a, b) => a + b, 0);
  return {
    rowsPerSecond: (times.length * rows * 1000) / total,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
  };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));

/** (a) the limit, in-process: session.run on prebuilt tensors; returns single-row runs' rows per second. */
async function benchSession(model: BenchModel, out: (line?: string) => void, quick: boolean): Promise<number> {
  const { session } = await loadOnnxSession(
    model.onnx,
    settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {},
  );
  const rawRows = [1, 16, 64, 256];
  const raw = new Map<number, Awaited<ReturnType<typeof rawRuns>>>();
  for (const rows of rawRows) {
    raw.set(rows, await rawRuns(session, tableToFeeds(model.signature, model.table, 0, rows), rows, quick ? 0.5 : 2));
  }
  await session.release();
  out('| (a) in-process session.run | rows/s (at p50) | p50 ms/run | p99 ms/run |');
  out('| --- | ---: | ---: | ---: |');
  for (const rows of rawRows) {
    const r = raw.get(rows)!;
    out(`| batch of ${rows} | ${fmt(r.rowsPerSecond)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
  }
  return raw.get(1)!.rowsPerSecond;
}

async function benchModel(
  model: BenchModel,
  work: string,
  duration: number,
  out: (line?: string) => void,
  quick: boolean,
): Promise<void> {
  const limit = await benchSession(model, out, quick);

  // (b) and (c): the server with batching off and on, and the echo route on the same fastify setup. The
  // cells are interleaved (echo, off, on at each concurrency, `rounds` times) and the median is reported,
  // so that noise from other processes falls on every column alike.
  const bodies = Array.from({ length: 64 }, (_, r) =>
    inferBody(model.signature, model.table, r % model.table.rowCount),
  );
  const servers = { off: await serve(model, work, false), on: await serve(model, work, true) };
  type Cell = { r: LoadResult; batchRows: number };
  const cells = new Map<string, Cell[]>();
  try {
    const target = (kind: 'echo' | 'off' | 'on') =>
      kind === 'echo' ? `${servers.off.url}/echo` : `${servers[kind].url}/v2/models/${model.name}/infer`;
    for (const kind of ['echo', 'off', 'on'] as const)
      await load({ url: target(kind), bodies, connections: 16, duration: 1 });
    for (const c of [1, 16, 64]) {
      for (let round = 0; round < rounds; round++) {
        for (const kind of ['echo', 'off', 'on'] as const) {
          const server = kind === 'on' ? servers.on : servers.off;
          const before = await batchTotals(server);
          const r = await load({ url: target(kind), bodies, connections: c, duration });
          const after = await batchTotals(server);
          const batches = after.batches - before.batches;
          const key = `${kind}:${c}`;
          cells.set(key, [
            ...(cells.get(key) ?? []),
            { r, batchRows: batches > 0 ? (after.rows - before.rows) / batches : 0 },
          ]);
        }
      }
    }
  } finally {
    await servers.off.close();
    await servers.on.close();
  }
  const median = (kind: string, c: number): Cell => {
    const list = [...cells.get(`${kind}:${c}`)!].sort((x, y) => x.r.rps - y.r.rps);
    return list[Math.floor(list.length / 2)]!;
  };
  out();
  out(
    `| (b)/(c) HTTP, median of ${rounds} | concurrency | req/s | p50 ms | p99 ms | rows/batch | × echo | × (a) 1-row |`,
  );
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [kind, label] of [
    ['echo', '(c) JSON echo'],
    ['off', '(b) infer, batching off'],
    ['on', '(b) infer, batching on'],
  ] as const) {
    for (const c of [1, 16, 64]) {
      const { r, batchRows } = median(kind, c);
      const e = median('echo', c).r;
      const bad = r.errors + r.non2xx > 0 ? ` (${r.errors} errors, ${r.non2xx} non-2xx)` : '';
      out(
        `| ${label}${bad} | ${c} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${kind === 'echo' ? '' : batchRows.toFixed(1)} | ${(r.rps / e.rps).toFixed(2)} | ${(r.rps / limit).toFixed(2)} |`,
      );
    }
  }
  const peak = (kind: string) => Math.max(...[1, 16, 64].map((c) => median(kind, c).r.rps));
  const peakOn = peak('on');
  const peakOff = peak('off');
  out();
  out(
    `Peak: batching on ${fmt(peakOn)} req/s, off ${fmt(peakOff)} req/s (on/off ${(peakOn / peakOff).toFixed(2)}×); ` +
      `at concurrency 16 infer (on) / echo = ${(median('on', 16).r.rps / median('echo', 16).r.rps).toFixed(2)}.`,
  );

  // p99 at half the peak rate (batching on, 16 connections), beside the echo route at the same rate: on a
  // shared machine the tail comes mostly from other processes, which the echo's p99 shows. The server-side
  // p99 (request received to response written, from its histogram) leaves out the load generator's delays.
  const server = await serve(model, work, true);
  try {
    const rate = Math.round(peakOn / 2);
    const echoAtRate = await load({ url: `${server.url}/echo`, bodies, connections: 16, duration, overallRate: rate });
    const before = await latencyBuckets(server);
    const half = await load({
      url: `${server.url}/v2/models/${model.name}/infer`,
      bodies,
      connections: 16,
      duration,
      overallRate: rate,
    });
    const serverP99 = bucketQuantile(before, await latencyBuckets(server), 0.99);
    out(
      `At half the peak (${fmt(rate)} req/s offered, 16 connections, batching on): ${fmt(half.rps)} req/s, ` +
        `p50 ${half.p50} ms, p99 ${half.p99} ms (server-side p99 ≤ ${serverP99 * 1000} ms); ` +
        `the echo route at the same rate: p99 ${echoAtRate.p99} ms.`,
    );
  } finally {
    await server.close();
  }
}

/**
 * (d) Single-row infer (default batching) against a bare node:http JSON echo, both under wrk at 16
 * connections, interleaved `rounds` times (median ratio); then p99 at a fixed 3,000 req/s (hey, 16 workers
 * × 188 req/s) for both, interleaved `rounds` times (median p99). With `--compare-session-thread` the server
 * runs twice, with onnxruntime on the HTTP thread and in a worker thread, interleaved in the same rounds;
 * `--compare-idle-gc` likewise with serve.idle_gc off and on.
 */
async function benchAgainstFloor(
  model: BenchModel,
  work: string,
  duration: number,
  out: (line?: string) => void,
): Promise<void> {
  const bodies = Array.from({ length: 64 }, (_, r) =>
    inferBody(model.signature, model.table, r % model.table.rowCount),
  );
  const echo = await startBareEcho();
  const configured = configuredVariant();
  const variants: (ServerVariant & { label: string })[] = settings.compareSessionThread
    ? [
        { ...configured, label: 'session on the HTTP thread', sessionThread: false },
        { ...configured, label: 'session in a worker thread', sessionThread: true },
      ]
    : settings.compareIdleGc
      ? [
          { ...configured, label: 'idle GC off', idleGc: false },
          { ...configured, label: 'idle GC on', idleGc: true },
        ]
      : [{ ...configured, label: settings.sessionThread ? 'session in a worker thread' : '' }];
  const servers: RunningServer[] = [];
  try {
    for (const variant of variants) servers.push(await serve(model, work, true, variant));
    const urls = servers.map((server) => `${server.url}/v2/models/${model.name}/infer`);
    const wrkCost = (url: string) => costOf(() => wrkLoad(url, bodies, 16, duration, work));
    type Cell = Awaited<ReturnType<typeof wrkCost>>;
    await wrkLoad(echo.url, bodies, 16, 1, work);
    for (const url of urls) await wrkLoad(url, bodies, 16, 1, work);
    const echoes: Cell[] = [];
    const infers: Cell[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      echoes.push(await wrkCost(echo.url));
      for (const [v, url] of urls.entries()) infers[v]!.push(await wrkCost(url));
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const echoHttp = median(echoes.map((c) => c.httpThreadUs));
    const echoCpu = median(echoes.map((c) => c.cpuUs));
    out();
    for (const [v, variant] of variants.entries()) {
      const cells = infers[v]!;
      const ratios = cells.map((cell, round) => cell.rps / echoes[round]!.rps);
      const inferHttp = median(cells.map((c) => c.httpThreadUs));
      const inferCpu = median(cells.map((c) => c.cpuUs));
      const label = variant.label ? ` (${variant.label})` : '';
      out(
        `(d) wrk, 16 connections, single-row infer${label} vs a bare node:http JSON echo, median of ${rounds} interleaved rounds: ` +
          `infer ${fmt(median(cells.map((c) => c.rps)))} req/s, echo ${fmt(median(echoes.map((c) => c.rps)))} req/s: ` +
          `**${median(ratios).toFixed(2)}×** (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})${errorsNote([...echoes, ...cells])}.`,
      );
      out(
        `(d) CPU per request${label}, medians: HTTP thread ${inferHttp.toFixed(1)} µs infer vs ${echoHttp.toFixed(1)} µs echo ` +
          `(**${(echoHttp / inferHttp).toFixed(2)}×**, the throughput ratio when the HTTP thread is the bottleneck); ` +
          `process CPU ${inferCpu.toFixed(1)} µs vs ${echoCpu.toFixed(1)} µs (${(echoCpu / inferCpu).toFixed(2)}×).`,
      );
    }
    // The fixed rate too in interleaved rounds: one window's p99 swings with whatever else the machine ran.
    type Rate = Awaited<ReturnType<typeof heyFixedRate>>;
    const echoRates: Rate[] = [];
    const inferRates: Rate[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      echoRates.push(await heyFixedRate(echo.url, bodies[0]!, 16, 188, duration, work));
      for (const [v, url] of urls.entries())
        inferRates[v]!.push(await heyFixedRate(url, bodies[0]!, 16, 188, duration, work));
    }
    const latencies = (rates: Rate[]) =>
      `${fmt(median(rates.map((r) => r.rps)))} req/s, p50 ${median(rates.map((r) => r.p50)).toFixed(2)} ms, ` +
      `p99 ${median(rates.map((r) => r.p99)).toFixed(2)} ms (rounds: ${rates.map((r) => r.p99.toFixed(2)).join(', ')})`;
    out(
      `(d) hey -c 16 -q 188 (3,008 req/s offered), medians of ${rounds} interleaved rounds: bare echo ${latencies(echoRates)}${errorsNote(echoRates)}.`,
    );
    for (const [v, rates] of inferRates.entries()) {
      const label = variants[v]!.label ? ` (${variants[v]!.label})` : '';
      out(`(d) hey -c 16 -q 188: infer${label} **${latencies(rates)}**${errorsNote(rates)}.`);
    }
  } finally {
    for (const server of servers) await server.close();
    await echo.close();
  }
}

type HttpLoadResultLike = { readonly rps: number; readonly errors: number };

function errorsNote(results: readonly HttpLoadResultLike[]): string {
  const errors = results.reduce((a, r) => a + r.errors, 0);
  return errors > 0 ? ` (${errors} failed or non-2xx responses)` : '';
}

/**
 * (e) The live monitoring window's cost on the request path: the same model served with monitor.live on (its card
 * carries the training profile and holdout predictions) and off, batching on, 16 connections, rounds interleaved.
 */
async function benchMonitor(model: BenchModel, work: string, duration: number, out: (line?: string) => void) {
  const { cardFor } = await import('../test/serve/models.ts');
  const { loadOnnxSession: load1, runOnnx } = await import('../src/model/onnx.ts');
  const { holdoutPredictionProfile } = await import('../src/monitor/index.ts');
  const { computeProfile } = await import('../src/validate/index.ts');
  const { configSchema } = await import('../src/config/schema.ts');
  const loaded = await load1(model.onnx);
  const predictions = await runOnnx(loaded.session, model.signature, model.table);
  await loaded.session.release();
  const dir = join(work, `${model.name}-monitored`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model.onnx);
  const card = {
    ...cardFor(model.onnx, { name: model.name, version: 1 }),
    training_profile: computeProfile(model.table),
    holdout_predictions: holdoutPredictionProfile(model.signature, predictions),
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
  const monitor = configSchema.shape.monitor.parse({});
  const start = (live: boolean) =>
    startServer({
      source: { kind: 'dir', path: dir },
      port: 0,
      logger: 'warn',
      monitor: { ...monitor, live },
      ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
    });
  const servers = { off: await start(false), on: await start(true) };
  const bodies = Array.from({ length: 64 }, (_, r) =>
    inferBody(model.signature, model.table, r % model.table.rowCount),
  );
  const results: Record<'on' | 'off', number[]> = { on: [], off: [] };
  // CPU time of this process (both servers live here; autocannon runs in a child) per request served: less
  // disturbed by other processes on a shared machine than wall-clock throughput.
  const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
  try {
    for (const kind of ['off', 'on'] as const) {
      await load({ url: `${servers[kind].url}/v2/models/${model.name}/infer`, bodies, connections: 16, duration: 1 });
    }
    for (let round = 0; round < rounds; round++) {
      for (const kind of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const before = process.cpuUsage();
        const r = await load({
          url: `${servers[kind].url}/v2/models/${model.name}/infer`,
          bodies,
          connections: 16,
          duration,
        });
        const used = process.cpuUsage(before);
        results[kind].push(r.rps);
        cpu[kind].push((used.user + used.system) / (r.rps * duration));
      }
    }
    const window = (await (await fetch(`${servers.on.url}/v2/models/${model.name}/monitor`)).json()) as {
      window: { rows: number };
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const on = median(results.on);
    const off = median(results.off);
    const cpuOn = median(cpu.on);
    const cpuOff = median(cpu.off);
    // Each round runs off and on back to back: the ratio within a round cancels most of the drift in the
    // machine's load between rounds.
    const paired = median(results.on.map((x, i) => x / results.off[i]!));
    // The window's own cost per row, in-process: add() of the bench rows, many times over.
    const { LiveWindow, liveModelOf } = await import('../src/monitor/index.ts');
    const live = liveModelOf(model.name, 'v1', model.signature, card);
    if (typeof live === 'string') throw new Error(live);
    const alone = new LiveWindow(live, monitor);
    const rows = Math.min(model.table.rowCount, 256);
    const sent = model.signature.features.map((f) => {
      const column = model.table.columns.find((c) => c.name === f.name)!;
      return Array.from({ length: rows }, (_, r) => {
        if (column.type === 'categorical') return column.codes[r]! < 0 ? '' : column.categories[column.codes[r]!]!;
        return Number.isNaN(column.values[r]!) ? null : column.values[r]!;
      });
    }) as (number | null)[][];
    const predicted = Array.from({ length: rows }, (_, r) =>
      model.signature.task === 'classification' ? model.signature.classes![r % model.signature.classes!.length]! : r,
    );
    let added = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000) {
      alone.add(rows, sent, predicted);
      added += rows;
    }
    const nsPerRow = ((performance.now() - t0) * 1e6) / added;
    out();
    out(
      `(e) ${model.title}, live monitor window (${monitor.window} rows, ${model.signature.features.length} features): ` +
        `on ${fmt(on)} req/s, off ${fmt(off)} req/s, on/off ${(on / off).toFixed(3)}, median of the per-round on/off ratios ${paired.toFixed(3)} (${rounds} interleaved ` +
        `rounds, batching on, 16 connections; rounds on/off: ${results.on.map(fmt).join(', ')} / ${results.off.map(fmt).join(', ')}; ` +
        `window held ${window.window.rows} rows at the end).`,
    );
    out(
      `(e) CPU per request (this process): on ${cpuOn.toFixed(0)} µs, off ${cpuOff.toFixed(0)} µs, off/on ${(cpuOff / cpuOn).toFixed(3)}; ` +
        `window.add alone: ${nsPerRow.toFixed(0)} ns per row (${((nsPerRow / 1000 / cpuOff) * 100).toFixed(2)}% of a request's CPU).`,
    );
  } finally {
    await servers.off.close();
    await servers.on.close();
  }
}

/** Cumulative counts of the infer route's latency histogram buckets, by upper bound (seconds). */
async function latencyBuckets(server: RunningServer): Promise<Map<number, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^conveyor_http_request_duration_seconds_bucket\{le="([^"]+)",route="[^"]*infer"[^}]*\} (\d+)/.exec(
      line,
    );
    if (match)
      buckets.set(
        match[1] === '+Inf' ? Infinity : Number(match[1]),
        (buckets.get(Number(match[1])) ?? 0) + Number(match[2]),
      );
  }
  return buckets;
}

/** Upper bound of the bucket holding quantile q of the requests between two histogram snapshots. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= q * total) return bound;
  }
  return Infinity;
}

/** Batches run and rows batched so far, from the server's /metrics. */
async function batchTotals(server: RunningServer): Promise<{ batches: number; rows: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')[1] ?? 0,
    );
  return { batches: value('conveyor_batch_rows_count'), rows: value('conveyor_batch_rows_sum') };
}

async function serve(
  model: BenchModel,
  work: string,
  batching: boolean,
  variant: ServerVariant = configuredVariant(),
): Promise<RunningServer> {
  const predictionLog = settings.predictionLog;
  return startServer({
    ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
    ...(variant.sessionThread ? { sessionThread: true } : {}),
    idleGc: variant.idleGc,
    source: { kind: 'dir', path: model.dir },
    port: 0,
    logger: 'warn',
    batching: { maxBatchSize: 64, maxQueueDelayMs: batching ? 1 : 0 },
    // The default config logs every request.
    ...(predictionLog
      ? {
          predictionLog: {
            path: join(work, 'logs', `${model.name}.jsonl`),
            sampleRate: 1,
            maxBytes: 50 * 1024 * 1024,
            maxFiles: 2,
          },
        }
      : {}),
    configure: (app) => {
      app.post('/echo', async (request) => request.body);
    },
  });
}

async function soakRun(model: BenchModel, work: string, seconds: number, out: (line?: string) => void): Promise<void> {
  const server = await serve(model, work, true);
  const samples: { t: number; rss: number; heap: number }[] = [];
  const started = performance.now();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    samples.push({ t: (performance.now() - started) / 1000, rss: m.rss, heap: m.heapUsed });
  }, 1000);
  try {
    const result = await load({
      url: `${server.url}/v2/models/${model.name}/infer`,
      bodies: Array.from({ length: 64 }, (_, r) => inferBody(model.signature, model.table, r % model.table.rowCount)),
      connections: 16,
      duration: seconds,
    });
    clearInterval(timer);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
    const marks = [5, seconds / 2, seconds - 1].map(at);
    out();
    out(`${fmt(result.rps)} req/s over ${seconds} s, p99 ${result.p99} ms.`);
    out(
      `RSS ${marks.map((s) => `${mb(s.rss)} MB at ${Math.round(s.t)} s`).join(', ')}; heap used ${marks
        .map((s) => `${mb(s.heap)} MB`)
        .join(', ')}.`,
    );
  } finally {
    clearInterval(timer);
    await server.close();
  }
}

// Child mode: run one autocannon load and send back the summary.
if (process.argv.includes('--load-child')) {
  // autocannon ships no types: the few fields used here.
  type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
  const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
  process.once('message', async (options: LoadOptions) => {
    const result = await autocannon({
      url: options.url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: options.bodies.map((body) => ({ body })),
      connections: options.connections,
      duration: options.duration,
      ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    });
    const summary: LoadResult = {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
    process.send!(summary, undefined, {}, () => process.exit(0));
  });
} else {
  await main();
}
