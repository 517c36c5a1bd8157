/** `npm run schema`: regenerates scenarios/scenario.schema.json from the zod schema. */
import { renameSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { SCHEMA_FILE, scenarioJsonSchemaText } from './json-schema.js';

const tmp = `${SCHEMA_FILE}.tmp`;
writeFileSync(tmp, scenarioJsonSchemaText());
renameSync(tmp, SCHEMA_FILE);
process.stdout.write(`wrote ${relative(process.cwd(), SCHEMA_FILE)}\n`);
