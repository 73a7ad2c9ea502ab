/**
 * The registry and model name the delivery actions work on: the config's registry (the `registry` input may switch
 * the backend) with the `github-token` input as GITHUB_TOKEN, as the CLI would use them.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { createRegistry, type ModelRegistry } from '../registry/index.ts';
import type { ActionDeps } from './deps.ts';
import { oneOf } from './inputs.ts';

export interface DeliveryRegistry {
  readonly registry: ModelRegistry;
  /** model.name of the config. */
  readonly name: string;
  /** Who moves aliases and pushes images (GITHUB_ACTOR). */
  readonly actor: string;
}

export function deliveryRegistry(deps: ActionDeps): DeliveryRegistry {
  const { inputs } = deps;
  const config = loadConfig(resolve(deps.workspace, inputs.required('config')));
  const backend = oneOf(inputs, 'registry', ['local', 'github'] as const);
  const token = inputs.get('github-token');
  const env: NodeJS.ProcessEnv = { ...deps.env, ...(token ? { GITHUB_TOKEN: token } : {}) };
  const registry = createRegistry(backend ? { ...config.registry, backend } : config.registry, env, {
    cwd: deps.workspace,
    onWarning: (message) => deps.log(`warning: ${message}`),
  });
  return { registry, name: config.model.name, actor: deps.env.GITHUB_ACTOR || 'unknown' };
}

/** `v3` or `3` → 3; InputError naming the input otherwise. */
export function versionInput(deps: ActionDeps, input: string): number {
  const text = deps.inputs.required(input);
  const match = /^v?([1-9][0-9]*)$/.exec(text);
  if (!match) throw new InputError(`input "${input}" must be a version number like 3 or v3, got "${text}"`);
  return Number(match[1]);
}
