/**
 * Reading prediction-log files into a monitoring window: rotated files in order (oldest first, so the window
 * keeps the newest rows), malformed and truncated lines counted and skipped, lines of other models set aside,
 * and a source with only bad lines refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import type { ModelSignature } from '../../src/model/types.ts';
import { orderLogFiles, readPredictionLog } from '../../src/monitor/index.ts';

const signature: ModelSignature = {
  task: 'classification',
  target: 'species',
  features: [
    { name: 'island', type: 'categorical' },
    { name: 'bill_length_mm', type: 'numeric' },
  ],
  classes: ['Adelie', 'Gentoo'],
};

/** One log line in the server's documented format (src/serve/prediction-log.ts). */
function line(id: string, islands: (string | null)[], bills: (number | null)[], model = 'penguins'): string {
  return `${JSON.stringify({
    ts: '2026-12-01T00:00:00.000Z',
    request_id: id,
    model_name: model,
    model_version: 'v1',
    endpoint: 'infer',
    rows: islands.length,
    inputs: { island: islands, bill_length_mm: bills },
    outputs: { label: islands.map(() => 'Adelie'), probabilities: islands.map(() => [0.9, 0.1]) },
  })}\n`;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-monitor-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prediction log reader', () => {
  it('orders rotated files oldest first and keeps the newest rows of the window', () => {
    const base = join(dir, 'predictions.jsonl');
    writeFileSync(`${base}.2`, line('r1', ['Biscoe'], [1]) + line('r2', ['Dream'], [2]));
    writeFileSync(`${base}.1`, line('r3', ['Torgersen', null], [3, null]));
    writeFileSync(base, line('r4', ['Biscoe'], [4]));
    const files = orderLogFiles([base, `${base}.1`, `${base}.10`, `${base}.2`]);
    expect(files).toEqual([`${base}.10`, `${base}.2`, `${base}.1`, base]);

    const window = readPredictionLog([`${base}.2`, `${base}.1`, base], signature, 'penguins', 3);
    expect(window.rowsRead).toBe(5);
    expect(window.requestIds).toEqual(['r3', 'r3', 'r4']);
    const bill = window.inputs.columns[1]!;
    expect(bill.type === 'numeric' && Array.from(bill.values)).toEqual([3, Number.NaN, 4]);
    const island = window.inputs.columns[0]!;
    expect(
      island.type === 'categorical' && Array.from(island.codes, (c) => (c < 0 ? null : island.categories[c])),
    ).toEqual(['Torgersen', null, 'Biscoe']);
    expect(window.labels).toEqual(['Adelie', 'Adelie', 'Adelie']);
  });

  it('counts and skips malformed lines and a truncated last line, with the first place of each', () => {
    const file = join(dir, 'predictions.jsonl');
    const good = line('ok', ['Biscoe'], [40]);
    writeFileSync(
      file,
      [
        good,
        'not json at all\n',
        '{"rows": 1, "model_name": "penguins"}\n', // JSON, but not a log record
        line('bad', ['Biscoe'], ['forty' as unknown as number]),
        line('x', ['Dream'], [41], 'other-model'),
        good,
        good.slice(0, 60), // the write was cut short
      ].join(''),
    );
    const window = readPredictionLog([file], signature, 'penguins', 100);
    expect(window.lines).toEqual({ read: 7, malformed: 3, truncated: 1, other_model: 1 });
    expect(window.inputs.rowCount).toBe(2);
    expect(window.warnings.join('\n')).toMatch(
      /3 malformed line\(s\) skipped \(first: predictions\.jsonl line 2: not JSON/,
    );
    expect(window.warnings.join('\n')).toMatch(/1 truncated line\(s\) skipped \(first: predictions\.jsonl line 7/);
    expect(window.warnings.join('\n')).toMatch(/line\(s\) of other models skipped .*"other-model"/);
  });

  it('refuses a log whose lines are all unusable, and an unreadable file', () => {
    const file = join(dir, 'predictions.jsonl');
    writeFileSync(file, 'garbage\n{"also": "bad"}\n');
    expect(() => readPredictionLog([file], signature, 'penguins', 100)).toThrow(DataError);
    expect(() => readPredictionLog([file], signature, 'penguins', 100)).toThrow(
      /no usable prediction log line \(2 malformed, 0 truncated, 0 of other models\); first problem: predictions\.jsonl line 1: not JSON/,
    );
    expect(() => readPredictionLog([join(dir, 'absent.jsonl')], signature, 'penguins', 100)).toThrow(
      /absent\.jsonl: cannot read the prediction log \(ENOENT\)/,
    );
  });
});
