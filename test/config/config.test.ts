import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

const minimal = `
model:
  name: penguins
data:
  path: data/penguins/*.csv
  target: species
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'conveyor.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills every default from three required keys', () => {
    const config = parseConfig(minimal);
    expect(config.split).toEqual({ holdout: 0.2, seed: 42 });
    expect(config.trainer.algorithm).toBe('gbdt');
    expect(config.trainer.params).toMatchObject({ n_trees: 200, learning_rate: 0.1 });
    expect(config.registry.backend).toBe('local');
    expect(config.data.features).toEqual({});
    expect(config.validation.model.parity_tolerance).toBe(1e-5);
  });

  it('applies linear defaults when the algorithm is linear', () => {
    const config = parseConfig(`${minimal}trainer:\n  algorithm: linear\n`);
    expect(config.trainer).toMatchObject({ algorithm: 'linear', params: { l2: 1e-4 } });
  });

  it('names a missing required key', () => {
    const error = errorOf('model:\n  name: penguins\ndata:\n  path: x.csv\n');
    expect(error.key).toBe('data.target');
    expect(error.message).toBe('conveyor.yml: data.target: required key is missing; expected string');
    expect(error.exitCode).toBe(2);
  });

  it('names the key, the value and what was expected for a bad value', () => {
    const error = errorOf(`${minimal}split:\n  holdout: 1.5\n`);
    expect(error.key).toBe('split.holdout');
    expect(error.message).toMatch(/^conveyor\.yml: split\.holdout: 1\.5 is not accepted \(line 8\): .*<1/);
  });

  it('names an unknown (misspelt) key with its line', () => {
    const error = errorOf(`${minimal}trainer:\n  algorithm: gbdt\n  params:\n    n_tres: 10\n`);
    expect(error.key).toBe('trainer.params.n_tres');
    expect(error.message).toContain('unknown key (line 10)');
  });

  it('rejects an unknown algorithm and a bad enum value', () => {
    expect(errorOf(`${minimal}trainer:\n  algorithm: forest\n`).key).toBe('trainer.algorithm');
    expect(errorOf(`${minimal}registry:\n  backend: s3\n`).message).toMatch(/registry\.backend: "s3" is not accepted/);
  });

  it('reports YAML syntax errors with a line', () => {
    const error = errorOf('model:\n  name: [penguins\n');
    expect(error.message).toMatch(/^conveyor\.yml: line \d+: not valid YAML/);
  });

  it('reports a missing file as a config error', () => {
    expect(() => loadConfig('/nonexistent/conveyor.yml')).toThrow(/conveyor\.yml: \(file\): file not found/);
  });

  it('the repository conveyor.yml is valid', () => {
    expect(loadConfig('conveyor.yml').model.name).toBe('penguins');
  });

  it('conveyor.schema.json is generated from the zod schema (run npm run schema:config)', () => {
    expect(readFileSync('conveyor.schema.json', 'utf8')).toBe(configJsonSchema());
  });
});
