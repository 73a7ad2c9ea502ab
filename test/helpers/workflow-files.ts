/** The workflow and action files of the repository, read once for the workflow checks. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPOSITORY_ROOT } from './actions-runner.ts';

export const WORKFLOW_DIR = '.github/workflows';

export interface WorkflowFile {
  readonly path: string;
  readonly text: string;
  readonly doc: Workflow;
}

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  'runs-on'?: unknown;
  permissions?: unknown;
  outputs?: Record<string, string>;
  steps?: Step[];
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  /** A job container: an image, or a mapping with image, credentials, env, options. */
  container?: string | { image?: string; env?: Record<string, unknown>; options?: string; credentials?: unknown };
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export function workflowFiles(): WorkflowFile[] {
  const dir = join(REPOSITORY_ROOT, WORKFLOW_DIR);
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return { path: `${WORKFLOW_DIR}/${f}`, text, doc: parse(text) as Workflow };
    });
}

export function actionDirs(): string[] {
  const dir = join(REPOSITORY_ROOT, 'actions');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'action.yml')))
    .map((e) => `actions/${e.name}`)
    .sort();
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every string inside a value (recursively), for scanning expressions. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
