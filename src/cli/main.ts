/**
 * `conveyor` command line: a thin adapter over the pipeline stages. It parses flags, runs one stage or
 * the whole pipeline, prints progress (or one JSON document with --json) and maps errors to exit codes:
 * 0 done, 2 invalid input (config/data), 3 model not good enough to register, 1 anything else.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/load.ts';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import { createRun, openRun, type RunContext } from '../pipeline/context.ts';
import { runPipeline, step } from '../pipeline/pipeline.ts';
import { evaluateStage } from '../pipeline/stages/evaluate.ts';
import { exportStage } from '../pipeline/stages/export.ts';
import { prepareStage } from '../pipeline/stages/prepare.ts';
import { trainStage } from '../pipeline/stages/train.ts';
import { validateDataStage } from '../pipeline/stages/validate-data.ts';

const USAGE = `Usage: conveyor <command> [options]

Pipeline
  pipeline          run every stage on the bundled/configured data in a new run folder
  validate-data     start a run: load the data, infer or check the schema, profile, find anomalies
  prepare           split train/holdout                         (on --run, default: latest run)
  train             fit the model                               (on --run)
  evaluate          holdout metrics, slices, importance         (on --run)
  export            write model.onnx and check parity           (on --run)

Options
  --config PATH     config file (default: ${DEFAULT_CONFIG_PATH})
  --run DIR         existing run folder for a single stage (default: the latest run)
  --run-dir DIR     folder for a new run (pipeline, validate-data; default: <runs_dir>/<timestamp>)
  --json            print one JSON document instead of progress
  -h, --help        this help

Exit codes: 0 done, 2 invalid config or data, 3 model not good enough to register, 1 other errors.`;

interface Flags {
  readonly config: string;
  readonly run?: string;
  readonly runDir?: string;
  readonly json: boolean;
}

type Command = (flags: Flags, log: (line: string) => void) => Promise<unknown>;

const stage =
  (run: (ctx: RunContext) => Promise<unknown>, name: Parameters<typeof step>[1]): Command =>
  async (flags, log) => {
    const ctx = openRun({ configFile: flags.config, ...(flags.run ? { runDir: flags.run } : {}), log });
    ctx.log(`run ${ctx.layout.dir}`);
    await step(ctx, name, () => run(ctx));
    return { run: ctx.layout.dir };
  };

const commands: Record<string, Command> = {
  pipeline: async (flags, log) => {
    const result = await runPipeline({
      configFile: flags.config,
      ...(flags.runDir ? { runDir: flags.runDir } : {}),
      log,
    });
    log(`done: ${result.runDir}`);
    return { run: result.runDir, metrics: result.evaluation.metrics, parity: result.export.parity };
  },
  'validate-data': async (flags, log) => {
    const ctx = createRun({ configFile: flags.config, ...(flags.runDir ? { runDir: flags.runDir } : {}), log });
    ctx.log(`run ${ctx.layout.dir}`);
    const outcome = await step(ctx, 'validate-data', () => validateDataStage(ctx, null));
    return { run: ctx.layout.dir, ok: outcome.report.ok, anomalies: outcome.report.anomalies };
  },
  prepare: stage(prepareStage, 'prepare'),
  train: stage(trainStage, 'train'),
  evaluate: stage(evaluateStage, 'evaluate'),
  export: stage(exportStage, 'export'),
};

/** Run the CLI with these arguments; returns the process exit code (never exits itself). */
export async function main(argv: readonly string[]): Promise<number> {
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
    if (positionals.length > 1) throw new InputError(`unexpected argument "${positionals[1]}" for "${command}"`);
    flags = {
      config: values.config!,
      json: values.json!,
      ...(values.run ? { run: values.run } : {}),
      ...(values['run-dir'] ? { runDir: values['run-dir'] } : {}),
    };
  } catch (error) {
    console.error(`conveyor: ${describeError(error)}`);
    return 2;
  }
  const log = flags.json ? () => {} : (line: string) => console.log(line);
  try {
    const result = await commands[command]!(flags, log);
    if (flags.json) console.log(JSON.stringify({ ok: true, command, ...(result as object) }, null, 2));
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    const message = describeError(error);
    if (flags.json) console.log(JSON.stringify({ ok: false, command, exit_code: code, error: message }, null, 2));
    else console.error(`conveyor ${command}: ${message}`);
    if (code === 1 && !flags.json && process.env.CONVEYOR_DEBUG) console.error(error);
    return code;
  }
}
