/**
 * `infra-validate`: runs the candidate serving image on the runner and sends it the golden requests recorded at
 * export (TFX's InfraValidator). Every answer must equal the model's: otherwise the step fails and the workflow
 * pushes and moves nothing.
 */
import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { assertGolden, checkImage, GOLDEN_FILE, type GoldenReport, readGoldenSet } from '../golden/index.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const image = inputs.required('image');
  const goldenInput = inputs.get('golden');
  if (!goldenInput) {
    throw new InputError(
      `input "golden" is empty: the model version has no ${GOLDEN_FILE} (registered before golden requests ` +
        'existed?); register it again with this Conveyor so infra validation can check the image',
    );
  }
  const readyTimeout = Number(inputs.get('ready-timeout-seconds') || '60');
  if (!(readyTimeout > 0)) throw new InputError('input "ready-timeout-seconds" must be a positive number');
  const golden = readGoldenSet(resolve(deps.workspace, goldenInput));

  const result = await deps.group(`Run ${image} and send ${golden.rows.length} golden requests`, () =>
    checkImage({ image, golden, readyTimeoutMs: readyTimeout * 1000 }),
  );
  deps.setOutput('rows', result.report.rows);
  deps.setOutput('max-abs-diff', result.report.max_abs_diff);
  await deps.summary(summaryOf(image, golden.model, result.report, result.startMs, result.checkMs));
  assertGolden(result.report, image);
  deps.log(`infra validation passed: ${result.report.rows} golden requests answered as at export`);
}

function summaryOf(image: string, model: string, report: GoldenReport, startMs: number, checkMs: number): string {
  const lines = [
    `### Infra validation: ${report.ok ? 'passed' : '**failed**'}`,
    '',
    `\`${image}\` served ${model}; ${report.rows} golden requests, ${report.mismatched_count} answered differently ` +
      `(max |diff| ${report.max_abs_diff.toExponential(2)}, tolerance ${report.tolerance}); ready in ` +
      `${(startMs / 1000).toFixed(1)} s, answered in ${checkMs.toFixed(0)} ms.`,
    '',
  ];
  if (!report.ok) {
    lines.push('| row | why | expected | served |', '| --- | --- | --- | --- |');
    for (const m of report.mismatched_rows) {
      lines.push(`| ${m.row} | ${m.reason} | \`${JSON.stringify(m.expected)}\` | \`${JSON.stringify(m.served)}\` |`);
    }
    lines.push('', 'Nothing was pushed and no alias moved.', '');
  }
  return lines.join('\n');
}
