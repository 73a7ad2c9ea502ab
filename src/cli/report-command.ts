/**
 * `conveyor report [--run DIR]` and `conveyor site <dir>`: thin adapters over src/report. Loaded only when
 * one of them runs, so other commands do not pay for the charting library.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.ts';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import { openRun } from '../pipeline/context.ts';
import { createRegistry } from '../registry/index.ts';
import { buildSite, readMonitorVerdicts, writeRunReport } from '../report/index.ts';

export const REPORT_USAGE = `Usage: conveyor report [--run DIR] [--report-url URL] [--config PATH] [--json]
  Writes report/report.md and report/report.html in the run folder (default: the latest run).
  --report-url URL   where report.html will be published; report.md links it when it has to be cut

Usage: conveyor site <dir> [--registry local|github] [--model NAME] [--monitor-dir DIR] [--config PATH] [--json]
  Builds a static web site of the registry in <dir>: versions, aliases and their history, the primary
  metric over versions, each version's report and card, the latest monitor verdicts (--monitor-dir,
  default: monitor).`;

interface Io {
  readonly print: (line: string) => void;
  readonly error: (line: string) => void;
}

/** Run `report` or `site` (argv[0]); returns the exit code. */
export async function reportCli(
  argv: readonly string[],
  io: Io = { print: (l) => console.log(l), error: (l) => console.error(l) },
): Promise<number> {
  const command = argv[0] === 'site' ? 'site' : 'report';
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        run: { type: 'string' },
        'report-url': { type: 'string' },
        registry: { type: 'string' },
        model: { type: 'string' },
        'monitor-dir': { type: 'string', default: 'monitor' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json!;
    if (values.help) {
      io.print(REPORT_USAGE);
      return 0;
    }
    const result = command === 'report' ? await report(values, positionals) : await site(values, positionals);
    if (json) io.print(JSON.stringify({ ok: true, command, ...result }, null, 2));
    else io.print(result.message);
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    if (json) io.print(JSON.stringify({ ok: false, command, exit_code: code, error: describeError(error) }, null, 2));
    else io.error(`conveyor ${command}: ${describeError(error)}`);
    return code;
  }
}

interface Values {
  readonly config?: string;
  readonly run?: string;
  readonly 'report-url'?: string;
  readonly registry?: string;
  readonly model?: string;
  readonly 'monitor-dir'?: string;
}

async function report(values: Values, positionals: readonly string[]) {
  if (positionals.length > 0) throw new InputError(`unexpected argument "${positionals[0]}" for "report"`);
  const ctx = openRun({
    configFile: values.config ?? DEFAULT_CONFIG_PATH,
    ...(values.run ? { runDir: values.run } : {}),
  });
  const written = await writeRunReport(
    ctx.layout.dir,
    values['report-url'] ? { fullReportUrl: values['report-url'] } : {},
  );
  return {
    message: `report: ${written.markdownPath}\n        ${written.htmlPath}`,
    run: ctx.layout.dir,
    outcome: written.report.outcome,
    markdown: written.markdownPath,
    html: written.htmlPath,
    charts: written.charts.map((c) => c.chart.id),
  };
}

async function site(values: Values, positionals: readonly string[]) {
  const [dir, extra] = positionals;
  if (!dir) throw new InputError('site: name the folder to write the site into, e.g. "conveyor site public"');
  if (extra) throw new InputError(`unexpected argument "${extra}" for "site"`);
  if (values.registry !== undefined && values.registry !== 'local' && values.registry !== 'github') {
    throw new InputError(`--registry must be local or github, got "${values.registry}"`);
  }
  const config = loadConfig(resolve(values.config ?? DEFAULT_CONFIG_PATH));
  const registryConfig = values.registry
    ? { ...config.registry, backend: values.registry as 'local' | 'github' }
    : config.registry;
  const outDir = resolve(dir);
  const result = await buildSite({
    registry: createRegistry(registryConfig),
    models: [values.model ?? config.model.name],
    verdicts: readMonitorVerdicts(resolve(values['monitor-dir'] ?? 'monitor')),
    outDir,
  });
  return {
    message: `site: ${result.pages.length} pages, ${result.versions} version(s) → ${outDir}/index.html`,
    dir: outDir,
    pages: result.pages,
    versions: result.versions,
  };
}
