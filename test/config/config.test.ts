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

  it('defaults the algorithm to gbdt when trainer gives only params', () => {
    const withParams = parseConfig(`${minimal}trainer:\n  params:\n    n_trees: 10\n`);
    expect(withParams.trainer).toMatchObject({ algorithm: 'gbdt', params: { n_trees: 10, learning_rate: 0.1 } });
    expect(parseConfig(`${minimal}trainer:\n  params: {}\n`).trainer).toMatchObject({
      algorithm: 'gbdt',
      params: { n_trees: 200 },
    });
  });

  it('names a misspelt parameter with the closest one and every valid parameter of the algorithm', () => {
    const gbdt = errorOf(`${minimal}trainer:\n  params:\n    n_tress: 10\n`);
    expect(gbdt.key).toBe('trainer.params.n_tress');
    expect(gbdt.detail).toContain('(did you mean "n_trees"?)');
    expect(gbdt.detail).toMatch(/valid parameters of gbdt: n_trees, learning_rate, .*threads$/);
    expect(gbdt.message).not.toMatch(/discriminator/i);
    const linear = errorOf(`${minimal}trainer:\n  algorithm: linear\n  params:\n    n_trees: 10\n`);
    expect(linear.detail).toBe('unknown key (line 10); valid parameters of linear: l2, max_iter, tolerance');
    const algorithm = errorOf(`${minimal}trainer:\n  algorithm: forest\n`);
    expect(algorithm.detail).toBe('"forest" is not accepted (line 8): expected one of gbdt, linear');
  });

  it('reports every problem at once, in file order', () => {
    const error = errorOf(`${minimal}split:\n  holdout: 2\n  sed: 3\nregistry:\n  backend: s3\n`);
    expect(error.problems.map((p) => p.key)).toEqual(['split.holdout', 'split.sed', 'registry.backend']);
    expect(error.message.split('\n')).toEqual([
      'conveyor.yml: 3 problems:',
      expect.stringMatching(/^ {2}split\.holdout: 2 is not accepted \(line 8\)/),
      '  split.sed: unknown key (line 9) (did you mean "seed"?); valid keys here: holdout, time_column, seed',
      expect.stringMatching(/^ {2}registry\.backend: "s3" is not accepted \(line 11\)/),
    ]);
  });

  it('keeps feature overrides for columns named like Object.prototype properties', () => {
    const config = parseConfig(
      `${minimal}  features:\n    __proto__: numeric\n    constructor: categorical\n    toString: numeric\n`,
    );
    expect(Object.entries(config.data.features)).toEqual([
      ['__proto__', 'numeric'],
      ['constructor', 'categorical'],
      ['toString', 'numeric'],
    ]);
    expect(errorOf(`${minimal}  features:\n    __proto__: text\n`).message).toBe(
      'conveyor.yml: data.features.__proto__: "text" is not accepted (line 8): expected one of "numeric"|"categorical"',
    );
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
