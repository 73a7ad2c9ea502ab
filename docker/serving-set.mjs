#!/usr/bin/env node
// The serving image's contents, derived from the code rather than listed by hand: the TypeScript files the
// server's entry reaches through its imports, and the npm packages those files import, with package.json and package-lock.json trimmed to exactly that set at the locked versions, so
// `npm ci --omit=dev` installs nothing the server cannot load (no @actions/*, no training-only packages).
//
//   node docker/serving-set.mjs SRC_ROOT OUT_DIR
//     SRC_ROOT  a folder holding package.json, package-lock.json and src/ (the repository, or a copy)
//     OUT_DIR   receives package.json, package-lock.json, src/ and bin/ (only the files the entry reaches)
//   node docker/serving-set.mjs SRC_ROOT --list    prints {files, packages} as JSON instead
//
// Plain JavaScript with no dependencies: it runs in the image's first build stage before anything is installed.
// Imports are read with a line-anchored scanner; this is enough because Biome formats every import as its own
// statement ending in a semicolon. Followed: static imports (not `import type`, erased at run time) and files
// named by `new URL('./x.mjs', import.meta.url)` (worker threads). Dynamic `import()`s are lazy, optional paths
// (e.g. the registry backends, loaded only to serve from a registry) and stay out, except the entry's own: the
// image serves the model folder it carries.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/** The process entry of the serving image; Node strips the TypeScript sources' types (bin/strip-cache.js caches them). */
export const SERVING_ENTRY = 'docker/serve.mjs';

const STATIC_IMPORT = /^(?:import|export)\s+(?!type\s)[^;`]*?\bfrom\s*['"]([^'"\s]+)['"];/gm;
const SIDE_EFFECT_IMPORT = /^import\s*['"]([^'"\s]+)['"];/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\s]+)['"]\s*\)/g;
const MODULE_URL = /\bnew URL\(\s*['"](\.[^'"\s]+\.(?:ts|mts|js|mjs|cjs))['"]\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Module specifiers a source file loads at run time: static and side-effect imports, module files named by
 * URL relative to it, and (only when `dynamic`) literal `import()`s.
 */
export function importsOf(source, { dynamic = false } = {}) {
  const specifiers = [];
  for (const pattern of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, MODULE_URL, ...(dynamic ? [DYNAMIC_IMPORT] : [])]) {
    for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  }
  return specifiers;
}

/** The npm package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for files and builtins. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Files reachable from the entry (paths relative to root) and the packages they import, both sorted. */
export function servingClosure(root, entry = SERVING_ENTRY) {
  const files = new Set();
  const packages = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const specifier of importsOf(source, { dynamic: file === entry })) {
      const name = packageOf(specifier);
      if (name !== undefined) packages.add(name);
      else if (specifier.startsWith('.')) pending.push(relative(root, resolve(root, dirname(file), specifier)));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** Where Node finds package `name` when it is required from the lock-file location `from`. */
function resolveInLock(lockPackages, from, name) {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (candidate in lockPackages) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** package.json and package-lock.json reduced to `keep` and everything they depend on, versions unchanged. */
export function trimManifests(manifest, lock, keep) {
  const declared = manifest.dependencies ?? {};
  const missing = keep.filter((name) => !(name in declared));
  if (missing.length > 0) {
    throw new Error(`serving-set: imported but not in package.json dependencies: ${missing.join(', ')}`);
  }
  const dependencies = Object.fromEntries(keep.map((name) => [name, declared[name]]));
  const reached = new Set();
  const pending = keep.map((name) => resolveInLock(lock.packages, '', name));
  while (pending.length > 0) {
    const location = pending.pop();
    if (location === undefined || reached.has(location)) continue;
    reached.add(location);
    const entry = lock.packages[location];
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((peer) => !optionalPeers[peer]?.optional),
    ];
    for (const name of names) pending.push(resolveInLock(lock.packages, location, name));
  }
  // No workspaces (the CLI's bin/ package): the image starts the server through its own entry.
  const { devDependencies: _devDeps, workspaces: _lockWorkspaces, ...rootEntry } = lock.packages[''];
  const packages = { '': { ...rootEntry, dependencies } };
  for (const location of Object.keys(lock.packages).sort()) {
    if (reached.has(location)) packages[location] = lock.packages[location];
  }
  const { devDependencies: _dev, scripts: _scripts, workspaces: _workspaces, ...rest } = manifest;
  return { manifest: { ...rest, dependencies }, lock: { ...lock, packages } };
}

function main(argv) {
  const [root, out] = argv;
  if (!root || !out) {
    process.stderr.write('usage: node docker/serving-set.mjs SRC_ROOT (OUT_DIR | --list)\n');
    return 2;
  }
  const closure = servingClosure(root);
  if (out === '--list') {
    process.stdout.write(`${JSON.stringify(closure, null, 2)}\n`);
    return 0;
  }
  const readJson = (name) => JSON.parse(readFileSync(join(root, name), 'utf8'));
  const trimmed = trimManifests(readJson('package.json'), readJson('package-lock.json'), closure.packages);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(trimmed.manifest, null, 2)}\n`);
  writeFileSync(join(out, 'package-lock.json'), `${JSON.stringify(trimmed.lock, null, 2)}\n`);
  for (const file of closure.files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(root, file), join(out, file));
  }
  process.stdout.write(
    `serving set: ${closure.files.length} source files, packages ${closure.packages.join(', ')} ` +
      `(${Object.keys(trimmed.lock.packages).length - 1} installed)\n`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
