/**
 * Training benchmark: Conveyor's GBDT against XGBoost (tree_method=hist) and scikit-learn's
 * HistGradientBoostingClassifier on the same rows, split, trees, leaves, depth, learning rate and bins,
 * for each thread count, in one run.
 *
 *   npx tsx bench/train.ts [--rows N] [--synthetic-rows N] [--synthetic-features N] [--trees N] [--threads 1,2] [--skip-python]
 *                          [--only flights|synthetic] [--param key=value ...] [--repeat N] [--readme]
 *
 * Data: (a) flights-3m.parquet from vega-datasets read with loadData (month, day of month, day of week,
 * hour, distance, origin, destination; label delay > 15 min), first --rows rows (default all 3M); (b) a seeded
 * synthetic binary table, --synthetic-rows x --synthetic-features numeric features (default 1M x 20; 11
 * of them carry the signal) with 5% missing values in two features. 80/20 train/test split by a seeded shuffle. The rows are written to a temp folder
 * (float32 matrix + labels + train mask) for bench/train_reference.py, so both sides see identical data.
 * Metrics are computed here for every library from its test-row probabilities. Wall times include
 * binning (XGBoost: DMatrix construction; scikit-learn: fit). --readme writes the table into the
 * "## Training" section of bench/README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { vegaDataPath } from '../scripts/vega-datasets.ts';
import type { GbdtParams } from '../src/config/schema.ts';
import { gbdtParamsSchema } from '../src/config/schema.ts';
import { loadData } from '../src/data/index.ts';
import type { Column, Table } from '../src/data/types.ts';
import { exportOnnx } from '../src/export/export.ts';
import { Random } from '../src/lib/random.ts';
import { loadOnnxSession, runOnnx } from '../src/model/onnx.ts';
import { predictGbdt } from '../src/model/predict-gbdt.ts';
import type { GbdtModel, ModelSignature } from '../src/model/types.ts';
import { trainGbdt } from '../src/train/gbdt/index.ts';

interface Options {
  rows: number;
  syntheticRows: number;
  /** Numeric features of the synthetic table (the first 11 carry the signal). */
  syntheticFeatures: number;
  trees: number;
  threads: number[];
  skipPython: boolean;
  only?: string;
  readme: boolean;
  /** Training runs per library and thread count; the table shows median times. */
  repeat: number;
  /** Conveyor parameter overrides (--param key=value), e.g. categorical_splits=ordinal. */
  params: Record<string, number | string>;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    rows: 3_000_000,
    syntheticRows: 1_000_000,
    syntheticFeatures: 20,
    trees: 100,
    threads: [1, 2],
    skipPython: false,
    readme: false,
    repeat: 1,
    params: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--rows') options.rows = Number(value());
    else if (flag === '--synthetic-rows') options.syntheticRows = Number(value());
    else if (flag === '--synthetic-features') {
      options.syntheticFeatures = Number(value());
      if (!Number.isInteger(options.syntheticFeatures) || options.syntheticFeatures < 12) {
        throw new Error(
          '--synthetic-features needs a whole number >= 12 (features 0-11 carry the signal and the missing values)',
        );
      }
    } else if (flag === '--trees') options.trees = Number(value());
    else if (flag === '--threads') options.threads = value().split(',').map(Number);
    else if (flag === '--skip-python') options.skipPython = true;
    else if (flag === '--only') options.only = value();
    else if (flag === '--readme') options.readme = true;
    else if (flag === '--repeat') options.repeat = Math.max(1, Math.floor(Number(value())));
    else if (flag === '--param') {
      const [key, raw] = value().split('=', 2);
      if (!key || raw === undefined) throw new Error('--param needs key=value');
      options.params[key] = Number.isNaN(Number(raw)) ? raw : Number(raw);
    } else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

/** A binary-classification data set with its fixed train/test split. */
interface BenchData {
  readonly name: string;
  readonly table: Table;
  /** 0/1 per row. */
  readonly label: Uint8Array;
  /** 1 = train row. */
  readonly train: Uint8Array;
}

async function flights(rowLimit: number, seed: number): Promise<BenchData> {
  const path = vegaDataPath('flights-3m.parquet');
  const { table } = await loadData({ paths: [basename(path)], cwd: dirname(path) });
  const rows = Math.min(rowLimit, table.rowCount);
  const column = (name: string) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`flights-3m.parquet has no column ${name}`);
    return c;
  };
  const numbers = (name: string): Float64Array => {
    const c = column(name);
    if (c.type === 'categorical') throw new Error(`${name} is not numeric`);
    return c.values.subarray(0, rows);
  };
  const dates = numbers('date');
  const month = new Float64Array(rows);
  const day = new Float64Array(rows);
  const weekday = new Float64Array(rows);
  const hour = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    // TIMESTAMP without UTC adjustment: wall-clock time, read through the UTC getters.
    const d = new Date(dates[i]!);
    month[i] = d.getUTCMonth() + 1;
    day[i] = d.getUTCDate();
    weekday[i] = d.getUTCDay();
    hour[i] = d.getUTCHours() + d.getUTCMinutes() / 60;
  }
  const label = Uint8Array.from(numbers('delay'), (d) => (d > 15 ? 1 : 0));
  const categorical = (name: string): Column => {
    const c = column(name);
    if (c.type !== 'categorical') throw new Error(`${name} is not categorical`);
    return sortedCategories(name, c.codes.subarray(0, rows), c.categories);
  };
  const columns: Column[] = [
    { type: 'numeric', name: 'month', values: month },
    { type: 'numeric', name: 'day_of_month', values: day },
    { type: 'numeric', name: 'day_of_week', values: weekday },
    { type: 'numeric', name: 'hour', values: hour },
    { type: 'numeric', name: 'distance', values: Float64Array.from(numbers('distance')) },
    categorical('origin'),
    categorical('destination'),
  ];
  return {
    name: `flights ${rows.toLocaleString('en')}×7`,
    table: { rowCount: rows, columns },
    label,
    train: split(rows, seed),
  };
}

/** The column re-coded with its categories sorted, so the python side gets the same codes. */
function sortedCategories(name: string, codes: Int32Array, categories: readonly string[]): Column {
  const sorted = [...categories].sort();
  const index = new Map(sorted.map((c, i) => [c, i]));
  const recode = categories.map((c) => index.get(c)!);
  return {
    type: 'categorical',
    name,
    categories: sorted,
    codes: Int32Array.from(codes, (c) => (c < 0 ? -1 : recode[c]!)),
  };
}

function synthetic(rows: number, features: number, seed: number): BenchData {
  const random = new Random(seed);
  const x = Array.from({ length: features }, () => new Float64Array(rows));
  const label = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < features; f++) x[f]![i] = random.next() * 2 - 1;
    const v = (f: number) => x[f]![i]!;
    const score =
      2 * v(0) -
      1.5 * v(1) * v(2) +
      Math.sin(3 * v(3)) +
      (v(4) > 0.3 ? 1 : -0.5) +
      0.5 * v(5) ** 2 +
      0.8 * Math.abs(v(6)) * v(7) +
      0.3 * (v(8) + v(9) + v(10));
    label[i] = random.next() < 1 / (1 + Math.exp(-2 * score)) ? 1 : 0;
    // Missing values, after the label is drawn: the model must route them.
    if (random.next() < 0.05) x[0]![i] = Number.NaN;
    if (random.next() < 0.05) x[11]![i] = Number.NaN;
  }
  const columns: Column[] = x.map((values, f) => ({ type: 'numeric', name: `x${f}`, values }));
  return {
    name: `synthetic ${rows.toLocaleString('en')}×${features}`,
    table: { rowCount: rows, columns },
    label,
    train: split(rows, seed + 1),
  };
}

/** 80% train / 20% test by a seeded shuffle. */
function split(rows: number, seed: number): Uint8Array {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  new Random(seed).shuffle(order);
  const train = new Uint8Array(rows);
  const trainRows = Math.round(rows * 0.8);
  for (let i = 0; i < trainRows; i++) train[order[i]!] = 1;
  return train;
}

function subset(data: BenchData, keep: 0 | 1): { table: Table; label: Uint8Array } {
  const rows: number[] = [];
  for (let i = 0; i < data.train.length; i++) if (data.train[i] === keep) rows.push(i);
  const columns = data.table.columns.map((c): Column => {
    if (c.type === 'categorical') return { ...c, codes: Int32Array.from(rows, (r) => c.codes[r]!) };
    return { ...c, values: Float64Array.from(rows, (r) => c.values[r]!) } as Column;
  });
  return { table: { rowCount: rows.length, columns }, label: Uint8Array.from(rows, (r) => data.label[r]!) };
}

/**
 * The rows for train_reference.py: float32 matrix (categorical columns as dictionary codes, NaN missing)
 * and, when there are categorical columns, the same matrix with Conveyor's ordinal codes.
 */
function writeForPython(
  data: BenchData,
  dir: string,
  params: GbdtParams,
  threads: number,
  categoryCodes: Readonly<Record<string, readonly string[]>>,
): void {
  const { rowCount, columns } = data.table;
  const matrix = (ordinal: boolean) => {
    const x = new Float32Array(rowCount * columns.length);
    columns.forEach((c, f) => {
      if (c.type !== 'categorical') {
        for (let i = 0; i < rowCount; i++) x[i * columns.length + f] = c.values[i]!;
        return;
      }
      const order = new Map((categoryCodes[c.name] ?? []).map((name, code) => [name, code]));
      const code = c.categories.map((name, i) => (ordinal ? (order.get(name) ?? Number.NaN) : i));
      for (let i = 0; i < rowCount; i++) x[i * columns.length + f] = c.codes[i]! < 0 ? Number.NaN : code[c.codes[i]!]!;
    });
    return x;
  };
  writeFileSync(join(dir, 'X.f32'), matrix(false));
  rmSync(join(dir, 'X_ordinal.f32'), { force: true });
  if (columns.some((c) => c.type === 'categorical')) writeFileSync(join(dir, 'X_ordinal.f32'), matrix(true));
  writeFileSync(join(dir, 'y.u8'), data.label);
  writeFileSync(join(dir, 'train.u8'), data.train);
  const meta = { rows: rowCount, columns: columns.map((c) => ({ name: c.name, type: c.type })), params, threads };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import xgboost, sklearn'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

interface Scored {
  library: string;
  threads: number;
  trainSeconds: number;
  /** Process CPU time of training (all threads). */
  trainCpuSeconds: number;
  predictSeconds: number;
  probabilities: Float64Array;
  /** Conveyor: the exported model.onnx run in onnxruntime-node on the test rows. */
  onnx?: { seconds: number; maxDiff: number };
}

function auc(scores: Float64Array, label: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average rank of a tie group
    for (let k = i; k <= j; k++) {
      if (label[order[k]!] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = label.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function accuracy(scores: Float64Array, label: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < label.length; i++) if ((scores[i]! > 0.5 ? 1 : 0) === label[i]) correct++;
  return correct / label.length;
}

function agreement(a: Float64Array, b: Float64Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > 0.5 === b[i]! > 0.5) same++;
  return same / a.length;
}

async function benchOne(data: BenchData, options: Options, python: string | undefined): Promise<string[]> {
  const params = gbdtParamsSchema.parse({
    n_trees: options.trees,
    learning_rate: 0.1,
    growth: 'leafwise',
    max_leaves: 31,
    max_depth: 8,
    min_samples_leaf: 5,
    min_hessian_leaf: 1e-3,
    l2: 1,
    max_bins: 255,
    early_stopping_rounds: 0,
    ...options.params,
  });
  const trainSet = subset(data, 1);
  const testSet = subset(data, 0);
  const signature: ModelSignature = {
    task: 'classification',
    target: 'label',
    classes: ['0', '1'],
    features: data.table.columns.map((c) => ({
      name: c.name,
      type: c.type === 'categorical' ? 'categorical' : 'numeric',
    })),
  };
  const results: Scored[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-train-'));
  try {
    for (const threads of options.threads) {
      // Conveyor and the reference libraries take turns, so a change in the machine's load hits both.
      const runs = new Map<string, Scored[]>();
      const record = (scored: Scored) => runs.set(scored.library, [...(runs.get(scored.library) ?? []), scored]);
      for (let run = 1; run <= options.repeat; run++) {
        console.log(`${data.name}: conveyor, ${threads} thread(s), run ${run}/${options.repeat}…`);
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const trained = await trainGbdt({
          data: { signature, table: trainSet.table, target: Float64Array.from(trainSet.label) },
          trainer: { algorithm: 'gbdt', params: { ...params, threads } },
          seed: 42,
        });
        const trainSeconds = (performance.now() - start) / 1000;
        const cpu = process.cpuUsage(cpuStart);
        const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
        if (trained.model.kind !== 'gbdt') throw new Error('expected a gbdt model');
        const predictStart = performance.now();
        const predictions = predictGbdt(trained.model, testSet.table);
        const predictSeconds = (performance.now() - predictStart) / 1000;
        const probabilities = new Float64Array(testSet.table.rowCount);
        for (let i = 0; i < probabilities.length; i++) probabilities[i] = predictions.probabilities![2 * i + 1]!;
        const onnx = await onnxPredict(trained.model, testSet.table, probabilities, threads);
        record({ library: 'conveyor', threads, trainSeconds, trainCpuSeconds, predictSeconds, probabilities, onnx });

        if (!python) continue;
        console.log(`${data.name}: xgboost + sklearn, ${threads} thread(s), run ${run}/${options.repeat}…`);
        if (run === 1) writeForPython(data, dir, params, threads, trained.model.categoryCodes);
        const out = join(dir, 'result.json');
        execFileSync(python, [new URL('./train_reference.py', import.meta.url).pathname, dir, out], {
          stdio: 'inherit',
          env: { ...process.env, OMP_NUM_THREADS: String(threads) },
        });
        const reference = JSON.parse(readFileSync(out, 'utf8')) as Record<
          string,
          { train_seconds: number; train_cpu_seconds: number; predict_seconds: number }
        >;
        for (const library of Object.keys(reference)) {
          const bytes = readFileSync(join(dir, `${library}.f64`));
          record({
            library,
            threads,
            trainSeconds: reference[library]!.train_seconds,
            trainCpuSeconds: reference[library]!.train_cpu_seconds,
            predictSeconds: reference[library]!.predict_seconds,
            probabilities: Float64Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)),
          });
        }
      }
      for (const libraryRuns of runs.values()) results.push(medianRun(libraryRuns));
      // Each run's own ratio (Conveyor's run r against XGBoost's run r, which followed it): the spread.
      const ours = runs.get('conveyor') ?? [];
      const theirs = runs.get('xgboost') ?? [];
      if (theirs.length === ours.length && ours.length > 1) {
        const ratios = ours.map((run, r) => run.trainSeconds / theirs[r]!.trainSeconds).sort((a, b) => a - b);
        const listed = ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ');
        console.log(`${data.name}, ${threads} thread(s): train time / XGB per run, sorted: ${listed}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines: string[] = [];
  for (const r of results) {
    const xgb = results.find((x) => x.library === 'xgboost' && x.threads === r.threads);
    const acc = accuracy(r.probabilities, testSet.label);
    const area = auc(r.probabilities, testSet.label);
    const vs = (value: string) => (xgb ? value : '–');
    lines.push(
      [
        data.name,
        r.library,
        String(r.threads),
        (100 * acc).toFixed(2),
        (100 * area).toFixed(2),
        r.trainSeconds.toFixed(1),
        r.trainCpuSeconds.toFixed(1),
        r.predictSeconds.toFixed(2),
        r.onnx ? r.onnx.seconds.toFixed(2) : '–',
        r.onnx ? r.onnx.maxDiff.toExponential(1) : '–',
        vs(xgb ? (100 * (acc - accuracy(xgb.probabilities, testSet.label))).toFixed(2) : ''),
        vs(xgb ? (100 * (area - auc(xgb.probabilities, testSet.label))).toFixed(2) : ''),
        vs(xgb ? `${(r.trainSeconds / xgb.trainSeconds).toFixed(2)}×` : ''),
        vs(xgb ? `${(r.trainCpuSeconds / xgb.trainCpuSeconds).toFixed(2)}×` : ''),
        vs(xgb ? `${(100 * agreement(r.probabilities, xgb.probabilities)).toFixed(2)}%` : ''),
      ].join(' | '),
    );
  }
  return lines.map((l) => `| ${l} |`);
}

/** One library's runs as one row: the first run's predictions (every run gives the same) and median times. */
function medianRun(runs: Scored[]): Scored {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const first = runs[0]!;
  return {
    ...first,
    trainSeconds: median(runs.map((r) => r.trainSeconds)),
    trainCpuSeconds: median(runs.map((r) => r.trainCpuSeconds)),
    predictSeconds: median(runs.map((r) => r.predictSeconds)),
    onnx: first.onnx && {
      seconds: median(runs.map((r) => r.onnx!.seconds)),
      maxDiff: Math.max(...runs.map((r) => r.onnx!.maxDiff)),
    },
  };
}

/**
 * Exports the model, runs model.onnx in onnxruntime-node (`threads` intra-op threads) on `table` and
 * compares its class-1 probabilities with TypeScript's.
 */
async function onnxPredict(
  model: GbdtModel,
  table: Table,
  reference: Float64Array,
  threads: number,
): Promise<{ seconds: number; maxDiff: number }> {
  const bytes = exportOnnx(model, {
    modelName: 'bench',
    modelVersion: 'v0',
    dataDigest: 'sha256:bench',
    codeCommit: 'bench',
    conveyorVersion: 'bench',
  });
  const loaded = await loadOnnxSession(bytes, { name: 'bench model.onnx', intraOpNumThreads: threads });
  try {
    const start = performance.now();
    const predictions = await runOnnx(loaded.session, model.signature, table);
    const seconds = (performance.now() - start) / 1000;
    let maxDiff = 0;
    for (let i = 0; i < reference.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(predictions.probabilities![2 * i + 1]! - reference[i]!));
    }
    return { seconds, maxDiff };
  } finally {
    await loaded.session.release();
  }
}

const HEADER = [
  '| data | library | threads | accuracy % | AUC % | train s | train CPU s | predict s | ONNX predict s | max \\|Δp\\| TS vs ONNX | Δacc vs XGB (pts) | ΔAUC vs XGB (pts) | train time / XGB | CPU / XGB | label agreement with XGB |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0]!;
  const python = options.skipPython ? undefined : findPython();
  if (!options.skipPython && !python) {
    console.warn('python3 with xgboost and sklearn not found (apt-get install -y python3-xgboost python3-sklearn)');
  }
  const rows: string[] = [];
  if (options.only !== 'synthetic') {
    console.log('reading flights-3m.parquet…');
    rows.push(...(await benchOne(await flights(options.rows, 7), options, python)));
  }
  if (options.only !== 'flights')
    rows.push(...(await benchOne(synthetic(options.syntheticRows, options.syntheticFeatures, 11), options, python)));
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`;
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine} (${load});`,
    `${options.trees} trees, 31 leaves (leaf-wise),${options.repeat > 1 ? ` median times of ${options.repeat} runs per library (taking turns),` : ''}`,
    'max depth 8, learning rate 0.1, 255 bins, L2 1, min 5 rows per leaf (scikit-learn) / min hessian 1e-3.',
    '',
    ...HEADER,
    ...rows,
  ].join('\n');
  console.log(`\n${table}\n`);
  if (options.readme) writeReadmeSection(table);
}

const TABLE_START = '<!-- bench/train.ts table: start -->';
const TABLE_END = '<!-- bench/train.ts table: end -->';

/**
 * Writes the table into the "## Training" section of bench/README.md, between the table markers (the
 * rest of the section is hand-written and kept); creates the section, or the file, when absent.
 */
function writeReadmeSection(table: string): void {
  const path = new URL('./README.md', import.meta.url).pathname;
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const block = `${TABLE_START}\n${table}\n${TABLE_END}`;
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start >= 0 && end > start) {
    text = `${text.slice(0, start)}${block}${text.slice(end + TABLE_END.length)}`;
  } else {
    text = `${text.trimEnd()}\n\n## Training\n\n${README_INTRO}\n\n${block}\n`;
  }
  writeFileSync(path, text);
}

const README_INTRO = [
  '`npx tsx bench/train.ts [--rows N] [--synthetic-rows N] [--trees N] [--threads 1,2] [--skip-python] [--readme]`',
  '',
  "Conveyor's GBDT against XGBoost 1.7 (`tree_method=hist`, `grow_policy=lossguide`) and scikit-learn's",
  '`HistGradientBoostingClassifier` on identical rows and split (the bench writes them to a temp folder for',
  '`bench/train_reference.py`). Train time includes binning. Targets: accuracy and AUC within 0.3 points of',
  'XGBoost, train time ≤ 1.5× XGBoost with the same threads.',
].join('\n');

await main();
