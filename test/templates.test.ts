/**
 * Templates: the station renders the common ones itself, from the tree Handlebars parsed; for every
 * generated template and context the output must be Handlebars' own, byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileTemplate, compileWithHandlebarsOnly, type TemplateContext } from '../main/station/endpoints/templates';

const ENDPOINT = Object.freeze({ path: '/t', fakerLocale: 'en' as const });

/** Pieces of templates as people write them, and what Handlebars makes of the edges. */
const piece = fc.oneof(
  fc.string({ maxLength: 8 }).map((text) => text.replace(/[{}\\]/g, '')),
  fc.constantFrom(
    '{{message.text}}',
    '{{message.json}}',
    '{{message.json.a}}',
    '{{message.json.a.b}}',
    '{{message.json.list}}',
    '{{message.json.list.length}}',
    '{{message.text.length}}',
    '{{message.json.constructor}}',
    '{{message.json.toString}}',
    '{{message.json.__proto__}}',
    '{{peer.id}}',
    '{{peer.address}}',
    '{{query.room}}',
    '{{endpoint.path}}',
    '{{counter}}',
    '{{this}}',
    '{{missing.deep.path}}',
    '{{json message.text}}',
    '{{json message.json}}',
    '{{json (json message.json.a)}}',
    '{{json query}}',
    '{{{message.text}}}',
    '{{~message.text~}}',
    '{{! a comment }}',
    '{{!-- a comment --}}',
    '\n',
    '  ',
    '{"said":{{json message.text}}}',
    '{"ack":{{message.json.a}}}',
    '{{#if message.json.a}}yes{{else}}no{{/if}}',
    '{{#each message.json.list}}[{{this}}]{{/each}}',
    '{{lookup message.json "a"}}',
  ),
);

const context = fc.record({
  text: fc.string({ maxLength: 20 }),
  // Parsed from text, as a peer's JSON always is (ordinary objects, not fast-check's null-prototype ones).
  json: fc
    .oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ a: fc.jsonValue({ maxDepth: 2 }), list: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }) }),
    )
    .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
    .chain((value) => fc.constantFrom(value, undefined)),
  id: fc.nat(),
  room: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
  counter: fc.nat(),
});

describe('templates', () => {
  it("render as Handlebars renders them, whatever the template and the peer's message (generated)", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), context, (pieces, { text, json, id, room, counter }) => {
        // Joined by text: two numbers written side by side are where the two differ (below).
        const source = pieces.join('|');
        const scope: TemplateContext = {
          message: { text, json },
          peer: { id, address: '192.0.2.1' },
          query: room === undefined ? {} : { room },
          endpoint: ENDPOINT,
          counter,
        };
        // A peer's JSON can make writing a value fail ({"toString": "x"} in a list): then both fail alike.
        const outcome = (render: (context: TemplateContext) => string) => {
          try {
            return { written: render(scope) };
          } catch (error) {
            return { failed: (error as Error).message };
          }
        };
        assert.deepEqual(
          outcome(compileTemplate(source, ENDPOINT)),
          outcome(compileWithHandlebarsOnly(source)),
          source,
        );
      }),
      {
        numRuns: 2000,
        // Found by a run: an own "toString" that is not a function fails the writing of its list.
        examples: [
          [
            ['{{message.json.list}}'],
            { text: '', json: { list: [{ toString: 'x' }] }, id: 0, room: undefined, counter: 0 },
          ],
        ],
      },
    );
  });

  it('write two numbers side by side as two numbers, where Handlebars adds them', () => {
    const scope: TemplateContext = {
      message: { text: '', json: { a: 1, b: 2 } },
      query: {},
      endpoint: ENDPOINT,
      counter: 4,
    };
    assert.equal(compileTemplate('{{message.json.a}}{{message.json.b}}', ENDPOINT)(scope), '12');
    assert.equal(compileTemplate('{{counter}}{{counter}}', ENDPOINT)(scope), '44');
    // Handlebars' generated code starts its `+` chain with the first value, not with a string.
    assert.equal(compileWithHandlebarsOnly('{{message.json.a}}{{message.json.b}}')(scope), '3');
  });
});
