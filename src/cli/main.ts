/**
 * `conveyor` command line: a thin adapter over the pipeline stages. It parses flags, runs one stage or
 * the whole pipeline, prints progress (or one JSON document with --json) and maps errors to exit codes:
 * 0 done, 2 invalid input (config/data), 3 model not good enough to register, 1 anything else.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/defaults.ts';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import type { ProgressSink, StageName, StageOptions } from '../pipeline/index.ts';
import { stageNames, stageSpecs } from '../pipeline/stage-table.ts';
import { isLiveTerminal, liveProgress } from './live-progress.ts';

// Each command imports what it needs when it runs (the import() calls below): `--help` and `registry list`
// must not pay for onnxruntime, fastify, hyparquet or Octokit (bench/startup.ts, test/cli/startup.test.ts), nor
// for zod and yaml: hence the stage table from its own file, not from the pipeline barrel.

export const USAGE = `Usage: conveyor <command> [options]

Pipeline
  pipeline          run every stage in a new run folder
${stageNames
  .map((name, i) => `  ${name.padEnd(18)}${stageSpecs[name].summary}${i === 0 ? ' (starts a run)' : ' (on --run)'}`)
  .join('\n')}

Registry
  registry list | show <ref> | pull <ref> <dir> | promote <ref> <alias> | rollback [<alias>]
                    <ref> is a version (v3 or 3), an alias (production) or latest

Reports
  report            report/report.md and report.html of a run      (on --run; conveyor report --help)
  site <dir>        static web site of the registry                (conveyor site --help)

Serving
  serve             Open Inference Protocol v2 server (conveyor serve --help)
  infra-validate    send a version's golden requests to a serving image (conveyor infra-validate --help)
  monitor           drift and quality of the production model, and the retrain decision (conveyor monitor --help)

Options
  --config PATH     config file (default: ${DEFAULT_CONFIG_PATH})
  --run DIR         existing run folder for a single stage (default: the latest run)
  --run-dir DIR     folder for a new run (pipeline, validate-data; default: <runs_dir>/<timestamp>)
  --registry KIND   local or github: override registry.backend
  --promote LIST    aliases to move to a newly registered version, comma-separated ("" for none;
                    default: registry.promote_on_register)
  --skip-register   pipeline: stop after export (no blessing, no registration)
  --model NAME      registry: another model than model.name
  --reason TEXT     registry promote/rollback: recorded in the alias history
  --json            print one JSON document instead of progress
  -h, --help        this help

Exit codes: 0 done, 2 invalid config or data, 3 model not good enough to register, 1 other errors.`;

interface Flags {
  readonly config: string;
  readonly run?: string;
  readonly runDir?: string;
  readonly registry?: 'local' | 'github';
  readonly promote?: readonly string[];
  readonly skipRegister: boolean;
  readonly model?: string;
  readonly reason?: string;
  readonly json: boolean;
  readonly args: readonly string[];
}

/** `progress`: a live sink on a terminal; undefined keeps the run's default (plain periodic lines). */
type Command = (flags: Flags, log: (line: string) => void, progress: ProgressSink | undefined) => Promise<unknown>;

/** What a stage command prints with --json besides the run folder. */
function stageJson(name: StageName, outcome: unknown): object {
  if (name === 'validate-data') {
    const { report } = outcome as { report: { ok: boolean; anomalies: unknown } };
    return { ok: report.ok, anomalies: report.anomalies };
  }
  return { result: outcome };
}

/** A stage command: validate-data starts a new run, the others open one (--run, default the latest). */
const stage =
  (name: StageName): Command =>
  async (flags, log, progress) => {
    const { createRun, openRun, runStage } = await import('../pipeline/index.ts');
    const backend = {
      ...(flags.registry ? { registryBackend: flags.registry } : {}),
      ...(progress ? { progress } : {}),
    };
    const ctx =
      name === stageNames[0]
        ? await createRun({
            configFile: flags.config,
            ...(flags.runDir ? { runDir: flags.runDir } : {}),
            ...backend,
            log,
          })
        : await openRun({ configFile: flags.config, ...(flags.run ? { runDir: flags.run } : {}), ...backend, log });
    ctx.log(`run ${ctx.dir}`);
    const outcome = await runStage(ctx, name, stageOptions(flags));
    return { run: ctx.dir, ...stageJson(name, outcome) };
  };

function stageOptions(flags: Flags): StageOptions {
  return flags.promote ? { register: { aliases: flags.promote } } : {};
}

const commands: Record<string, Command> = {
  pipeline: async (flags, log, progress) => {
    const { runPipeline } = await import('../pipeline/index.ts');
    const result = await runPipeline({
      configFile: flags.config,
      ...(flags.runDir ? { runDir: flags.runDir } : {}),
      ...(flags.registry ? { registryBackend: flags.registry } : {}),
      skipRegister: flags.skipRegister,
      ...stageOptions(flags),
      log,
      ...(progress ? { progress } : {}),
    });
    const registration = result.registration;
    const registered = registration?.version;
    log(
      !registered
        ? `done: ${result.runDir}`
        : registration.unchanged
          ? `done: ${result.runDir} (unchanged: ${registered.name} v${registered.version} stays production)`
          : `done: ${result.runDir} → ${registered.name} v${registered.version}`,
    );
    return {
      run: result.runDir,
      metrics: result.evaluation.metrics,
      parity: result.export.parity,
      blessed: result.blessing?.blessed ?? null,
      version: registered?.version ?? null,
      unchanged: registration?.unchanged ?? false,
    };
  },
  ...Object.fromEntries(stageNames.map((name) => [name, stage(name)])),
  registry: async (flags, log) =>
    (await import('./registry-command.ts')).registryCommand({
      configFile: flags.config,
      args: flags.args,
      log,
      ...(flags.registry ? { backend: flags.registry } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.reason ? { reason: flags.reason } : {}),
    }),
};

/** Run the CLI with these arguments; returns the process exit code (never exits itself). */
export async function main(argv: readonly string[]): Promise<number> {
  // serve has its own flags and owns the process signals until it stops.
  if (argv[0] === 'serve') return (await import('../serve/index.ts')).serveCli(argv.slice(1));
  if (argv[0] === 'infra-validate')
    return (await import('./infra-validate-command.ts')).infraValidateCli(argv.slice(1));
  // monitor has its own flags; loaded on use so --help stays fast.
  if (argv[0] === 'monitor') return (await import('./monitor-command.ts')).monitorCli(argv.slice(1));
  // report and site load the charting library: only when asked for.
  if (argv[0] === 'report' || argv[0] === 'site') return (await import('./report-command.ts')).reportCli(argv);
  let flags: Flags;
  let command: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        run: { type: 'string' },
        'run-dir': { type: 'string' },
        registry: { type: 'string' },
        promote: { type: 'string' },
        'skip-register': { type: 'boolean', default: false },
        model: { type: 'string' },
        reason: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    command = positionals[0];
    if (values.help || !command) {
      console.log(USAGE);
      return values.help ? 0 : 2;
    }
    if (!(command in commands)) throw new InputError(`unknown command "${command}"; run "conveyor --help"`);
    const args = positionals.slice(1);
    if (command !== 'registry' && args.length > 0)
      throw new InputError(`unexpected argument "${args[0]}" for "${command}"`);
    if (values.registry !== undefined && values.registry !== 'local' && values.registry !== 'github') {
      throw new InputError(`--registry must be local or github, got "${values.registry}"`);
    }
    flags = {
      config: values.config!,
      json: values.json!,
      skipRegister: values['skip-register']!,
      args,
      ...(values.run ? { run: values.run } : {}),
      ...(values['run-dir'] ? { runDir: values['run-dir'] } : {}),
      ...(values.registry ? { registry: values.registry as 'local' | 'github' } : {}),
      ...(values.promote !== undefined
        ? {
            promote: values.promote
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : {}),
      ...(values.model ? { model: values.model } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
    };
  } catch (error) {
    console.error(`conveyor: ${describeError(error)}`);
    return 2;
  }
  const live = !flags.json && isLiveTerminal(process.stdout, process.env) ? liveProgress(process.stdout) : undefined;
  const log = flags.json ? () => {} : (live?.log ?? ((line: string) => console.log(line)));
  try {
    const result = await commands[command]!(flags, log, live?.progress);
    live?.clear();
    if (flags.json) console.log(JSON.stringify({ ok: true, command, ...(result as object) }, null, 2));
    return 0;
  } catch (error) {
    live?.clear();
    const code = exitCodeOf(error);
    const message = describeError(error);
    if (flags.json) console.log(JSON.stringify({ ok: false, command, exit_code: code, error: message }, null, 2));
    else console.error(`conveyor ${command}: ${message}`);
    if (code === 1 && !flags.json && process.env.CONVEYOR_DEBUG) console.error(error);
    return code;
  }
}
