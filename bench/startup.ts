/**
 * Start-up benchmark: how long a user waits for the CLI and the server, against floors measured in the
 * same run, hyperfine-style (each command run many times, min / median / max wall time).
 *
 *   npx tsx bench/startup.ts [--runs N] [--pipeline-runs N] [--node PATH] [--only help,npx,pipeline,serve]
 *                            [--compare CHECKOUT] [--readme]
 *
 * Cases (each a fresh process, commands interleaved round by round so machine load hits all alike):
 *   floor: node -e 0          the cost of starting Node at all
 *   floor: npx empty bin      npx running a package bin that does nothing (what npm itself costs)
 *   conveyor --help           node bin/conveyor.js --help, and through npx (npx conveyor --help)
 *   registry list             the local registry of a workspace with one registered version
 *   pipeline                  the whole pipeline on the bundled penguins data; the stages' own time
 *                             (sum of the run record's stage durations) is shown beside it
 *   serve to ready            spawn `conveyor serve --model-dir` until GET /v2/health/ready answers 200
 * The workspace is a temp folder holding conveyor.yml and data/ copied from this repository, as a fresh
 * clone would; each run uses the bin under --node (default: this process's Node). Run it twice in a row
 * for warm-cache figures: the first run after an edit under src/ pays for stripping the changed files.
 * --compare times another checkout's bin (with its own node_modules) in the same rounds, e.g. the commit before
 * a start-up change. --readme writes the table into the "## Start-up" section of bench/README.md.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/helpers/free-port.ts';

const repo = resolve(import.meta.dirname, '..');

interface Options {
  runs: number;
  pipelineRuns: number;
  node: string;
  only?: Set<string>;
  /** Another checkout (with its node_modules) whose bin is timed beside this one, e.g. an older commit. */
  compare?: string;
  readme: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { runs: 10, pipelineRuns: 3, node: process.execPath, readme: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--runs') options.runs = Number(value());
    else if (flag === '--pipeline-runs') options.pipelineRuns = Number(value());
    else if (flag === '--node') options.node = resolve(value());
    else if (flag === '--only') options.only = new Set(value().split(','));
    else if (flag === '--readme') options.readme = true;
    else if (flag === '--compare') options.compare = resolve(value());
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!(options.runs >= 1 && options.pipelineRuns >= 1)) throw new Error('--runs and --pipeline-runs must be ≥ 1');
  return options;
}

interface Case {
  readonly group: string;
  readonly name: string;
  /** Runs once: wall and CPU seconds, and optionally the stages' own seconds. */
  readonly run: () => Promise<Timing & { inner?: number }>;
  readonly rounds: number;
  readonly times: number[];
  readonly cpu: number[];
  readonly inner: number[];
}

/**
 * CPU seconds (user + system) used by this process's finished children, from /proc/self/stat (Linux; 10 ms
 * ticks). On a shared machine CPU time varies far less than wall time, so the table shows both.
 */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime (fields 16 and 17 of stat)
}

interface Timing {
  seconds: number;
  cpu: number;
}

/** Runs a command to completion and returns its wall and CPU time; a failing command stops the benchmark. */
function timed(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Timing {
  const cpuBefore = childrenCpuSeconds();
  const start = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return { seconds, cpu: childrenCpuSeconds() - cpuBefore };
}

/** Spawns the server and returns the seconds until /v2/health/ready answers 200; then stops it. */
async function serveToReady(
  node: string,
  bin: string,
  cwd: string,
  modelDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Timing> {
  const port = await freePort();
  const cpuBefore = childrenCpuSeconds();
  const start = performance.now();
  const child: ChildProcess = spawn(node, [bin, 'serve', '--model-dir', modelDir, '--port', String(port)], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let ready = false;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!ready) {
    if (gone) throw new Error(`conveyor serve exited before it was ready:\n${stderr}`);
    if (performance.now() - start > 30_000) throw new Error(`conveyor serve not ready after 30 s:\n${stderr}`);
    try {
      ready = (await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status === 200;
    } catch {
      // not listening yet
    }
    if (!ready) await new Promise((wait) => setTimeout(wait, 2));
  }
  const seconds = (performance.now() - start) / 1000;
  child.kill('SIGTERM');
  await exited;
  // CPU includes the drain and exit after SIGTERM (a few ms), as the child is only counted once reaped.
  return { seconds, cpu: childrenCpuSeconds() - cpuBefore };
}

/** Sum of the stage durations recorded in a run folder's record (the work itself, without start-up). */
function stageSeconds(runDir: string): number {
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
    stages?: Record<string, { duration_ms?: number }>;
  };
  let ms = 0;
  for (const stage of Object.values(record.stages ?? {})) ms += stage.duration_ms ?? 0;
  return ms / 1000;
}

function percentile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function stats(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: percentile(sorted, 0.5), max: sorted.at(-1)! };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const want = (group: string): boolean => !options.only || options.only.has(group);
  const nodeVersion = spawnSync(options.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // The chosen Node first on PATH, so npx and the bin's `#!/usr/bin/env node` use it too.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${resolve(options.node, '..')}:${process.env.PATH}`,
    NO_COLOR: '1',
  };
  delete env.NODE_OPTIONS;

  const work = mkdtempSync(join(tmpdir(), 'conveyor-bench-startup-'));
  try {
    /**
     * A workspace as a fresh clone has it (config and data), for one checkout's bin: one pipeline run
     * (untimed) gives its registry a version, pulled into model/ for serve. Each checkout gets its own, as
     * another commit may write a different model card.
     */
    const workspace = (checkout: string, name: string) => {
      const dir = join(work, name);
      mkdirSync(dir);
      cpSync(join(checkout, 'conveyor.yml'), join(dir, 'conveyor.yml'));
      cpSync(join(checkout, 'data'), join(dir, 'data'), { recursive: true });
      const setup = (...args: string[]) =>
        timed(options.node, [join(checkout, 'bin', 'conveyor.js'), ...args], dir, env);
      setup('pipeline', '--run-dir', join(dir, 'runs', 'setup'));
      setup('registry', 'pull', 'production', join(dir, 'model'));
      return dir;
    };
    // The npx floor: a project whose node_modules/.bin holds a script that does nothing, found by npx the
    // way it finds node_modules/.bin/conveyor (the bin workspace's link).
    const emptyBin = join(work, 'empty-bin');
    mkdirSync(join(emptyBin, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(
      join(emptyBin, 'package.json'),
      JSON.stringify({ name: 'empty-bin', version: '1.0.0', private: true }),
    );
    writeFileSync(join(emptyBin, 'node_modules', '.bin', 'empty-bin'), '#!/usr/bin/env node\n', { mode: 0o755 });
    let pipelineRun = 0;

    const cases: Case[] = [];
    const groupOrder = ['help', 'npx', 'pipeline', 'serve'];
    const add = (group: string, name: string, rounds: number, run: Case['run']) => {
      if (want(group)) cases.push({ group, name, rounds, run, times: [], cpu: [], inner: [] });
    };
    add('help', 'floor: node -e 0', options.runs, async () => timed(options.node, ['-e', '0'], work, env));
    add('npx', 'floor: npx of an empty bin', options.runs, async () => timed('npx', ['empty-bin'], emptyBin, env));
    // This checkout, and with --compare the other one (its rows marked "compared"), interleaved.
    for (const [checkout, mark] of [
      [repo, ''],
      ...(options.compare ? [[options.compare, ' (compared)']] : []),
    ] as const) {
      const checkoutBin = join(checkout, 'bin', 'conveyor.js');
      const cwd = workspace(checkout, mark ? 'compared' : 'this');
      const run = (...args: string[]) => timed(options.node, [checkoutBin, ...args], cwd, env);
      add('help', `node bin/conveyor.js --help${mark}`, options.runs, async () => run('--help'));
      add('help', `conveyor registry list (local)${mark}`, options.runs, async () => run('registry', 'list'));
      add('npx', `npx conveyor --help${mark}`, options.runs, async () =>
        timed('npx', ['conveyor', '--help'], checkout, env),
      );
      add('pipeline', `conveyor pipeline (bundled data)${mark}`, options.pipelineRuns, async () => {
        const runDir = join(cwd, 'runs', `bench-${++pipelineRun}`);
        return { ...run('pipeline', '--run-dir', runDir), inner: stageSeconds(runDir) };
      });
      add('serve', `conveyor serve → ready${mark}`, options.runs, async () =>
        serveToReady(options.node, checkoutBin, cwd, join(cwd, 'model'), env),
      );
    }
    cases.sort((a, b) => groupOrder.indexOf(a.group) - groupOrder.indexOf(b.group));

    // One warm-up run of each (disk cache, strip cache after an edit), then interleaved rounds.
    for (const c of cases) await c.run();
    const rounds = Math.max(...cases.map((c) => c.rounds));
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        if (round >= c.rounds) continue;
        const { seconds, cpu, inner } = await c.run();
        c.times.push(seconds);
        c.cpu.push(cpu);
        if (inner !== undefined) c.inner.push(inner);
      }
      process.stderr.write(`round ${round + 1}/${rounds}\r`);
    }
    process.stderr.write('\n');

    const lines = [
      `${new Date().toISOString().slice(0, 10)} · ${cpus().length} vCPU (${cpus()[0]?.model.trim()}), Node ${nodeVersion} · ` +
        `load average ${loadavg()[0]!.toFixed(1)} at the end · ${options.runs} runs (pipeline ${options.pipelineRuns}) after one warm-up`,
      '',
      '| command | runs | min s | median s | max s | median − floor s | CPU s (median) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    const floorOf: Record<string, number> = {};
    for (const c of cases) {
      const { min, median, max } = stats(c.times);
      if (c.name.startsWith('floor')) floorOf[c.group] = median;
      const floor = c.name.startsWith('floor') ? undefined : floorOf[c.group];
      lines.push(
        `| ${c.name} | ${c.times.length} | ${min.toFixed(3)} | ${median.toFixed(3)} | ${max.toFixed(3)} | ` +
          `${floor === undefined ? '' : (median - floor).toFixed(3)} | ${stats(c.cpu).median.toFixed(2)} |`,
      );
      if (c.inner.length > 0) {
        const inner = stats(c.inner);
        lines.push(
          `| ↳ its stages (run record) | ${c.inner.length} | ${inner.min.toFixed(3)} | ${inner.median.toFixed(3)} | ` +
            `${inner.max.toFixed(3)} | rest: ${(median - inner.median).toFixed(3)} | |`,
        );
      }
    }
    const table = lines.join('\n');
    console.log(table);
    if (options.readme) writeReadme(table);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Replaces the text between the start-up table markers in bench/README.md. */
function writeReadme(table: string): void {
  const path = join(repo, 'bench', 'README.md');
  const text = readFileSync(path, 'utf8');
  const start = '<!-- startup-table:start -->';
  const end = '<!-- startup-table:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no ${start} … ${end} section`);
  writeFileSync(path, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
}

await main();
