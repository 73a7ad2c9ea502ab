/**
 * What an action's `run(deps)` is given (after GitHub's actions/typescript-action): its inputs, the job summary, the
 * artifact client, an Octokit, outputs, annotations and logging. `entry.ts` builds the real ones from the toolkit;
 * a test can hand in its own. Action code reads the environment only through `env`.
 */
import type { ArtifactClient } from '@actions/artifact';
import type { getOctokit } from '@actions/github';

export type Octokit = ReturnType<typeof getOctokit>;

/** Inputs as the runner passes them (INPUT_<NAME>), trimmed; action.yml defaults are already applied. */
export interface ActionInputs {
  /** The input's value, '' when unset. */
  get(name: string): string;
  /** The input's value; InputError naming the input when it is empty. */
  required(name: string): string;
  /** `true` or `false` (YAML 1.2 core schema spellings); InputError for anything else. */
  boolean(name: string): boolean;
}

/** A workflow annotation: shown on the run page, and on the file's line in a pull request when `file` is set. */
export interface Annotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly message: string;
  readonly title?: string;
  /** Path relative to the repository root. */
  readonly file?: string;
  readonly line?: number;
}

export interface ActionDeps {
  readonly inputs: ActionInputs;
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY). */
  readonly summary: (markdown: string) => Promise<void>;
  readonly artifact: ArtifactClient;
  /** Octokit authenticated with the `github-token` input; built on first use. */
  readonly octokit: () => Octokit;
  readonly setOutput: (name: string, value: string | number | boolean) => void;
  readonly annotate: (annotation: Annotation) => void;
  readonly log: (line: string) => void;
  /** Folds the lines logged inside `body` into one collapsible group in the log. */
  readonly group: <T>(title: string, body: () => Promise<T>) => Promise<T>;
  /** The repository checkout (GITHUB_WORKSPACE): config, data and local registry paths are relative to it. */
  readonly workspace: string;
  /** The step's environment (GITHUB_*, RUNNER_*). */
  readonly env: NodeJS.ProcessEnv;
}

/** An action verb: src/actions/<verb>.ts exports `run` of this type. */
export type ActionRun = (deps: ActionDeps) => Promise<void>;
