/**
 * A run: its folder, the config it was created with, and a log sink. Stage executors take a RunContext,
 * read the previous stages' outputs from the run folder and write their own.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { type Config, configSchema } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { readJson, writeJson } from '../lib/files.ts';
import { gitInfo } from '../lib/git.ts';
import { CONVEYOR_VERSION } from '../lib/version.ts';
import { LATEST_RUN_FILE, type RunLayout, runLayout } from '../run/layout.ts';
import { type ProgressSink, periodicProgress } from './progress.ts';
import { githubContext, readRunRecord, type StageName, writeRunRecord } from './run-record.ts';

export interface RunContext {
  readonly config: Config;
  readonly configFile: string;
  readonly layout: RunLayout;
  /** Repository root: data globs, the schema file and the local registry are relative to it. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Human-readable progress; silent in --json mode. */
  readonly log: (line: string) => void;
  /** Live progress of long stages (training); default: a plain line through log every 2 s. */
  readonly progress: ProgressSink;
}

export interface CreateRunOptions {
  readonly configFile: string;
  readonly cwd?: string;
  /** Run folder to create; default <runs_dir>/<timestamp>-<random>. */
  readonly runDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  readonly progress?: ProgressSink;
  /** Override registry.backend of the config (the --registry flag). */
  readonly registryBackend?: 'local' | 'github';
}

/** Start a new run: validate the config, create the folder, record metadata, mark it the latest run. */
export function createRun(options: CreateRunOptions): RunContext {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const loaded = loadConfig(resolve(cwd, options.configFile));
  const config = options.registryBackend
    ? { ...loaded, registry: { ...loaded.registry, backend: options.registryBackend } }
    : loaded;
  const id = options.runDir
    ? options.runDir
        .replace(/[/\\]+$/, '')
        .split(/[/\\]/)
        .pop()!
    : newRunId();
  const dir = options.runDir ? resolve(cwd, options.runDir) : resolve(cwd, config.runs_dir, id);
  if (existsSync(join(dir, 'run.json'))) {
    throw new InputError(`${dir}: a run already exists there; pick another --run-dir or rerun its stages with --run`);
  }
  mkdirSync(dir, { recursive: true });
  const layout = runLayout(dir);
  writeJson(layout.configJson, config);
  writeRunRecord(layout.runJson, {
    id,
    created_at: new Date().toISOString(),
    config_file: options.configFile,
    conveyor_version: CONVEYOR_VERSION,
    git: gitInfo(cwd, env),
    github: githubContext(env),
    stages: {},
  });
  mkdirSync(resolve(cwd, config.runs_dir), { recursive: true });
  writeFileSync(resolve(cwd, config.runs_dir, LATEST_RUN_FILE), `${dir}\n`);
  const log = options.log ?? (() => {});
  return {
    config,
    configFile: options.configFile,
    layout,
    cwd,
    env,
    log,
    progress: options.progress ?? periodicProgress(log),
  };
}

export interface OpenRunOptions {
  /** Run folder; default: the latest run under the config's runs_dir. */
  readonly runDir?: string;
  readonly configFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  readonly progress?: ProgressSink;
}

/** Open an existing run to (re)run a stage; its saved config is used, so a stage rerun sees what the run saw. */
export function openRun(options: OpenRunOptions): RunContext {
  const cwd = resolve(options.cwd ?? process.cwd());
  let dir = options.runDir ? resolve(cwd, options.runDir) : undefined;
  if (!dir) {
    const runsDir = existsSync(resolve(cwd, options.configFile))
      ? loadConfig(resolve(cwd, options.configFile)).runs_dir
      : 'runs';
    const latest = resolve(cwd, runsDir, LATEST_RUN_FILE);
    if (!existsSync(latest)) {
      throw new InputError(
        `no run found (${latest} is missing); start one with "conveyor pipeline" or "conveyor validate-data"`,
      );
    }
    dir = readFileSync(latest, 'utf8').trim();
  }
  const layout = runLayout(dir);
  if (!existsSync(layout.runJson)) throw new InputError(`${dir}: not a run folder (no run.json)`);
  const record = readRunRecord(layout.runJson);
  const parsed = configSchema.safeParse(readJson(layout.configJson, 'run config'));
  if (!parsed.success)
    throw new InputError(`${layout.configJson}: invalid saved config (${parsed.error.issues[0]?.message})`);
  const log = options.log ?? (() => {});
  return {
    config: parsed.data,
    configFile: record.config_file,
    layout,
    cwd,
    env: options.env ?? process.env,
    log,
    progress: options.progress ?? periodicProgress(log),
  };
}

/** Run one stage, recording status and duration in run.json; rethrows the stage's error. */
export async function recordStage<T>(ctx: RunContext, name: StageName, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const update = (patch: Parameters<typeof Object.assign>[1]) => {
    const record = readRunRecord(ctx.layout.runJson);
    record.stages[name] = { ...(record.stages[name] ?? { started_at: new Date().toISOString() }), ...patch };
    writeRunRecord(ctx.layout.runJson, record);
  };
  update({ status: 'running', started_at: new Date().toISOString(), duration_ms: undefined, error: undefined });
  try {
    const result = await body();
    update({ status: 'done', duration_ms: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    update({
      status: 'failed',
      duration_ms: Math.round(performance.now() - started),
      error: String((error as Error).message ?? error),
    });
    throw error;
  }
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}
