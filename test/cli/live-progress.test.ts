import { describe, expect, it } from 'vitest';
import { isLiveTerminal, liveProgress } from '../../src/cli/live-progress.ts';
import type { ProgressUpdate } from '../../src/pipeline/progress.ts';

const ERASE = '\r\x1b[2K';

function fakeTerminal(columns = 100) {
  const writes: string[] = [];
  return { writes, terminal: { columns, write: (text: string) => writes.push(text) } };
}

const update = (done: number, total = 200): ProgressUpdate => ({ stage: 'train', done, total, elapsedMs: done * 10 });

describe('liveProgress', () => {
  it('redraws one line in place, at most every interval, and always shows the last iteration', () => {
    let clock = 0;
    const { writes, terminal } = fakeTerminal();
    const live = liveProgress(terminal, 100, () => clock);
    live.progress(update(1));
    clock = 50;
    live.progress(update(2)); // within 100 ms of the last draw: skipped
    clock = 120;
    live.progress(update(3));
    clock = 130;
    live.progress(update(200, 200)); // the last one is drawn at once
    expect(writes).toEqual([
      `${ERASE}  train: iteration 1/200, 0.0 s elapsed, ETA 2.0 s`,
      `${ERASE}  train: iteration 3/200, 0.0 s elapsed, ETA 2.0 s`,
      `${ERASE}  train: iteration 200/200, 2.0 s elapsed`,
    ]);
  });

  it('erases the progress line before a log line, and only when one is shown', () => {
    let clock = 0;
    const { writes, terminal } = fakeTerminal();
    const live = liveProgress(terminal, 100, () => clock);
    live.log('[3/7] train');
    live.progress(update(5));
    live.log('  gbdt trained on 262 rows');
    live.clear();
    expect(writes).toEqual([
      '[3/7] train\n',
      `${ERASE}  train: iteration 5/200, 0.1 s elapsed, ETA 1.9 s`,
      ERASE,
      '  gbdt trained on 262 rows\n',
    ]);
    clock = 500;
    live.progress(update(6));
    live.clear();
    live.clear(); // nothing shown any more: writes nothing
    expect(writes.slice(-2)).toEqual([`${ERASE}  train: iteration 6/200, 0.1 s elapsed, ETA 1.9 s`, ERASE]);
  });

  it('cuts the line to the terminal width so the carriage return redraws all of it', () => {
    const { writes, terminal } = fakeTerminal(30);
    liveProgress(terminal, 100, () => 0).progress(update(5));
    const drawn = writes[0]!.slice(ERASE.length);
    expect(drawn).toBe('  train: iteration 5/200, 0.…');
    expect(drawn.length).toBe(29);
  });
});

describe('isLiveTerminal', () => {
  it('is true only for a TTY that is not dumb and not in CI', () => {
    expect(isLiveTerminal({ isTTY: true }, {})).toBe(true);
    expect(isLiveTerminal({ isTTY: false }, {})).toBe(false);
    expect(isLiveTerminal({}, {})).toBe(false);
    expect(isLiveTerminal({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(isLiveTerminal({ isTTY: true }, { CI: 'true' })).toBe(false);
  });
});
