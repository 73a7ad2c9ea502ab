import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import { createRegistry, GitHubRegistry, LocalRegistry } from '../../src/registry/index.ts';

function registryConfig(registry: Record<string, unknown> = {}) {
  return configSchema.parse({ model: { name: 'penguins' }, data: { path: 'x.csv', target: 'y' }, registry }).registry;
}

describe('createRegistry', () => {
  it('defaults to the local folder models/ under the working directory', () => {
    const registry = createRegistry(registryConfig(), {}, { cwd: '/repo' });
    expect(registry).toBeInstanceOf(LocalRegistry);
    expect((registry as LocalRegistry).root).toBe(join('/repo', 'models'));
  });

  it('builds the GitHub backend from GITHUB_TOKEN and GITHUB_REPOSITORY', () => {
    const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/ml' };
    expect(createRegistry(registryConfig({ backend: 'github' }), env)).toBeInstanceOf(GitHubRegistry);
    const explicit = registryConfig({ backend: 'github', github: { owner: 'o', repo: 'r' } });
    expect(createRegistry(explicit, { GITHUB_TOKEN: 't' }).backend).toBe('github');
  });

  it('explains a missing token or repository', () => {
    const github = registryConfig({ backend: 'github' });
    expect(() => createRegistry(github, { GITHUB_REPOSITORY: 'acme/ml' })).toThrow(ConfigError);
    expect(() => createRegistry(github, { GITHUB_REPOSITORY: 'acme/ml' })).toThrow(/GITHUB_TOKEN: not set/);
    expect(() => createRegistry(github, { GITHUB_TOKEN: 't' })).toThrow(/registry.github: owner and repo are not set/);
  });
});
