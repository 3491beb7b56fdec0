/**
 * The contract of scripted endpoints (docs/ENDPOINTS.md): the shape of a definitions file, once.
 * The loader checks files against it; docs/endpoints.schema.json is generated from it
 * (`npm run schema`), and a test keeps the two the same.
 */
import { z } from 'zod';
import { FAKER_LOCALES } from './fake-data';

/** Milliseconds a delay, a stream's period or its start may take at most: an hour. */
const MAX_MS = 3_600_000;
const milliseconds = (min: number) => z.int().min(min).max(MAX_MS);

/** One message to send: a text template, or bytes written as hex or base64 (sent as binary). */
const payload = z.union([
  z.string().describe('a text message: a Handlebars template'),
  z.strictObject({ text: z.string().describe('a text message: a Handlebars template') }),
  z.strictObject({ hex: z.string().describe('a binary message, its bytes in hex (spaces allowed)') }),
  z.strictObject({ base64: z.string().describe('a binary message, its bytes in base64') }),
]);
const send = z.union([payload, z.array(payload).min(1)]).describe('one message, or several sent in order');

const delay = z
  .union([milliseconds(0), z.tuple([milliseconds(0), milliseconds(0)])])
  .describe('milliseconds to wait before sending: a number, or [min, max] for a random wait between them');

const stateName = z.string().min(1).max(64);

const match = z
  .strictObject({
    text: z.string().optional().describe('the whole text, exactly'),
    contains: z.string().min(1).optional().describe('text it contains'),
    regex: z.string().min(1).optional().describe('a pattern it matches anywhere (RE2 syntax: linear time)'),
    json: z.string().optional().describe('a JSON pointer (RFC 6901) into the message parsed as JSON'),
    equals: z.json().optional().describe('with json: the value there must equal this'),
    exists: z.boolean().optional().describe('with json: whether there must be a value there (default true)'),
    kind: z.enum(['text', 'binary']).optional().describe('the frame type'),
    state: stateName.optional().describe("the peer's state"),
  })
  .describe('what a message must be for the rule to fire; every condition given must hold');

const rule = z.strictObject({
  match: match.optional(),
  send: send.optional(),
  to: z.enum(['sender', 'all', 'others']).optional().describe('who gets what is sent (default sender)'),
  delayMs: delay.optional(),
  setState: stateName.optional().describe("the peer's state from now on"),
  close: z
    .strictObject({
      code: z.int().describe('1000, or 3000 to 4999'),
      reason: z.string().optional(),
    })
    .optional()
    .describe('closes the sender, after what is sent'),
});

const stream = z.strictObject({
  everyMs: milliseconds(10).describe('the period'),
  send,
  to: z
    .enum(['each', 'all'])
    .optional()
    .describe('each: rendered for each peer (default); all: rendered once and sent to every peer'),
  count: z.int().min(1).optional().describe('how many to send (to each peer, for each), then stop'),
  startAfterMs: milliseconds(0).optional().describe("the first one after this long (after each peer's connect)"),
});

const endpoint = z.strictObject({
  path: z.string().describe('where peers connect, e.g. /prices'),
  onConnect: z
    .array(z.strictObject({ send, delayMs: delay.optional() }))
    .optional()
    .describe('sent to each new peer, in order, before anything else'),
  streams: z.array(stream).optional(),
  rules: z.array(rule).optional().describe('tried in order; the first that matches answers'),
  fallback: z.enum(['echo', 'none']).optional().describe('what a message no rule matches gets (default echo)'),
  subprotocols: z
    .array(z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'a subprotocol is an HTTP token'))
    .optional()
    .describe('the subprotocols it accepts, the first the client offers is chosen'),
  answerPings: z.boolean().optional().describe('false: never answer a ping (default true)'),
  fakerLocale: z
    .enum(FAKER_LOCALES)
    .optional()
    .describe("the language of the faker helper's names, places and words (default en)"),
});

export const endpointDefinitionsSchema = z.strictObject({
  endpoints: z.array(endpoint),
});

export type EndpointDefinitions = z.infer<typeof endpointDefinitionsSchema>;
export type EndpointDefinition = EndpointDefinitions['endpoints'][number];
export type RuleDefinition = NonNullable<EndpointDefinition['rules']>[number];
export type StreamDefinition = NonNullable<EndpointDefinition['streams']>[number];
export type MatchDefinition = NonNullable<RuleDefinition['match']>;
export type SendDefinition = RuleDefinition['send'];
export type DelayDefinition = RuleDefinition['delayMs'];

/** The JSON Schema of a definitions file, as docs/endpoints.schema.json holds it. */
export function endpointsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(endpointDefinitionsSchema, { target: 'draft-2020-12' }),
    $id: 'https://ws-station.local/endpoints.schema.json',
    title: 'WS Station scripted endpoints',
  };
}
