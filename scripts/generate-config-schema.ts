/** Writes conveyor.schema.json from the zod schema, so editors complete and check conveyor.yml. */
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';

writeFileSync('conveyor.schema.json', configJsonSchema());
console.log('wrote conveyor.schema.json');
