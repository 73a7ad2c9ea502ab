/** Reading action inputs the way the runner passes them (INPUT_<NAME>), with errors that name the input. */
import { InputError } from '../errors.ts';
import type { ActionInputs } from './deps.ts';

/** The environment variable the runner sets for an input: upper-cased, spaces → `_`, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

export function inputsFrom(env: NodeJS.ProcessEnv): ActionInputs {
  const get = (name: string) => (env[inputVariable(name)] ?? '').trim();
  return {
    get,
    required(name) {
      const value = get(name);
      if (!value) throw new InputError(`input "${name}" is required and was not given`);
      return value;
    },
    boolean(name) {
      const value = get(name);
      if (TRUE.includes(value)) return true;
      if (FALSE.includes(value)) return false;
      throw new InputError(`input "${name}" must be true or false, got "${value}"`);
    },
  };
}

/** One choice among `allowed`; InputError listing them otherwise. */
export function oneOf<T extends string>(inputs: ActionInputs, name: string, allowed: readonly T[]): T | undefined {
  const value = inputs.get(name);
  if (!value) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`input "${name}" must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
