import { describe, expect, it } from 'vitest';
import { formatProgress, type ProgressUpdate, periodicProgress } from '../../src/pipeline/progress.ts';

const update = (done: number, elapsedMs: number, extra: Partial<ProgressUpdate> = {}): ProgressUpdate => ({
  stage: 'train',
  done,
  total: 200,
  elapsedMs,
  ...extra,
});

describe('formatProgress', () => {
  it('shows iteration, loss, elapsed time and an ETA from the pace so far', () => {
    expect(formatProgress(update(50, 2000, { loss: 0.123456, lossOn: 'validation' }))).toBe(
      'iteration 50/200, valid loss 0.12346, 2.0 s elapsed, ETA 6.0 s',
    );
    expect(formatProgress(update(1, 250, { loss: 0.5, lossOn: 'training' }))).toBe(
      'iteration 1/200, train loss 0.50000, 0.3 s elapsed, ETA 49.8 s',
    );
  });

  it('writes minutes past 60 s, omits a loss it does not have and the ETA once done', () => {
    expect(formatProgress(update(100, 90_000))).toBe('iteration 100/200, 1 min 30 s elapsed, ETA 1 min 30 s');
    expect(formatProgress(update(200, 5_000, { loss: 0.01, lossOn: 'validation' }))).toBe(
      'iteration 200/200, valid loss 0.01000, 5.0 s elapsed',
    );
  });
});

describe('periodicProgress', () => {
  it('logs a plain line at most every interval, measured from the stage start', () => {
    let clock = 10_000;
    const lines: string[] = [];
    const sink = periodicProgress(
      (line) => lines.push(line),
      2000,
      () => clock,
    );
    sink(update(1, 100)); // the stage started at 9,900
    clock = 11_800;
    sink(update(10, 1900)); // 1.9 s after the start: not yet
    clock = 11_950;
    sink(update(11, 2050));
    clock = 12_500;
    sink(update(12, 2600)); // 0.55 s after the last line
    clock = 14_000;
    sink(update(20, 4100));
    expect(lines).toEqual([
      '  iteration 11/200, 2.0 s elapsed, ETA 35.2 s',
      '  iteration 20/200, 4.1 s elapsed, ETA 36.9 s',
    ]);
  });
});
