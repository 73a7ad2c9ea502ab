// Type stripping with a cache, for the package bin on Node >= 22.18.
//
// Node strips TypeScript types natively, but every run pays for it again: loading the stripper (a
// WebAssembly build of swc) and stripping each file cost ~0.3 s of CPU before the CLI runs a line. This
// module keeps the stripped JavaScript of each .ts file under this package (outside node_modules) in a cache
// folder, named by the sha1 of its URL and source, so a run reads and hashes the source and finds the
// stripped file; only a changed file is stripped again (an edit under src/ is used by the next run).
//
// Only a resolve hook is registered: it points Node at the cached .mjs file. A load hook would be simpler,
// but on Node 22 any load hook sends every CommonJS require() through a slow path (yaml +0.15 s, fastify
// +0.15 s). So the cached file must stand in for its source: import.meta.url/filename/dirname are replaced
// by the source's values, relative imports are resolved against the source's URL, and a sourceURL comment
// makes stack traces name the .ts file (stripping keeps line and column numbers). V8's compile cache
// (module.enableCompileCache) then skips parsing the JavaScript as well.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { enableCompileCache, registerHooks, stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = new URL('..', import.meta.url);

/**
 * node_modules/.cache/conveyor-<node version>; else (it cannot be created: a read-only install) the temp folder.
 * A cache that exists but is read-only (an image that stripped its files at build time) is used as it is.
 */
function cacheDirectory() {
  const uid = process.getuid?.() ?? 'user';
  const bases = [fileURLToPath(new URL('node_modules/.cache', packageRoot)), join(tmpdir(), `conveyor-${uid}`)];
  for (const base of bases) {
    const dir = join(base, `conveyor-${process.version}`);
    if (existsSync(join(dir, 'strip'))) return dir;
    try {
      mkdirSync(join(dir, 'strip'), { recursive: true });
      return dir;
    } catch {
      // cannot be created here: try the next place
    }
  }
  return undefined;
}

/** Strips without the one-time "stripTypeScriptTypes is an experimental feature" warning (Node's own loader uses the same stripper silently). */
function stripTypes(source) {
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

/** The JavaScript that stands in for the TypeScript file at `url`. */
export function standIn(url, source) {
  const path = fileURLToPath(url);
  const meta = { url, filename: path, dirname: dirname(path) };
  const code = stripTypes(source).replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_, key) =>
    JSON.stringify(meta[key]),
  );
  return `${code}\n//# sourceURL=${url}\n`;
}

/** The cached stand-in of the .ts file at `url`, written first when missing. */
function cachedFile(dir, url) {
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const file = join(dir, 'strip', `${createHash('sha1').update(url).update('\0').update(source).digest('hex')}.mjs`);
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, standIn(url, source));
    renameSync(temporary, file); // atomic: a concurrent run sees the whole file or none
  }
  return file;
}

/**
 * Strips every .ts file under `folder` (absolute, inside this package) into the cache ahead of time: an image build
 * calls it so that a container start, whose file system may be read-only, strips nothing. Returns how many.
 */
export function fillStripCache(folder) {
  const dir = cacheDirectory();
  if (dir === undefined) throw new Error('strip cache: no writable cache folder');
  const files = readdirSync(folder, { recursive: true }).filter((f) => String(f).endsWith('.ts'));
  for (const file of files) cachedFile(dir, pathToFileURL(join(folder, String(file))).href);
  return files.length;
}

/**
 * Registers the hook (and V8's compile cache) for the .ts files of this package. Returns false, and leaves
 * Node to strip types itself on every run, when this Node cannot (no registerHooks) or no folder is writable.
 */
export function installStripCache() {
  if (typeof registerHooks !== 'function') return false;
  const dir = cacheDirectory();
  if (dir === undefined) return false;
  enableCompileCache(join(dir, 'v8'));
  const ownFiles = packageRoot.href;
  const ownModules = new URL('node_modules/', packageRoot).href;
  const sourceOf = new Map(); // cached file URL → the .ts URL it stands in for

  const cached = (url) => {
    const cachedUrl = pathToFileURL(cachedFile(dir, url)).href;
    sourceOf.set(cachedUrl, url);
    return cachedUrl;
  };

  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parentURL = context.parentURL && (sourceOf.get(context.parentURL) ?? context.parentURL);
      const resolved = nextResolve(specifier, parentURL === context.parentURL ? context : { ...context, parentURL });
      const { url } = resolved;
      if (!url.endsWith('.ts') || !url.startsWith(ownFiles) || url.startsWith(ownModules)) return resolved;
      try {
        return { url: cached(url), format: 'module', shortCircuit: true };
      } catch {
        return resolved; // the cache cannot be written (read-only, disk full): Node strips this file itself
      }
    },
  });
  return true;
}
