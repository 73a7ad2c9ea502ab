/**
 * Training progress as users see it: on a terminal one line redrawn in place, in a pipe (CI) plain lines.
 * The terminal is a real pseudo-terminal from util-linux's `script`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin', 'conveyor.js');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ERASE_LINE = '\r\x1b[2K';

describe.skipIf(!hasScript)('training progress (needs util-linux script for a pseudo-terminal)', () => {
  const work = mkdtempSync(join(tmpdir(), 'conveyor-progress-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
  delete env.CI; // GitHub Actions sets CI, which turns the live line off

  beforeAll(() => {
    // The bundled pipeline with fewer rounds (60 instead of 200): enough iterations to draw, quicker to train.
    const config = readFileSync(join(repo, 'conveyor.yml'), 'utf8').replace(/^(\s+params:) \{\}/m, '$1 {n_trees: 60}');
    expect(config).toContain('params: {n_trees: 60}');
    writeFileSync(join(work, 'conveyor.yml'), config);
    cpSync(join(repo, 'data'), join(work, 'data'), { recursive: true });
    for (const stage of ['validate-data', 'prepare']) {
      const result = spawnSync(process.execPath, [bin, stage], { cwd: work, env, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('redraws one line on a terminal and erases it before the next log line', () => {
    const command = `'${process.execPath}' '${bin}' train`;
    const result = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: work, env, encoding: 'utf8' });
    expect(result.status, result.stdout).toBe(0);
    const output = result.stdout.replaceAll('\r\n', '\n');
    const draws = output.split(ERASE_LINE).slice(1);
    expect(draws.length).toBeGreaterThanOrEqual(2); // at least one progress line and the erase before the summary
    expect(draws[0]).toMatch(/^ {2}train: iteration \d+\/60, valid loss \d\.\d{5}, \d+\.\d s elapsed/);
    expect(draws.at(-1)).toMatch(/^ {2}gbdt trained on \d+ rows/);
    // The redrawn line never ends in a newline: the scrollback keeps only the log.
    for (const draw of draws.slice(0, -1)) expect(draw).not.toContain('\n');
  });

  it('prints no control characters into a pipe', () => {
    const result = spawnSync(process.execPath, [bin, 'train'], { cwd: work, env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).toMatch(/^ {2}gbdt trained on \d+ rows/m);
  });
});
