/** The model registry: createRegistry picks the backend conveyor.yml asks for. */
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { historyActor } from '../lib/actor.ts';
import { GitHubRegistry } from './github.ts';
import { LocalRegistry } from './local.ts';
import type { RetryOptions } from './retry.ts';
import type { ModelRegistry } from './types.ts';

export { aliasAt, aliasStack } from './aliases.ts';
export { digestOf, registryCardSchema } from './card.ts';
export { AliasMovedError, IntegrityError, NotFoundError, RegistryError } from './errors.ts';
export { GitHubRegistry, type GitHubRegistryOptions, registryTag, versionTag } from './github.ts';
export { LocalRegistry, type LocalRegistryOptions } from './local.ts';
export { LATEST, parseRef, versionLabel } from './refs.ts';
export type { RetryOptions } from './retry.ts';
export type * from './types.ts';

export interface RegistryOverrides {
  /** Folder a relative `registry.path` is resolved against. Default: the working directory. */
  readonly cwd?: string;
  /** Receives warnings about skipped versions. Default: process.emitWarning. */
  readonly onWarning?: (message: string) => void;
  /** Clock for history timestamps (and draft ages on GitHub). */
  readonly now?: () => Date;
  /** GitHub backend only: API root (default GITHUB_API_URL, else https://api.github.com) and retry policy. */
  readonly github?: {
    readonly baseUrl?: string;
    readonly retry?: Partial<RetryOptions>;
    readonly staleDraftMs?: number;
  };
}

/**
 * The registry `config` (conveyor.yml `registry:`) describes. GitHub: owner/repo from the config, else
 * GITHUB_REPOSITORY; token from GITHUB_TOKEN; new tags on GITHUB_SHA. Actor for history: see historyActor.
 */
export function createRegistry(
  config: Config['registry'],
  env: NodeJS.ProcessEnv = process.env,
  overrides: RegistryOverrides = {},
): ModelRegistry {
  const onWarning =
    overrides.onWarning ?? ((message: string) => process.emitWarning(message, { code: 'CONVEYOR_REGISTRY' }));
  const actor = historyActor(env, overrides.cwd ?? process.cwd());
  if (config.backend === 'local') {
    return new LocalRegistry({
      root: resolve(overrides.cwd ?? process.cwd(), config.path),
      onWarning,
      actor,
      ...(overrides.now ? { now: overrides.now } : {}),
    });
  }
  const token = env.GITHUB_TOKEN;
  if (!token) {
    throw new ConfigError(
      'environment',
      'GITHUB_TOKEN',
      'not set; the github registry needs a token with contents: write (in a workflow, pass ' +
        'secrets.GITHUB_TOKEN as env GITHUB_TOKEN and grant permissions: contents: write)',
    );
  }
  const [envOwner, envRepo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const owner = config.github.owner ?? envOwner;
  const repo = config.github.repo ?? envRepo;
  if (!owner || !repo) {
    throw new ConfigError(
      'conveyor.yml',
      'registry.github',
      'owner and repo are not set and GITHUB_REPOSITORY (owner/repo) is not set either',
    );
  }
  return new GitHubRegistry({
    owner,
    repo,
    token,
    actor,
    onWarning,
    ...(overrides.github?.baseUrl || env.GITHUB_API_URL
      ? { baseUrl: overrides.github?.baseUrl ?? env.GITHUB_API_URL }
      : {}),
    ...(env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {}),
    ...(overrides.github?.retry ? { retry: overrides.github.retry } : {}),
    ...(overrides.github?.staleDraftMs !== undefined ? { staleDraftMs: overrides.github.staleDraftMs } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
}
