#!/usr/bin/env node
// Process entry of the serving image: `conveyor serve` without the rest of the CLI, so the image carries only
// what the server imports (docker/serving-set.mjs follows the imports from here). tsx runs the TypeScript sources.
import { register } from 'tsx/esm/api';

register();
const { serveCli } = await import('../src/serve/cli.ts');
process.exitCode = await serveCli(process.argv.slice(2));
