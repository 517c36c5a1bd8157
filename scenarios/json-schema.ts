/**
 * The JSON Schema of scenario files, generated from the zod schema, and the committed file's path.
 * `npm run schema` rewrites the file; a test checks the committed file is up to date.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { SCENARIO_DIR } from './loader.js';
import { ScenarioFileJsonSchema } from './schema.js';

export const SCHEMA_FILE = join(SCENARIO_DIR, 'scenario.schema.json');

export function scenarioJsonSchemaText(): string {
  const schema = z.toJSONSchema(ScenarioFileJsonSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const doc = {
    ...schema,
    $id: 'https://rome-gym.example/scenario.schema.json',
    title: 'rome-gym sandbox scenario',
    description:
      'A scenario file under scenarios/. Generated from scenarios/schema.ts by `npm run schema`; do not edit. ' +
      'A file with `extends` may omit any field: it is checked against the complete schema after merging.',
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
