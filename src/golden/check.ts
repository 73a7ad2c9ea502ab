/**
 * Sending the golden set to a running server (Open Inference Protocol v2) and comparing its answers with the
 * predictions recorded at export: labels must be identical and every probability or value within the set's
 * tolerance. The request and comparison are pure; checkGoldenAt adds the HTTP call.
 */
import { InfraValidationError } from '../errors.ts';
import type { GoldenSet } from './schema.ts';

/** Rows whose answers differ, shown in reports and error messages. */
export const GOLDEN_MISMATCHES_SHOWN = 5;

export interface GoldenMismatch {
  readonly row: number;
  readonly expected: unknown;
  readonly served: unknown;
  readonly reason: string;
}

export interface GoldenReport {
  readonly ok: boolean;
  readonly rows: number;
  readonly tolerance: number;
  /** Largest |served - expected| over probabilities or values. */
  readonly max_abs_diff: number;
  readonly mismatched_count: number;
  readonly mismatched_rows: readonly GoldenMismatch[];
}

/** The OIP v2 infer request body for every golden row (numbers as FP64, categories as BYTES; null = missing). */
export function goldenRequest(set: GoldenSet): { id: string; inputs: unknown[] } {
  return {
    id: 'conveyor-golden',
    inputs: set.features.map((feature) => ({
      name: feature.name,
      datatype: feature.type === 'numeric' ? 'FP64' : 'BYTES',
      shape: [set.rows.length, 1],
      data: set.rows.map((row) => row[feature.name] ?? null),
    })),
  };
}

interface OipOutput {
  readonly name: string;
  readonly data: readonly unknown[];
}

function outputData(body: unknown, name: string, length: number): readonly unknown[] {
  const outputs = (body as { outputs?: unknown } | null)?.outputs;
  if (!Array.isArray(outputs)) throw new InfraValidationError('the infer response has no "outputs" array');
  const output = (outputs as OipOutput[]).find((o) => o?.name === name);
  if (!output || !Array.isArray(output.data))
    throw new InfraValidationError(`the infer response has no "${name}" output`);
  if (output.data.length !== length) {
    throw new InfraValidationError(`the "${name}" output holds ${output.data.length} values; expected ${length}`);
  }
  return output.data;
}

function absDiff(served: unknown, expected: number): number {
  return typeof served === 'number' ? Math.abs(served - expected) : Number.POSITIVE_INFINITY;
}

/** Compares an OIP infer response body with the golden set's expected predictions. */
export function compareGolden(set: GoldenSet, response: unknown): GoldenReport {
  const rows = set.rows.length;
  const mismatched: GoldenMismatch[] = [];
  let mismatchedCount = 0;
  let maxAbsDiff = 0;
  const record = (mismatch: GoldenMismatch): void => {
    mismatchedCount += 1;
    if (mismatched.length < GOLDEN_MISMATCHES_SHOWN) mismatched.push(mismatch);
  };
  if (set.task === 'classification') {
    const width = set.classes!.length;
    const labels = outputData(response, 'label', rows);
    const probabilities = outputData(response, 'probabilities', rows * width);
    for (let row = 0; row < rows; row++) {
      const expected = set.expected[row] as { label: string; probabilities: number[] };
      const served = probabilities.slice(row * width, (row + 1) * width);
      const diff = Math.max(...expected.probabilities.map((p, k) => absDiff(served[k], p)));
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      if (labels[row] !== expected.label) {
        record({ row, expected, served: { label: labels[row], probabilities: served }, reason: 'label differs' });
      } else if (!(diff <= set.tolerance)) {
        record({
          row,
          expected,
          served: { label: labels[row], probabilities: served },
          reason: `probabilities differ by ${diff}`,
        });
      }
    }
  } else {
    const values = outputData(response, 'value', rows);
    for (let row = 0; row < rows; row++) {
      const expected = set.expected[row] as { value: number };
      const diff = absDiff(values[row], expected.value);
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      if (!(diff <= set.tolerance)) {
        record({ row, expected, served: { value: values[row] }, reason: `value differs by ${diff}` });
      }
    }
  }
  return {
    ok: mismatchedCount === 0,
    rows,
    tolerance: set.tolerance,
    max_abs_diff: maxAbsDiff,
    mismatched_count: mismatchedCount,
    mismatched_rows: mismatched,
  };
}

/** Longest wait for the golden request's answer, in ms: a server that never answers fails the check. */
export const GOLDEN_REQUEST_TIMEOUT_MS = 60_000;

/** Posts the golden request to `baseUrl` (e.g. http://127.0.0.1:8080) and compares the answers. */
export async function checkGoldenAt(baseUrl: string, set: GoldenSet): Promise<GoldenReport> {
  const url = `${baseUrl.replace(/\/$/, '')}/v2/models/${encodeURIComponent(set.model)}/infer`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(goldenRequest(set)),
      signal: AbortSignal.timeout(GOLDEN_REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new InfraValidationError(`POST ${url} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new InfraValidationError(`POST ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InfraValidationError(`POST ${url} answered with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return compareGolden(set, body);
}

/** Throws InfraValidationError naming the first rows that differ when the report is not ok. */
export function assertGolden(report: GoldenReport, what: string): void {
  if (report.ok) return;
  const rows = report.mismatched_rows.map((m) => `row ${m.row}: ${m.reason}`).join('; ');
  throw new InfraValidationError(
    `${what} answered ${report.mismatched_count} of ${report.rows} golden requests differently from the model at export (${rows})`,
  );
}
