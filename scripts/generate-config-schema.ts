/**
 * Regenerates everything derived from the config's zod schema: conveyor.schema.json (editor completion and
 * checks) and the config reference table in README.md. Run: npm run schema:config
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';
import { withConfigReference } from '../src/config/reference.ts';

writeFileSync('conveyor.schema.json', configJsonSchema());
writeFileSync('README.md', withConfigReference(readFileSync('README.md', 'utf8')));
console.log('wrote conveyor.schema.json and the config reference in README.md');
