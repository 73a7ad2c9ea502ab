/**
 * `conveyor infra-validate`: send a model version's golden requests to a serving image (started here with
 * Docker) or to a running server, and fail unless every answer equals the prediction recorded at export.
 */
import { parseArgs } from 'node:util';
import { describeError, exitCodeOf, InputError } from '../errors.ts';
import { assertGolden, checkGoldenAt, checkImage, type GoldenReport, readGoldenSet } from '../golden/index.ts';

export const INFRA_VALIDATE_USAGE = `Usage: conveyor infra-validate --golden FILE (--image IMAGE | --url URL) [--json]

Sends the golden requests of a model version (golden.json: raw rows and the predictions made at export) and
requires the same answers: labels identical, probabilities or values within the file's tolerance.

  --golden FILE   golden.json of the version (from "conveyor registry pull" or the run's export/ folder)
  --image IMAGE   a serving image: run with Docker on a loopback port, checked, then removed
  --url URL       a running server instead (e.g. http://127.0.0.1:8080)
  --json          print the report as one JSON document
  -h, --help      this help

Exit codes: 0 every answer equal, 1 an answer differs or the image did not start, 2 invalid input.`;

export interface InfraValidateIo {
  readonly print?: (line: string) => void;
  readonly printJson?: (value: unknown) => void;
}

export async function infraValidateCli(argv: readonly string[], io: InfraValidateIo = {}): Promise<number> {
  const print = io.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const printJson = io.printJson ?? ((value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`));
  let json = false;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        golden: { type: 'string' },
        image: { type: 'string' },
        url: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json!;
    if (values.help) {
      print(INFRA_VALIDATE_USAGE);
      return 0;
    }
    if (!values.golden) throw new InputError('--golden FILE is required (golden.json of the model version)');
    if ((values.image === undefined) === (values.url === undefined)) {
      throw new InputError('give exactly one of --image IMAGE and --url URL');
    }
    const golden = readGoldenSet(values.golden);
    let report: GoldenReport;
    let timing: { startMs: number; checkMs: number } | undefined;
    const target = values.image ?? values.url!;
    if (values.image) {
      const result = await checkImage({ image: values.image, golden });
      report = result.report;
      timing = { startMs: result.startMs, checkMs: result.checkMs };
    } else {
      report = await checkGoldenAt(values.url!, golden);
    }
    if (json) printJson({ target, model: golden.model, ...report, ...(timing ? { timing_ms: timing } : {}) });
    assertGolden(report, target);
    print(
      `infra validation passed: ${target} answered all ${report.rows} golden requests of ${golden.model} ` +
        `(max |diff| ${report.max_abs_diff.toExponential(2)} ≤ ${report.tolerance})` +
        (timing
          ? `; ready in ${(timing.startMs / 1000).toFixed(1)} s, checked in ${timing.checkMs.toFixed(0)} ms`
          : ''),
    );
    return 0;
  } catch (error) {
    print(`error: ${describeError(error)}`);
    return error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? 2
      : exitCodeOf(error);
  }
}
