/**
 * The pipeline action run as the runner runs it (test/helpers/actions-runner.ts), shared by the Node 20 and
 * Node 24 test files: success, a model that is not blessed, a bad data row, a bad input.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { stageNames } from '../../src/pipeline/index.ts';
import { runAction } from '../helpers/actions-runner.ts';
import { makeWorkspace, type Workspace } from '../helpers/workspace.ts';

export function pipelineActionCases(node: string): void {
  const workspaces: Workspace[] = [];
  const workspace = () => {
    const ws = makeWorkspace();
    workspaces.push(ws);
    return ws;
  };
  afterAll(() => {
    for (const ws of workspaces) ws.remove();
  });

  it('runs every stage, registers the model and reports it', async () => {
    const ws = workspace();
    const result = await runAction({
      action: './actions/pipeline',
      workspace: ws.dir,
      node,
      inputs: { 'run-artifact': '', reason: 'first batch' },
      event: { name: 'workflow_dispatch', payload: { inputs: {} } },
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toEqual([]);
    expect(result.outputs).toMatchObject({
      'model-name': 'penguins',
      version: '1',
      blessed: 'true',
      'primary-metric': 'macro_f1',
    });
    expect(Number(result.outputs['primary-metric-value'])).toBeGreaterThan(0.9);
    expect(result.groups).toEqual([...stageNames]);
    expect(result.summary).toContain('## ✅ penguins v1 registered');
    expect(result.summary).toContain('### Blessing: ✅ blessed');
    expect(result.summary).toContain('trigger **dispatch** (workflow_dispatch by octocat): first batch');
    const record = JSON.parse(readFileSync(`${result.outputs['run-dir']}/run.json`, 'utf8'));
    expect(record.github).toMatchObject({ trigger: 'dispatch', reason: 'first batch' });
    const card = JSON.parse(readFileSync(`${ws.dir}/models/penguins/v1/card.json`, 'utf8'));
    expect(card.github).toMatchObject({ trigger: 'dispatch', reason: 'first batch' });
  });

  it('fails with "Model not blessed" (exit 3), registers nothing and shows why', async () => {
    const ws = workspace();
    const result = await runAction({
      action: './actions/pipeline',
      workspace: ws.dir,
      node,
      inputs: { 'run-artifact': '', set: 'validation.model.thresholds.accuracy.min=0.999' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.annotations).toHaveLength(1);
    expect(result.annotations[0]).toMatchObject({ level: 'error', title: 'Model not blessed' });
    expect(result.annotations[0]!.message).toMatch(/accuracy .*0\.999/);
    expect(result.outputs).toMatchObject({ blessed: 'false', version: '' });
    expect(result.summary).toContain('## ❌ penguins: Model not blessed');
    expect(result.summary).toMatch(/\| `threshold:accuracy:min` \| 0\.\d+ \| – \| 0\.9990 \| ❌/);
    expect(result.stdout).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('fails with "Invalid data" (exit 2) and annotates the bad row at its file and line', async () => {
    const ws = workspace();
    const file = 'data/penguins/batch-03.csv';
    const lines = readFileSync(`${ws.dir}/${file}`, 'utf8').split('\n');
    lines[6] = 'Gentoo,Biscoe,forty,13.8,212,4750,FEMALE'; // line 7 of the file
    ws.write(file, lines.join('\n'));
    const result = await runAction({
      action: './actions/pipeline',
      workspace: ws.dir,
      node,
      inputs: { 'run-artifact': '' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.annotations[0]).toMatchObject({ level: 'error', title: 'Invalid data' });
    expect(result.annotations[1]).toMatchObject({
      level: 'error',
      file,
      line: 7,
      title: 'Data error: type mismatch (bill_length_mm)',
    });
    expect(result.summary).toContain(`| ❌ error | type_mismatch | \`${file}:7\` |`);
    expect(result.outputs.version).toBe('');
  });

  it('fails with "Invalid input" (exit 2) naming the input, before creating a run', async () => {
    const ws = workspace();
    const result = await runAction({
      action: './actions/pipeline',
      workspace: ws.dir,
      node,
      inputs: { stages: 'export..prepare' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.annotations).toEqual([
      {
        level: 'error',
        title: 'Invalid input',
        message: 'input "stages": "export..prepare" selects no stage (is the range backwards?)',
      },
    ]);
    expect(result.outputs).toEqual({});
  });
}
