/**
 * Runs a workflow file the way GitHub would, as far as this repository's own code goes: jobs in `needs` order with
 * their `if:` conditions, each job in a fresh checkout (test/helpers/workspace.ts), its local-action steps through
 * the runner harness (test/helpers/actions-runner.ts) with `with:`/`env:` evaluated by GitHub's expression engine,
 * step and job outputs wired through the `steps` and `needs` contexts, and the artifact service's runtime token per
 * job. Steps the simulation stands in for are skipped by name only (checkout: the fresh copy; setup-node: the tests'
 * Node; `npm ci`: node_modules linked into the checkout); any other step makes it throw rather than pretend.
 * A job `container:` is evaluated and recorded (the image an empty expression leaves out, as the runner does), and its
 * `env` reaches the job's steps as it would inside the container; the steps themselves still run on this machine
 * (running an action inside the pipeline image is test/docker/images.test.ts's part).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPOSITORY_ROOT, type RunActionResult, runAction } from './actions-runner.ts';
import { type Contexts, evaluateCondition, evaluateTemplate } from './expressions.ts';
import type { FakeArtifactService } from './fake-artifact-service.ts';
import { type Job, needsOf, type Step, type Workflow } from './workflow-files.ts';
import { makeWorkspace } from './workspace.ts';

/** Third-party actions the simulation replaces, and with what. */
export const SKIPPED_ACTIONS: Readonly<Record<string, string>> = {
  'actions/checkout': 'each job gets a fresh copy of the repository',
  'actions/setup-node': 'the action runs on the Node the test chose',
  'actions/cache': 'node_modules is linked into the checkout',
};
/** Scripts the simulation replaces. */
export const SKIPPED_SCRIPTS: readonly { readonly match: RegExp; readonly why: string }[] = [
  { match: /^npm ci\b/, why: 'node_modules is linked into the checkout' },
];

export interface SimulateOptions {
  /** Workflow file, relative to the repository root. */
  readonly workflow: string;
  readonly event: { readonly name: string; readonly payload?: Record<string, unknown> };
  /** workflow_dispatch inputs given; the rest take the workflow's defaults. */
  readonly inputs?: Record<string, string | number | boolean>;
  readonly vars?: Record<string, string>;
  /** Folder with the files the commit holds (config, data): what checkout gives each job. */
  readonly repository: string;
  readonly github: {
    readonly repository: string;
    readonly apiUrl: string;
    readonly token: string;
    readonly sha?: string;
  };
  readonly artifacts: FakeArtifactService;
  readonly runId: string;
  readonly node?: string;
  /**
   * Third-party steps the test stands in for with its own code, by action name (e.g. docker/build-push-action,
   * where Buildx or GitHub's cache are not here): given the step's evaluated `with:` and the job's checkout, it
   * returns the step's outputs or throws (a failed step). Anything else third-party still makes the run throw.
   */
  readonly standIns?: Readonly<Record<string, StandIn>>;
}

export type StandIn = (inputs: Record<string, string>, workspace: string) => Promise<Record<string, string>>;

export interface StepResult {
  readonly name: string;
  readonly result: 'success' | 'failure' | 'skipped';
  /** Why a step was skipped. */
  readonly why?: string;
  readonly action?: RunActionResult;
}

export interface JobResult {
  readonly result: 'success' | 'failure' | 'skipped';
  /** Why a job was skipped when its condition held (a call of a reusable workflow, which is simulated on its own). */
  readonly why?: string;
  /** A job that calls a reusable workflow: the workflow and its evaluated `with:`. */
  readonly call?: { readonly workflow: string; readonly inputs: Record<string, string> };
  readonly runsOn: string;
  /** The job container's image, when the job's `container:` named one. */
  readonly container?: string;
  readonly outputs: Record<string, string>;
  readonly steps: StepResult[];
  /** Wall time of the job's steps that ran. */
  readonly seconds: number;
}

export interface SimulatedRun {
  readonly conclusion: 'success' | 'failure';
  readonly jobs: Record<string, JobResult>;
  /** Job ids in the order they ran. */
  readonly order: string[];
}

export async function simulateWorkflow(options: SimulateOptions): Promise<SimulatedRun> {
  const spec = parse(readFileSync(join(REPOSITORY_ROOT, options.workflow), 'utf8')) as Workflow;
  const sha = options.github.sha ?? 'b'.repeat(40);
  const github = {
    event_name: options.event.name,
    event: options.event.payload ?? {},
    repository: options.github.repository,
    repository_owner: options.github.repository.split('/')[0],
    run_id: options.runId,
    sha,
    ref: 'refs/heads/main',
    actor: 'octocat',
    token: options.github.token,
    server_url: 'https://github.com',
    api_url: options.github.apiUrl,
  };
  const base: Contexts = {
    github,
    inputs: dispatchInputs(spec, options),
    vars: options.vars ?? {},
    secrets: { GITHUB_TOKEN: options.github.token },
  };
  const workflowEnv = evaluateMap(spec.env, base);
  const jobs: Record<string, JobResult> = {};
  const order = needsOrder(spec.jobs);
  for (const id of order) {
    const job = spec.jobs[id]!;
    const needs = needsOf(job);
    const needsContext = Object.fromEntries(
      needs.map((n) => [n, { result: jobs[n]!.result, outputs: jobs[n]!.outputs }]),
    );
    const contexts: Contexts = { ...base, env: workflowEnv, needs: needsContext };
    const needsOk = needs.every((n) => jobs[n]!.result === 'success');
    // failure() holds when any ancestor failed, not only a direct need (GitHub's rule for chains of jobs).
    const status = needsOk
      ? 'success'
      : ancestorsOf(id, spec.jobs).some((n) => jobs[n]!.result === 'failure')
        ? 'failure'
        : 'skipped';
    const statusAware = job.if !== undefined && /\b(always|failure|cancelled)\(\)/.test(job.if);
    const runsOn = job.uses ? '' : evaluateTemplate(String(job['runs-on']), contexts);
    if ((!needsOk && !statusAware) || !evaluateCondition(job.if, contexts, status)) {
      jobs[id] = { result: 'skipped', runsOn, outputs: {}, steps: [], seconds: 0 };
      continue;
    }
    if (job.uses) {
      // A local reusable workflow (e.g. CT calling cd.yml) is a workflow of its own, simulated by its own tests with
      // what it needs (Docker, a registry); here the call and its inputs are recorded, and it stands skipped by name.
      if (!job.uses.startsWith('./.github/workflows/')) {
        throw new Error(`${options.workflow} job ${id}: the simulation cannot call "${job.uses}"`);
      }
      jobs[id] = {
        result: 'skipped',
        why: 'reusable workflow call, recorded and simulated by its own tests',
        call: { workflow: job.uses.slice(2), inputs: evaluateMap(job.with, contexts) },
        runsOn,
        outputs: {},
        steps: [],
        seconds: 0,
      };
      continue;
    }
    const container = jobContainer(job, contexts);
    const jobEnv = { ...workflowEnv, ...evaluateMap(job.env, contexts) };
    jobs[id] = await runJob(id, job, { ...contexts, env: jobEnv }, runsOn, options, container);
  }
  const failed = Object.values(jobs).some((j) => j.result === 'failure');
  return { conclusion: failed ? 'failure' : 'success', jobs, order };
}

async function runJob(
  id: string,
  job: Job,
  contexts: Contexts,
  runsOn: string,
  options: SimulateOptions,
  container: { readonly image: string; readonly env: Record<string, string> } | undefined,
): Promise<JobResult> {
  const workspace = makeWorkspace(options.repository);
  const steps: StepResult[] = [];
  const stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  let status: 'success' | 'failure' = 'success';
  let seconds = 0;
  // RUNNER_TEMP, shared by the job's steps; inside the checkout here only so that it goes when the job ends.
  const runnerTemp = join(workspace.dir, '.runner-temp');
  try {
    for (const [index, step] of (job.steps ?? []).entries()) {
      const name = step.name ?? step.uses ?? step.run ?? `step ${index + 1}`;
      const ctx: Contexts = { ...contexts, steps: stepsContext };
      if (!evaluateCondition(step.if, ctx, status)) {
        steps.push({ name, result: 'skipped', why: 'if: condition is false' });
        continue;
      }
      const skipped = skipReason(step);
      if (skipped) {
        steps.push({ name, result: 'skipped', why: skipped });
        continue;
      }
      const standIn = step.uses ? options.standIns?.[step.uses.split('@')[0]!] : undefined;
      if (standIn) {
        let outcome: 'success' | 'failure' = 'success';
        let outputs: Record<string, string> = {};
        try {
          outputs = await standIn(evaluateMap(step.with, ctx), workspace.dir);
        } catch (error) {
          outcome = 'failure';
          status = 'failure';
          steps.push({ name, result: outcome, why: `stand-in failed: ${(error as Error).message}` });
        }
        if (step.id) stepsContext[step.id] = { outputs, outcome, conclusion: outcome };
        if (outcome === 'success') steps.push({ name, result: outcome, why: 'stand-in' });
        continue;
      }
      if (!step.uses?.startsWith('./')) {
        throw new Error(`${options.workflow} job ${id}: the simulation cannot run step "${name}"`);
      }
      const env = {
        ...(container?.env ?? {}),
        ...(ctx.env as Record<string, string>),
        ...evaluateMap(step.env, ctx),
        ...options.artifacts.envFor(options.runId, id),
      };
      const result = await runAction({
        action: step.uses,
        workspace: workspace.dir,
        inputs: evaluateMap(step.with, ctx),
        event: { name: options.event.name, payload: options.event.payload ?? {} },
        github: {
          repository: options.github.repository,
          runId: options.runId,
          sha: (contexts.github as { sha: string }).sha,
          token: options.github.token,
          apiUrl: options.github.apiUrl,
          job: id,
          workflow: options.workflow,
        },
        env,
        runnerTemp,
        ...(options.node ? { node: options.node } : {}),
      });
      seconds += result.seconds;
      const outcome = result.exitCode === 0 ? 'success' : 'failure';
      if (step.id) stepsContext[step.id] = { outputs: result.outputs, outcome, conclusion: outcome };
      steps.push({ name, result: outcome, action: result });
      if (outcome === 'failure') status = 'failure';
    }
    const outputs = evaluateMap(job.outputs, { ...contexts, steps: stepsContext });
    return { result: status, runsOn, ...(container ? { container: container.image } : {}), outputs, steps, seconds };
  } finally {
    workspace.remove();
  }
}

/**
 * The job's container as the runner starts it: the evaluated image, or none when the image evaluates to '' (the job
 * then runs on the runner); its `env` with empty values left out, as the runner leaves them out.
 */
function jobContainer(job: Job, contexts: Contexts): { image: string; env: Record<string, string> } | undefined {
  if (job.container === undefined) return undefined;
  const spec = typeof job.container === 'string' ? { image: job.container } : job.container;
  const image = evaluateTemplate(String(spec.image ?? ''), contexts);
  if (image === '') return undefined;
  const env = Object.fromEntries(Object.entries(evaluateMap(spec.env, contexts)).filter(([, v]) => v !== ''));
  return { image, env };
}

function skipReason(step: Step): string | undefined {
  if (step.uses && !step.uses.startsWith('./')) {
    const name = step.uses.split('@')[0]!;
    return SKIPPED_ACTIONS[name] ? `${name}: ${SKIPPED_ACTIONS[name]}` : undefined;
  }
  if (step.run) return SKIPPED_SCRIPTS.find((s) => s.match.test(step.run!.trim()))?.why;
  return undefined;
}

/** workflow_dispatch inputs typed as GitHub types them (boolean, number), defaults filled; {} for other events. */
function dispatchInputs(spec: Workflow, options: SimulateOptions): Record<string, unknown> {
  if (options.event.name !== 'workflow_dispatch') return {};
  const dispatch = spec.on.workflow_dispatch as {
    inputs?: Record<string, { type?: string; default?: unknown }>;
  } | null;
  const declared = dispatch?.inputs ?? {};
  const values: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(declared)) {
    const given = options.inputs?.[name] ?? input.default;
    if (given === undefined) continue;
    values[name] =
      input.type === 'boolean'
        ? given === true || given === 'true'
        : input.type === 'number'
          ? Number(given)
          : String(given);
  }
  for (const name of Object.keys(options.inputs ?? {})) {
    if (!(name in declared)) throw new Error(`${options.workflow}: workflow_dispatch declares no input "${name}"`);
  }
  return values;
}

function evaluateMap(map: Record<string, unknown> | undefined, contexts: Contexts): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, evaluateTemplate(String(v), contexts)]));
}

/** The jobs `id` needs, directly or through other jobs. */
function ancestorsOf(id: string, jobs: Record<string, Job>): string[] {
  const found = new Set<string>();
  const pending = [...needsOf(jobs[id]!)];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...needsOf(jobs[next]!));
  }
  return [...found];
}

/** Jobs in an order where every job comes after the jobs it needs (file order among the ready ones). */
function needsOrder(jobs: Record<string, Job>): string[] {
  const order: string[] = [];
  const pending = Object.keys(jobs);
  while (pending.length > 0) {
    const next = pending.find((id) => needsOf(jobs[id]!).every((n) => order.includes(n)));
    if (!next) throw new Error(`jobs ${pending.join(', ')} need each other or an unknown job`);
    order.push(next);
    pending.splice(pending.indexOf(next), 1);
  }
  return order;
}
