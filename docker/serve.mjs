#!/usr/bin/env node
// Process entry of the serving image: `conveyor serve` without the rest of the CLI, so the image carries only
// what the server imports (docker/serving-set.mjs follows the imports from here). The image's Node strips the
// TypeScript types itself; bin/strip-cache.js hands it the stripped files the image build wrote (fillStripCache),
// so a container start strips and transpiles nothing (bench/container-start.ts measures it).
import { installStripCache } from '../bin/strip-cache.js';

installStripCache();
const { serveCli } = await import('../src/serve/cli.ts');
process.exitCode = await serveCli(process.argv.slice(2));
