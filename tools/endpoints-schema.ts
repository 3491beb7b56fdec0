/**
 * `npm run schema`: writes docs/endpoints.schema.json from the one schema the loader uses
 * (main/station/endpoints/schema.ts). test/endpoints-schema.test.ts fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsJsonSchema } from '../main/station/endpoints/schema';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'docs', 'endpoints.schema.json');

/** The file's content: the schema, as JSON, two spaces, a final newline. */
export function schemaText(): string {
  return `${JSON.stringify(endpointsJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
