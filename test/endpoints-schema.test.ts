/** docs/endpoints.schema.json is the loader's schema, and the docs' example fits it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import { loadDefinitions } from '../main/station/endpoints/definitions';
import { SCHEMA_FILE, schemaText } from '../tools/endpoints-schema';

it('docs/endpoints.schema.json is what the loader checks against (run npm run schema after changing it)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});

it('the worked example in docs/ENDPOINTS.md fits the JSON Schema and loads', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'ENDPOINTS.md'), 'utf8');
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const whole = examples.filter((text) => text.trimStart().startsWith('{\n  "endpoints"'));
  assert.ok(whole.length >= 1, 'the doc has a whole definitions file');
  const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  for (const text of whole) {
    assert.ok(validate(JSON.parse(text)), JSON.stringify(validate.errors));
    assert.ok(loadDefinitions(text).endpoints.length > 0);
  }
});
