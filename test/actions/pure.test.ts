/** The pure parts of the actions: annotations, the error boundary, stage selection, config overrides, the trigger. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anomalyAnnotations } from '../../src/actions/annotations.ts';
import { parseOverrides, writeOverriddenConfig } from '../../src/actions/config-overrides.ts';
import { failureReport } from '../../src/actions/failure.ts';
import { parseStages } from '../../src/actions/pipeline.ts';
import { triggerReason } from '../../src/actions/trigger.ts';
import { ConfigError, InputError, ModelRejectedError } from '../../src/errors.ts';
import { type Anomaly, DataValidationError } from '../../src/validate/index.ts';
import { parseAnnotations, parseFileCommands } from '../helpers/actions-runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-actions-pure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function anomaly(line: number, severity: 'error' | 'warning', count = 1): Anomaly {
  return {
    kind: 'out_of_range',
    severity,
    column: 'body_mass_g',
    file: 'data/b.csv',
    line,
    count,
    message: `data/b.csv:${line}: out of range`,
  };
}

describe('anomaly annotations', () => {
  it('annotates the worst within GitHub’s 10 per level (one error is the failure) and counts the rest in a notice', () => {
    const anomalies = [
      ...Array.from({ length: 15 }, (_, i) => anomaly(i + 2, 'error', i === 14 ? 50 : 1)),
      anomaly(40, 'warning'),
    ];
    const annotations = anomalyAnnotations(anomalies, { errorsUsed: 1 });
    const errors = annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(9);
    expect(errors[0]).toMatchObject({ file: 'data/b.csv', line: 16 }); // the one standing for 50 rows
    expect(errors.slice(1).map((a) => a.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(annotations.filter((a) => a.level === 'warning')).toEqual([
      expect.objectContaining({ line: 40, title: 'Data warning: out of range (body_mass_g)' }),
    ]);
    expect(annotations.at(-1)).toEqual({
      level: 'notice',
      title: 'More data anomalies',
      message: '6 more data anomalies are listed in the job summary',
    });
  });
});

describe('the error boundary', () => {
  it('invalid data: title, the first error on the line, exit 2, anomalies annotated', () => {
    const report = failureReport(new DataValidationError([anomaly(7, 'error')]), dir);
    expect(report.exitCode).toBe(2);
    expect(report.failure).toEqual({
      level: 'error',
      title: 'Invalid data',
      message: 'data validation failed with 1 error(s): data/b.csv:7: out of range',
    });
    expect(report.annotations).toEqual([expect.objectContaining({ level: 'error', file: 'data/b.csv', line: 7 })]);
    expect(report.stack).toBeNull();
  });

  it('invalid config: annotated at the config file and line when the file is in the checkout', () => {
    writeFileSync(join(dir, 'conveyor.yml'), 'model: {}\n');
    const error = new ConfigError(join(dir, 'conveyor.yml'), 'split.holdout', '2 is not accepted (line 12): too big');
    expect(failureReport(error, dir).failure).toMatchObject({
      title: 'Invalid config',
      file: 'conveyor.yml',
      line: 12,
    });
    const outside = new ConfigError('environment', 'GITHUB_TOKEN', 'not set');
    expect(failureReport(outside, dir).failure).toEqual({
      level: 'error',
      title: 'Invalid config',
      message: 'environment: GITHUB_TOKEN: not set',
    });
  });

  it('not blessed is exit 3; an input error exit 2; anything else exit 1 with its stack for the log', () => {
    expect(failureReport(new ModelRejectedError('macro_f1 0.5 < 0.9'), dir)).toMatchObject({
      exitCode: 3,
      failure: { title: 'Model not blessed', message: 'macro_f1 0.5 < 0.9' },
    });
    expect(failureReport(new InputError('input "x" is required'), dir)).toMatchObject({
      exitCode: 2,
      failure: { title: 'Invalid input' },
    });
    const unexpected = failureReport(new TypeError('x is undefined'), dir);
    expect(unexpected).toMatchObject({
      exitCode: 1,
      failure: { title: 'Unexpected error', message: 'x is undefined' },
    });
    expect(unexpected.stack).toContain('TypeError: x is undefined');
  });
});

describe('stage selection', () => {
  it('takes all, one stage, a range and a contiguous list', () => {
    expect(parseStages('all')).toHaveLength(7);
    expect(parseStages('register')).toEqual(['register']);
    expect(parseStages('prepare..export')).toEqual(['prepare', 'train', 'evaluate', 'export']);
    expect(parseStages('validate-model, register')).toEqual(['validate-model', 'register']);
  });

  it('refuses unknown, backwards and gapped selections, naming the input', () => {
    expect(() => parseStages('training')).toThrow('input "stages": unknown stage "training"');
    expect(() => parseStages('export..train')).toThrow('selects no stage');
    expect(() => parseStages('train,export')).toThrow('not a contiguous run of stages');
  });
});

describe('config overrides', () => {
  it('parses key=value per line or ";" and writes them into a copy of the config', () => {
    const overrides = parseOverrides('trainer.params.n_trees=50\n\n; trainer.params.learning_rate = 0.05 ;');
    expect(overrides).toEqual([
      { path: ['trainer', 'params', 'n_trees'], value: 50 },
      { path: ['trainer', 'params', 'learning_rate'], value: 0.05 },
    ]);
    writeFileSync(join(dir, 'c.yml'), '# kept\ntrainer:\n  algorithm: gbdt\n  params: {}\n');
    const written = writeOverriddenConfig('c.yml', dir, overrides, join(dir, 'out'));
    expect(readFileSync(written, 'utf8')).toBe(
      '# kept\ntrainer:\n  algorithm: gbdt\n  params: { n_trees: 50, learning_rate: 0.05 }\n',
    );
  });

  it('refuses a line that is not key=value', () => {
    expect(() => parseOverrides('n_trees 50')).toThrow('input "set", item 1: expected key.path=value');
  });
});

describe('trigger reason', () => {
  const event = (name: string, payload: unknown) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(payload));
    return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path };
  };

  it('comes from the input, else the event payload', () => {
    expect(triggerReason(event('push', {}), 'by hand')).toBe('by hand');
    expect(
      triggerReason(
        event('repository_dispatch', { action: 'retrain', client_payload: { reason: 'drift in island' } }),
        '',
      ),
    ).toBe('drift in island');
    expect(triggerReason(event('repository_dispatch', { action: 'retrain' }), '')).toBe('repository_dispatch retrain');
    expect(triggerReason(event('schedule', { schedule: '17 4 * * 1' }), '')).toBe('schedule "17 4 * * 1"');
    expect(triggerReason(event('push', { head_commit: { id: 'abcdef1234', message: 'Add batch\n\nbody' } }), '')).toBe(
      'push of abcdef1: Add batch',
    );
    expect(triggerReason(event('workflow_dispatch', { inputs: { reason: 'try 50 trees' } }), '')).toBe('try 50 trees');
  });
});

describe('the runner harness parsers', () => {
  it('reads heredoc and name=value file commands, and annotations with escaped properties', () => {
    expect(parseFileCommands('a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=2\n')).toEqual({
      a: 'line 1\nline 2',
      b: '2',
    });
    expect(() => parseFileCommands('a<<EOF\nno end\n')).toThrow('never closes');
    expect(
      parseAnnotations('::error title=Data error%3A x,file=data/a.csv,line=7::bad%0Avalue\n::notice::n\n'),
    ).toEqual([
      { level: 'error', title: 'Data error: x', file: 'data/a.csv', line: 7, message: 'bad\nvalue' },
      { level: 'notice', message: 'n' },
    ]);
  });
});
