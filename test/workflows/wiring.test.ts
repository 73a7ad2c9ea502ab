/**
 * How the workflows are wired, for every file in .github/workflows (CT, CI and those other issues add): local
 * actions exist and get only inputs they declare, every output read is declared, third-party actions are pinned by
 * commit SHA, scripts never expand untrusted `${{ }}` text, permissions are least privilege, `runs-on` comes from a
 * repository variable, and CT's triggers and concurrency are the ones the README promises.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPOSITORY_ROOT, readActionMetadata } from '../helpers/actions-runner.ts';
import { type Job, needsOf, stringsIn, type Workflow, workflowFiles } from '../helpers/workflow-files.ts';

const workflows = workflowFiles();

/** Inputs and outputs a job-level or step-level `uses:` of this repository declares. */
interface Interface {
  readonly inputs: Set<string>;
  readonly required: Set<string>;
  readonly outputs: Set<string>;
}

function localActionInterface(uses: string): Interface | string {
  const dir = join(REPOSITORY_ROOT, uses);
  if (!existsSync(join(dir, 'action.yml'))) return `${uses}: no action.yml there`;
  const meta = readActionMetadata(dir);
  return {
    inputs: new Set(Object.keys(meta.inputs)),
    required: new Set(
      Object.entries(meta.inputs)
        .filter(([, spec]) => spec.required === true && spec.default === undefined)
        .map(([name]) => name),
    ),
    outputs: new Set(Object.keys(meta.outputs)),
  };
}

function reusableWorkflowInterface(uses: string): Interface | string {
  const path = join(REPOSITORY_ROOT, uses.split('@')[0]!);
  if (!existsSync(path)) return `${uses}: no such workflow`;
  const doc = parse(readFileSync(path, 'utf8')) as Workflow;
  const call = (
    doc.on as Record<
      string,
      { inputs?: Record<string, { required?: boolean; default?: unknown }>; outputs?: Record<string, unknown> }
    >
  )?.workflow_call;
  if (!call) return `${uses}: has no on.workflow_call`;
  const inputs = call.inputs ?? {};
  return {
    inputs: new Set(Object.keys(inputs)),
    required: new Set(
      Object.entries(inputs)
        .filter(([, s]) => s.required && s.default === undefined)
        .map(([n]) => n),
    ),
    outputs: new Set(Object.keys(call.outputs ?? {})),
  };
}

/** `steps.<id>.outputs.<name>` and `needs.<job>.outputs.<name>` inside `${{ }}`. */
function outputReads(text: string, kind: 'steps' | 'needs'): { from: string; output: string }[] {
  const reads: { from: string; output: string }[] = [];
  for (const expression of text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    for (const m of expression[1]!.matchAll(new RegExp(`\\b${kind}\\.([\\w-]+)\\.outputs\\.([\\w-]+)`, 'g'))) {
      reads.push({ from: m[1]!, output: m[2]! });
    }
  }
  return reads;
}

/** Everything wrong with one workflow's wiring, as readable lines. */
function wiringProblems(path: string, doc: Workflow): string[] {
  const problems: string[] = [];
  const jobs = doc.jobs ?? {};
  const jobOutputs = new Map<string, Set<string>>();
  for (const [id, job] of Object.entries(jobs)) {
    const declared = new Set(Object.keys(job.outputs ?? {}));
    if (job.uses?.startsWith('./')) {
      const callee = reusableWorkflowInterface(job.uses);
      if (typeof callee !== 'string') for (const o of callee.outputs) declared.add(o);
    }
    jobOutputs.set(id, declared);
  }
  for (const [id, job] of Object.entries(jobs)) {
    const where = `${path} job ${id}`;
    for (const need of needsOf(job)) if (!jobs[need]) problems.push(`${where}: needs unknown job "${need}"`);
    for (const read of outputReads(stringsIn(job).join('\n'), 'needs')) {
      if (!needsOf(job).includes(read.from)) problems.push(`${where}: reads needs.${read.from} without needing it`);
      else if (!jobOutputs.get(read.from)?.has(read.output)) {
        problems.push(
          `${where}: reads needs.${read.from}.outputs.${read.output}, which job ${read.from} does not declare`,
        );
      }
    }
    if (job.uses) problems.push(...usesProblems(where, job.uses, job.with, 'workflow'));
    const stepInterfaces = new Map<string, Interface | null>();
    for (const [index, step] of (job.steps ?? []).entries()) {
      const at = `${where} step ${step.id ?? step.name ?? index + 1}`;
      // Outputs read by this step must come from an earlier step.
      for (const read of outputReads(stringsIn(step).join('\n'), 'steps')) {
        if (!stepInterfaces.has(read.from)) problems.push(`${at}: reads steps.${read.from}, not an earlier step's id`);
        else {
          const callee = stepInterfaces.get(read.from);
          if (callee && !callee.outputs.has(read.output)) {
            problems.push(`${at}: reads steps.${read.from}.outputs.${read.output}, which the action does not declare`);
          }
        }
      }
      if (step.uses) problems.push(...usesProblems(at, step.uses, step.with, 'action'));
      if (step.run) problems.push(...scriptProblems(at, step.run));
      if (step.id) {
        const callee = step.uses?.startsWith('./') ? localActionInterface(step.uses) : null;
        stepInterfaces.set(step.id, typeof callee === 'string' ? null : callee);
      }
    }
    for (const read of outputReads(stringsIn(job.outputs ?? {}).join('\n'), 'steps')) {
      const callee = stepInterfaces.get(read.from);
      if (!stepInterfaces.has(read.from)) problems.push(`${where}: output reads steps.${read.from}, no such step id`);
      else if (callee && !callee.outputs.has(read.output)) {
        problems.push(
          `${where}: output reads steps.${read.from}.outputs.${read.output}, which the action does not declare`,
        );
      }
    }
    const runsOn = JSON.stringify(job['runs-on'] ?? '');
    if (!job.uses && !/vars\.CONVEYOR_RUNNER/.test(runsOn)) {
      problems.push(`${where}: runs-on ${runsOn} does not come from the repository variable CONVEYOR_RUNNER`);
    }
  }
  return problems;
}

function usesProblems(
  at: string,
  uses: string,
  given: Record<string, unknown> | undefined,
  kind: 'action' | 'workflow',
): string[] {
  if (uses.startsWith('./')) {
    const callee = kind === 'action' ? localActionInterface(uses) : reusableWorkflowInterface(uses);
    if (typeof callee === 'string') return [`${at}: ${callee}`];
    const problems: string[] = [];
    for (const name of Object.keys(given ?? {})) {
      if (!callee.inputs.has(name)) problems.push(`${at}: passes input "${name}", which ${uses} does not declare`);
    }
    for (const name of callee.required) {
      if (!(name in (given ?? {}))) problems.push(`${at}: does not pass required input "${name}" of ${uses}`);
    }
    return problems;
  }
  if (uses.startsWith('docker://')) {
    return /@sha256:[0-9a-f]{64}$/.test(uses) ? [] : [`${at}: ${uses} is not pinned by digest`];
  }
  return /@[0-9a-f]{40}$/.test(uses) ? [] : [`${at}: ${uses} is not pinned by a full commit SHA`];
}

/** Text an attacker can choose (titles, branch names, dispatch inputs) must reach scripts through env:, never `${{ }}`. */
function scriptProblems(at: string, script: string): string[] {
  const problems: string[] = [];
  for (const expression of script.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    const inner = expression[1]!.trim();
    if (/\b(github\.event\b|inputs\.|github\.head_ref)/.test(inner)) {
      problems.push(`${at}: run: expands \${{ ${inner} }}; pass it through env: instead`);
    }
  }
  return problems;
}

/** `write` scopes of a permissions block. */
function writes(permissions: unknown): string[] {
  if (permissions === 'write-all') return ['write-all'];
  if (!permissions || typeof permissions !== 'object') return [];
  return Object.entries(permissions as Record<string, string>)
    .filter(([, level]) => level === 'write')
    .map(([scope]) => scope);
}

describe('workflow wiring', () => {
  it('finds the workflows', () => {
    expect(workflows.map((w) => w.path)).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/ct.yml']),
    );
  });

  for (const { path, doc } of workflows) {
    describe(path, () => {
      it('uses local actions and reusable workflows as they declare, reads only declared outputs, pins third-party actions, keeps untrusted text out of scripts', () => {
        expect(wiringProblems(path, doc)).toEqual([]);
      });

      it('has a permissions block with no write scope at the top (writes are granted per job)', () => {
        expect(doc.permissions, `${path} must declare permissions`).toBeDefined();
        expect(writes(doc.permissions)).toEqual([]);
      });

      it('has no pull_request_target trigger', () => {
        expect(Object.keys(doc.on ?? {})).not.toContain('pull_request_target');
      });
    });
  }

  it('catches the mistakes it is for (the checker is live)', () => {
    const bad = parse(`
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./actions/pipeline
        id: p
        with: { stage: train }
      - run: echo "\${{ github.event.head_commit.message }}"
      - run: echo "\${{ steps.p.outputs.nope }}"
  b:
    needs: a
    runs-on: \${{ vars.CONVEYOR_RUNNER || 'ubuntu-latest' }}
    steps:
      - run: echo "\${{ needs.a.outputs.missing }}"
      - uses: ./actions/missing
`) as Workflow;
    const problems = wiringProblems('bad.yml', bad).join('\n');
    expect(problems).toContain('actions/checkout@v4 is not pinned by a full commit SHA');
    expect(problems).toContain('passes input "stage", which ./actions/pipeline does not declare');
    expect(problems).toContain(`expands \${{ github.event.head_commit.message }}`);
    expect(problems).toContain('reads steps.p.outputs.nope, which the action does not declare');
    expect(problems).toContain('reads needs.a.outputs.missing, which job a does not declare');
    expect(problems).toContain('./actions/missing: no action.yml there');
    expect(problems).toContain('job a: runs-on "ubuntu-latest" does not come from the repository variable');
  });
});

describe('ct.yml', () => {
  const ct = workflows.find((w) => w.path.endsWith('/ct.yml'))!.doc;
  const on = ct.on as Record<string, Record<string, unknown>>;

  it('runs on a data batch or config push to main, a schedule off the hour, the button and a retrain dispatch', () => {
    expect(on.push).toEqual({ branches: ['main'], paths: ['data/**', 'conveyor.yml'] });
    const cron = (on.schedule as unknown as { cron: string }[])[0]!.cron;
    expect(cron.split(' ')[0]).not.toBe('0');
    expect(on.repository_dispatch).toEqual({ types: ['retrain'] });
    const inputs = on.workflow_dispatch!.inputs as Record<string, { type: string }>;
    expect(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.type]))).toEqual({
      reason: 'string',
      config: 'string',
      'dry-run': 'boolean',
      trees: 'number',
      overrides: 'string',
    });
  });

  it('queues runs instead of cancelling them', () => {
    expect(ct.concurrency).toMatchObject({ 'cancel-in-progress': false, queue: 'max' });
  });

  it('grants contents: write to the register and report jobs, and packages: write to the call of cd only', () => {
    const granted = Object.fromEntries(
      Object.entries(ct.jobs).map(([id, job]: [string, Job]) => [id, writes(job.permissions)]),
    );
    expect(granted).toEqual({
      'pipeline-image': [],
      validate: [],
      train: [],
      'validate-model': [],
      register: ['contents'],
      report: ['contents'],
      deliver: ['contents', 'packages'],
    });
  });

  it('delivers each new version by calling cd.yml (a release made with GITHUB_TOKEN starts no workflow)', () => {
    expect(ct.jobs.deliver).toMatchObject({
      needs: 'register',
      uses: './.github/workflows/cd.yml',
      with: {
        version: ['$', '{{ needs.register.outputs.version }}'].join(''),
        alias: ['$', "{{ vars.CONVEYOR_CT_ALIAS || 'production' }}"].join(''),
      },
    });
    expect(ct.jobs.deliver.if).toContain("needs.register.outputs.unchanged != 'true'");
  });

  it('runs validate → train → validate-model → register, handing the run folder over by artifact', () => {
    const stages = Object.fromEntries(
      Object.entries(ct.jobs).map(([id, job]: [string, Job]) => [
        id,
        { needs: needsOf(job), stages: job.steps?.find((s) => s.uses === './actions/pipeline')?.with?.stages },
      ]),
    );
    expect(stages).toEqual({
      'pipeline-image': { needs: [], stages: undefined },
      validate: { needs: ['pipeline-image'], stages: 'validate-data' },
      train: { needs: ['pipeline-image', 'validate'], stages: 'prepare..export' },
      'validate-model': { needs: ['pipeline-image', 'train'], stages: 'validate-model' },
      register: { needs: ['pipeline-image', 'validate-model'], stages: 'register' },
      report: { needs: ['pipeline-image', 'train', 'validate-model', 'register'], stages: undefined },
      deliver: { needs: ['register'], stages: undefined },
    });
  });

  it('runs every pipeline job in the pipeline image pinned by pipeline-image (on the runner when unset)', () => {
    const reference = ['$', '{{ needs.pipeline-image.outputs.reference }}'].join('');
    for (const id of ['validate', 'train', 'validate-model', 'register', 'report']) {
      const job = ct.jobs[id] as Job & { container?: Record<string, unknown> };
      expect(job.container, id).toMatchObject({
        image: reference,
        env: { CONVEYOR_PIPELINE_IMAGE: reference },
        options: '--user root',
      });
      expect((job.permissions as Record<string, string>).packages, id).toBe('read');
      // In the image nothing is set up or installed.
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/setup-node') || step.uses?.startsWith('actions/cache') || step.run) {
          expect(step.if, `${id}: ${step.uses ?? step.run}`).toContain('!needs.pipeline-image.outputs.reference');
        }
      }
    }
    const register = ct.jobs.register!.steps!.find((s) => s.uses === './actions/pipeline')!;
    expect(register.with?.promote).toBe('none');
  });
});

describe('ci.yml', () => {
  const ci = workflows.find((w) => w.path.endsWith('/ci.yml'))!.doc;

  it('tests on the oldest Node that package.json engines allows and on Node 24', () => {
    const engines = (
      JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const oldest = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(engines)?.[1];
    expect(oldest, `engines.node "${engines}" is not of the form >=X.Y`).toBeDefined();
    const matrix = (ci.jobs.test as Job & { strategy: { matrix: { node: string[] } } }).strategy.matrix.node.map(
      String,
    );
    expect(matrix).toContain('24');
    const padded = (v: string) => [...v.split('.'), '0', '0'].slice(0, 3).join('.');
    expect(matrix.map(padded)).toContain(padded(oldest!));
  });

  it('does not run for a data-only push', () => {
    const push = (ci.on as Record<string, { 'paths-ignore'?: string[] }>).push!;
    expect(push['paths-ignore']).toContain('data/**');
  });
});
