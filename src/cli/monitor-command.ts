/**
 * `conveyor monitor`: the command-line adapter over runMonitor. Prints the report (or one JSON document with
 * --json) and writes it to monitor/<timestamp>.json. Exit 0 whatever the decision (a workflow reads `retrain`
 * from the JSON); 2 for unusable input (no production model, unreadable files, a log with no usable line);
 * 1 for anything else.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/index.ts';
import { describeError, exitCodeOf } from '../errors.ts';
import { formatMonitorReport, runMonitor } from '../monitor/index.ts';

export const MONITOR_USAGE = `Usage: conveyor monitor [--predictions <jsonl glob>] [--data <file|glob>] [--feedback <glob>]
                        [--model NAME] [--ref production] [--json]

Compares live inputs with the production model's training profile (input drift), its predictions with the
holdout predictions recorded at training (prediction drift), and scores labelled feedback with the model
(quality against the card's holdout metric); decides whether to retrain and why.

Options
  --predictions GLOB  prediction-log files (default: serve.prediction_log.path and its rotated files)
  --data GLOB         a data file or glob to use as the window instead of the prediction log
  --feedback GLOB     labelled rows (default: monitor.feedback, data/feedback/*.csv)
  --model NAME        registered model (default: model.name)
  --ref REF           version or alias (default: production)
  --json              one JSON document on stdout: {retrain, reasons, severity, ...}
  --config PATH       config file (default: ${DEFAULT_CONFIG_PATH})
  -h, --help          this help

Every option taking a glob may be repeated. The report is also written to monitor/<timestamp>.json.
Exit codes: 0 whatever the decision, 2 unusable input, 1 other errors.`;

export interface MonitorCliIo {
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `conveyor monitor` with `argv` (after the command name); resolves the exit code. */
export async function monitorCli(argv: readonly string[], io: MonitorCliIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const err = io.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  let json = argv.includes('--json');
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        predictions: { type: 'string', multiple: true },
        data: { type: 'string', multiple: true },
        feedback: { type: 'string', multiple: true },
        model: { type: 'string' },
        ref: { type: 'string', default: 'production' },
        json: { type: 'boolean', default: false },
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json!;
    if (values.help) {
      out(MONITOR_USAGE);
      return 0;
    }
    const cwd = io.cwd ?? process.cwd();
    const config = loadConfig(resolve(cwd, values.config!));
    const { report, path } = await runMonitor({
      config,
      cwd,
      env: io.env ?? process.env,
      ...(values.predictions ? { predictions: values.predictions } : {}),
      ...(values.data ? { data: values.data } : {}),
      ...(values.feedback ? { feedback: values.feedback } : {}),
      ...(values.model ? { model: values.model } : {}),
      ref: values.ref!,
    });
    if (json) out(JSON.stringify(report, null, 2));
    else {
      out(formatMonitorReport(report));
      out(`\nreport: ${path}`);
    }
    for (const warning of report.warnings) err(`conveyor monitor: warning: ${warning}`);
    return 0;
  } catch (error) {
    const code =
      error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? 2
        : exitCodeOf(error);
    const message = describeError(error);
    if (json) out(JSON.stringify({ ok: false, command: 'monitor', exit_code: code, error: message }, null, 2));
    err(`conveyor monitor: ${message}`);
    return code;
  }
}
