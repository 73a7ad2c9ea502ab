// Type stripping with a cache, for the package bin on Node >= 22.18.
//
// Node strips TypeScript types natively, but on Node 22 every run pays for it again: loading the stripper
// (a WebAssembly build of swc) and stripping each file costs ~0.3 s before the CLI runs a line. This load
// hook keeps the stripped JavaScript of each .ts file outside node_modules under the sha1 of its source, so
// a run reads the source, hashes it and reads the cached result; only a changed file is stripped again.
// Stripping replaces types with spaces, so line and column numbers in stack traces stay those of the .ts
// file. V8's compile cache (module.enableCompileCache) then skips parsing the JavaScript too.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { enableCompileCache, registerHooks, stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the cache lives: node_modules/.cache/conveyor, else (read-only install, e.g. a container) the temp folder. */
function cacheDirectory() {
  for (const base of [join(packageRoot, 'node_modules', '.cache'), tmpdir()]) {
    const dir = join(base, `conveyor-${process.version}`);
    try {
      mkdirSync(join(dir, 'strip'), { recursive: true });
      return dir;
    } catch {
      // not writable: try the next place
    }
  }
  return undefined;
}

/** Strips without the one-time "stripTypeScriptTypes is an experimental feature" warning (Node's own loader uses the same stripper without one). */
function strip(source) {
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes('stripTypeScriptTypes')) emitWarning.call(process, warning, ...rest);
  };
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Registers the load hook (and V8's compile cache) for the .ts files of this package. */
export function installStripCache() {
  const dir = cacheDirectory();
  if (dir === undefined) return; // Node strips every run: slower, same result
  enableCompileCache(join(dir, 'v8'));
  const ownFiles = new URL('..', import.meta.url).href;
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.endsWith('.ts') || !url.startsWith(ownFiles) || url.includes('/node_modules/')) {
        return nextLoad(url, context);
      }
      const source = readFileSync(fileURLToPath(url), 'utf8');
      const file = join(dir, 'strip', `${createHash('sha1').update(source).digest('hex')}.js`);
      let code;
      try {
        code = readFileSync(file, 'utf8');
      } catch {
        code = strip(source);
        try {
          const temporary = `${file}.${process.pid}`;
          writeFileSync(temporary, code);
          renameSync(temporary, file); // atomic: a concurrent run reads the whole file or none
        } catch {
          // a cache that cannot be written only costs speed
        }
      }
      return { format: 'module', source: code, shortCircuit: true };
    },
  });
}
