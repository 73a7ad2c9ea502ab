#!/usr/bin/env node
// The package bin: runs the TypeScript CLI as it is, with no build step (an edit under src/ is used by the
// next run). Node >= 22.18 strips types itself; bin/strip-cache.js keeps each file's stripped JavaScript (by
// content hash) so a run strips only what changed. Older Node gets tsx's loader.
if (process.features.typescript) {
  const { installStripCache } = await import('./strip-cache.js');
  installStripCache();
} else {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
