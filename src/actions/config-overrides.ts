/**
 * The `set` input of the pipeline action: `dotted.key=value` per line or separated by `;` (e.g. `trainer.params.n_trees=50`),
 * applied to a copy of the config file, so a dispatch can try other trainer settings without a commit. Values are
 * YAML scalars; the copy is validated like any config when the run is created.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.ts';

export interface ConfigOverride {
  readonly path: readonly string[];
  readonly value: unknown;
}

/** Parse the `set` input; InputError naming the line for anything but `key.path=value`. */
export function parseOverrides(text: string): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  text.split(/\r?\n|;/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*=(.*)$/.exec(line);
    if (!match) {
      throw new InputError(
        `input "set", item ${index + 1}: expected key.path=value (e.g. trainer.params.n_trees=50), got "${line}"`,
      );
    }
    const value: unknown = parseDocument(match[2]!.trim()).toJS();
    overrides.push({ path: match[1]!.split('.'), value });
  });
  return overrides;
}

/** Write the config with the overrides applied to `dir`; returns the new file's path. */
export function writeOverriddenConfig(
  configFile: string,
  cwd: string,
  overrides: readonly ConfigOverride[],
  dir: string,
): string {
  const doc = parseDocument(readFileSync(resolve(cwd, configFile), 'utf8'));
  for (const override of overrides) doc.setIn(override.path, override.value);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, basename(configFile));
  writeFileSync(target, doc.toString());
  return target;
}
