/**
 * A workflow job's checkout for the action tests: a temporary folder with this repository's code (actions/, src/,
 * node_modules/ and package files linked, as after checkout + npm ci) and its own copies of the config and data,
 * which tests edit freely.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './actions-runner.ts';

const LINKED = ['actions', 'src', 'node_modules', 'package.json', 'tsconfig.json', '.github'];
const COPIED = ['conveyor.yml', 'data'];

export interface Workspace {
  readonly dir: string;
  write(path: string, text: string): void;
  remove(): void;
}

/** `from`: a folder holding the config and data to check out (default: this repository's). */
export function makeWorkspace(from: string = REPOSITORY_ROOT): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-workspace-'));
  for (const name of LINKED) symlinkSync(join(REPOSITORY_ROOT, name), join(dir, name));
  for (const name of COPIED) {
    if (existsSync(join(from, name))) cpSync(join(from, name), join(dir, name), { recursive: true });
  }
  return {
    dir,
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
