/**
 * A run: its folder, the config it was created with, and a log sink. Stage executors take a RunContext,
 * read the previous stages' outputs from the run folder and write their own (artifact-io.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, loadConfig } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { gitInfo } from '../lib/git.ts';
import { pipelineImageFromEnv } from '../lib/lineage.ts';
import { CONVEYOR_VERSION } from '../lib/version.ts';
import { artifactPath, readArtifact, writeArtifact } from './artifact-io.ts';
import { type ProgressSink, periodicProgress } from './progress.ts';
import { githubContext, type StageRecord } from './run-record.ts';
import type { StageName } from './stage-names.ts';

export interface RunContext {
  readonly config: Config;
  readonly configFile: string;
  /** The run folder (absolute). */
  readonly dir: string;
  /** Repository root: data globs, the schema file and the local registry are relative to it. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Human-readable progress; silent in --json mode. */
  readonly log: (line: string) => void;
  /** Live progress of long stages (training); default: a plain line through log every 2 s. */
  readonly progress: ProgressSink;
}

/** File in runs_dir naming the most recent run, so stage commands default to it. */
export const LATEST_RUN_FILE = 'LATEST';

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
export async function createRun(options: CreateRunOptions): Promise<RunContext> {
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
  if (existsSync(artifactPath(dir, 'run'))) {
    throw new InputError(`${dir}: a run already exists there; pick another --run-dir or rerun its stages with --run`);
  }
  mkdirSync(dir, { recursive: true });
  await writeArtifact(dir, 'config', config);
  await writeArtifact(dir, 'run', {
    id,
    created_at: new Date().toISOString(),
    config_file: options.configFile,
    conveyor_version: CONVEYOR_VERSION,
    git: gitInfo(cwd, env),
    github: githubContext(env),
    pipeline_image: pipelineImageFromEnv(env),
    stages: {},
  });
  mkdirSync(resolve(cwd, config.runs_dir), { recursive: true });
  writeFileSync(resolve(cwd, config.runs_dir, LATEST_RUN_FILE), `${dir}\n`);
  const log = options.log ?? (() => {});
  return {
    config,
    configFile: options.configFile,
    dir,
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
  /** Override registry.backend of the saved config (the --registry flag). */
  readonly registryBackend?: 'local' | 'github';
}

/** Open an existing run to (re)run a stage; its saved config is used, so a stage rerun sees what the run saw. */
export async function openRun(options: OpenRunOptions): Promise<RunContext> {
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
  if (!existsSync(artifactPath(dir, 'run'))) throw new InputError(`${dir}: not a run folder (no run.json)`);
  const record = await readArtifact(dir, 'run', 'open run');
  const saved = await readArtifact(dir, 'config', 'open run');
  const config = options.registryBackend
    ? { ...saved, registry: { ...saved.registry, backend: options.registryBackend } }
    : saved;
  return {
    config,
    configFile: record.config_file,
    dir,
    cwd,
    env: options.env ?? process.env,
    log: options.log ?? (() => {}),
    progress: options.progress ?? periodicProgress(options.log ?? (() => {})),
  };
}

/** Run one stage, recording status and duration in run.json; rethrows the stage's error. */
export async function recordStage<T>(ctx: RunContext, name: StageName, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const update = async (status: StageRecord['status'], extra: { duration_ms?: number; error?: string } = {}) => {
    const record = await readArtifact(ctx.dir, 'run', 'run record');
    const startedAt =
      status === 'running' ? new Date().toISOString() : (record.stages[name]?.started_at ?? new Date().toISOString());
    record.stages[name] = { status, started_at: startedAt, ...extra };
    await writeArtifact(ctx.dir, 'run', record, 'run record');
  };
  await update('running');
  try {
    const result = await body();
    await update('done', { duration_ms: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    await update('failed', {
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
