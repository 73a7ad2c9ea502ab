/**
 * Loading benchmark: the 3M-row flights-3m.parquet of vega-datasets, and a CSV of the same rows (written
 * once to the OS temp folder), each loaded by `loadData` and by a baseline in the same run:
 *   - Parquet baselines: hyparquet's `parquetReadObjects` (row objects) and `parquetRead` + `onChunk`
 *     (its public columnar API), both with hyparquet-compressors.
 *   - CSV baseline: the file's bytes through csv-parse alone (records counted, nothing kept).
 * Every case runs in its own child process (so peak RSS, `process.resourceUsage().maxRSS`, is the
 * case's own), RUNS times; the best wall time is reported. Wall time, CPU time and peak RSS cover the load
 * only; the table digest (`dataDigest` over all columns) is timed separately, after it.
 *
 * Run: npx tsx bench/load.ts            (RUNS=1 npx tsx bench/load.ts for a quick look)
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { parquetRead, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { vegaDataPath } from '../scripts/vega-datasets.ts';
import { dataDigest } from '../src/data/digest.ts';
import { loadData } from '../src/data/load.ts';
import type { Table } from '../src/data/types.ts';

const PARQUET = vegaDataPath('flights-3m.parquet');
const CSV = join(tmpdir(), 'conveyor-bench', 'flights-3m.csv');
const RUNS = Number(process.env.RUNS ?? 2);

interface Measurement {
  readonly rows: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly digestMs?: number;
  readonly digest?: string;
}

/** A case loads the data; when it returns a table, its digest is timed afterwards (not in the load time). */
const CASES: Record<string, () => Promise<{ rows: number; table?: Table }>> = {
  async 'parquet: loadData'() {
    const { table } = await loadData({ paths: [PARQUET] });
    return { rows: table.rowCount, table };
  },
  async 'parquet: hyparquet parquetReadObjects'() {
    const rows = await parquetReadObjects({ file: fileBuffer(PARQUET), compressors });
    return { rows: rows.length };
  },
  async 'parquet: hyparquet parquetRead onChunk'() {
    let values = 0;
    await parquetRead({
      file: fileBuffer(PARQUET),
      compressors,
      onChunk(chunk) {
        values += chunk.columnData.length;
      },
    });
    return { rows: values / 5 };
  },
  async 'csv: loadData'() {
    const { table } = await loadData({ paths: [CSV] });
    return { rows: table.rowCount, table };
  },
  async 'csv: bytes + csv-parse alone'() {
    let records = 0;
    const parser = parse({ bom: true, relax_column_count: true });
    parser.on('data', () => {
      records++;
    });
    createReadStream(CSV, { highWaterMark: 1 << 20 }).pipe(parser);
    await finished(parser);
    return { rows: records - 1 };
  },
};

function fileBuffer(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Child process: run one case, print its measurement as JSON. */
async function runCase(name: string): Promise<void> {
  const run = CASES[name];
  if (!run) throw new Error(`unknown case ${name}`);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const { rows, table } = await run();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024; // peak of the load, before the digest
  let digest: { digestMs: number; digest: string } | undefined;
  if (table !== undefined) {
    const t = performance.now();
    const value = dataDigest(
      table,
      table.columns.map((c) => c.name),
    );
    digest = { digestMs: performance.now() - t, digest: value };
  }
  const measurement: Measurement = { rows, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb, ...digest };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

/** Write the flights rows as CSV (ISO-8601 UTC dates), via hyparquet's own reader, once. */
async function ensureCsv(): Promise<void> {
  if (existsSync(CSV)) return;
  mkdirSync(join(tmpdir(), 'conveyor-bench'), { recursive: true });
  console.log(`writing ${CSV} …`);
  const rows = await parquetReadObjects({ file: fileBuffer(PARQUET), compressors });
  const partial = `${CSV}.partial`;
  const out = createWriteStream(partial);
  out.write('date,delay,distance,origin,destination\n');
  let block = '';
  for (const r of rows) {
    block += `${(r.date as Date).toISOString()},${r.delay},${r.distance},${r.origin},${r.destination}\n`;
    if (block.length > 1 << 20) {
      if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      block = '';
    }
  }
  out.end(block);
  await finished(out);
  renameSync(partial, CSV);
}

function machine(): string {
  const nproc = execFileSync('nproc').toString().trim();
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  return `${nproc} CPU (${model}), Node ${process.version}`;
}

async function main(): Promise<void> {
  await ensureCsv();
  const results = new Map<string, Measurement>();
  for (const name of Object.keys(CASES)) {
    let best: Measurement | undefined;
    for (let i = 0; i < RUNS; i++) {
      const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--case', name], {
        maxBuffer: 1 << 20,
      });
      const m = JSON.parse(out.toString().trim().split('\n').pop()!) as Measurement;
      if (best === undefined || m.wallMs < best.wallMs)
        best = { ...m, maxRssMb: Math.max(m.maxRssMb, best?.maxRssMb ?? 0) };
    }
    results.set(name, best!);
    console.error(`${name}: ${best!.wallMs.toFixed(0)} ms`);
  }
  const fileMb = (path: string): string => (readFileSync(path).length / 2 ** 20).toFixed(1);
  console.log(`\n${new Date().toISOString().slice(0, 10)} · ${machine()} · best of ${RUNS}`);
  console.log(`Parquet ${fileMb(PARQUET)} MiB, CSV ${fileMb(CSV)} MiB\n`);
  console.log('| case | rows | wall s | rows/s | CPU s | peak RSS MiB | digest s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, m] of results) {
    const rate = m.rows / (m.wallMs / 1000);
    console.log(
      `| ${name} | ${m.rows.toLocaleString('en-US')} | ${(m.wallMs / 1000).toFixed(2)} | ${(rate / 1e6).toFixed(2)}M | ${(m.cpuMs / 1000).toFixed(2)} | ${m.maxRssMb.toFixed(0)} | ${m.digestMs === undefined ? '' : (m.digestMs / 1000).toFixed(2)} |`,
    );
  }
  const ratio = (a: string, b: string, key: 'wallMs' | 'cpuMs'): string =>
    (results.get(a)![key] / results.get(b)![key]).toFixed(2);
  const pairs: [string, string, string][] = [
    ['Parquet, vs parquetReadObjects', 'parquet: loadData', 'parquet: hyparquet parquetReadObjects'],
    ['Parquet, vs parquetRead onChunk', 'parquet: loadData', 'parquet: hyparquet parquetRead onChunk'],
    ['CSV, vs csv-parse alone (which keeps nothing)', 'csv: loadData', 'csv: bytes + csv-parse alone'],
  ];
  console.log('\nloadData ÷ baseline, wall time and CPU time (below 1: loadData is faster):');
  for (const [label, a, b] of pairs)
    console.log(`- ${label}: wall ${ratio(a, b, 'wallMs')}, CPU ${ratio(a, b, 'cpuMs')}`);
  const same = results.get('parquet: loadData')!.digest === results.get('csv: loadData')!.digest;
  console.log(`\nParquet and CSV tables have the same digest: ${same ? 'yes' : 'NO'}`);
}

const caseIndex = process.argv.indexOf('--case');
if (caseIndex >= 0) await runCase(process.argv[caseIndex + 1]!);
else await main();
