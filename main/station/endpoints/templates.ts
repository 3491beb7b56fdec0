/**
 * Payload templates: Handlebars (the syntax Mockoon and WireMock users know), compiled once when
 * definitions load, in the main process only. HTML escaping is off (these are not web pages);
 * `json` writes any value as JSON. What a peer sends is only ever data in the context, never a
 * template.
 */
import { randomUUID } from 'node:crypto';
import Handlebars from 'handlebars';
import { directRenderer } from './direct-render';
import { fakerFunction, type FakerLocale } from './fake-data';

/** The endpoint as templates see it: made once per endpoint, shared by every render. */
export interface TemplateEndpoint {
  path: string;
  fakerLocale: FakerLocale;
}

/** What a template sees. */
export interface TemplateContext {
  message?: { text: string; json: unknown };
  peer?: { id: number; address: string };
  query: Record<string, string>;
  endpoint: TemplateEndpoint;
  /** This peer's messages so far on this endpoint, read by the `counter` helper. */
  counter: number;
}

/** A helper given arguments it cannot use: an error of the rendering, not of the template. */
export class HelperError extends Error {
  override name = 'HelperError';
}

/** A template that parses but uses a helper in a way that can never work, said in one line. */
export class TemplateUseError extends Error {
  override name = 'TemplateUseError';
}

interface HelperOptions {
  hash?: Record<string, unknown>;
  data?: { root?: TemplateContext };
}

/** The helpers, each with the arguments it takes (Handlebars adds an options object last). */
const helpers: Record<string, (...args: unknown[]) => unknown> = {
  json: (value: unknown) => (value === undefined ? 'null' : JSON.stringify(value)),
  now: () => new Date().toISOString(),
  uuid: () => randomUUID(),
  randomInt: (low: unknown, high: unknown) => {
    if (!Number.isInteger(low) || !Number.isInteger(high) || (low as number) > (high as number)) {
      throw new HelperError('randomInt needs two integers, the lower first: {{randomInt 1 6}}');
    }
    const [a, b] = [low as number, high as number];
    return a + Math.floor(Math.random() * (b - a + 1));
  },
  randomFloat: (low: unknown, high: unknown, digits: unknown) => {
    if (typeof low !== 'number' || typeof high !== 'number' || low > high) {
      throw new HelperError('randomFloat needs two numbers, the lower first: {{randomFloat 0 1 2}}');
    }
    const places = typeof digits === 'number' && Number.isInteger(digits) && digits >= 0 && digits <= 20 ? digits : 2;
    return (low + Math.random() * (high - low)).toFixed(places);
  },
  counter: (...args: unknown[]) => {
    const options = args.at(-1) as HelperOptions;
    return options.data?.root?.counter ?? 0;
  },
  faker: (...args: unknown[]) => {
    const options = args.pop() as HelperOptions;
    const [path, ...rest] = args;
    const run = fakerFunction(options.data?.root?.endpoint.fakerLocale ?? 'en', String(path));
    // Checked at load (fakerUses): a path that is not a function cannot reach here.
    if (typeof run === 'string') throw new HelperError(run);
    const hash = options.hash ?? {};
    const value = run(...rest.map(fakerArgument), ...(Object.keys(hash).length > 0 ? [hash] : []));
    return value instanceof Date ? value.toISOString() : value;
  },
};

/** Mockoon's convention: an argument written as a JSON object is passed as that object. */
function fakerArgument(value: unknown): unknown {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Where `faker` is used in a template: its path and arguments, as written. */
interface HandlebarsNode {
  type?: string;
  path?: { original?: unknown };
  params?: HandlebarsNode[];
  hash?: { pairs?: { value: HandlebarsNode }[] };
  value?: unknown;
}

const LITERALS = new Set(['StringLiteral', 'NumberLiteral', 'BooleanLiteral']);

/**
 * Checks every use of `faker` in a parsed template: a literal path this locale's faker has, and
 * literal arguments (a peer's data could otherwise ask for a string of a billion characters).
 */
function checkFakerUses(node: unknown, locale: FakerLocale): void {
  if (Array.isArray(node)) {
    for (const item of node) checkFakerUses(item, locale);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const { type, path, params = [], hash } = node as HandlebarsNode;
  if (
    (type === 'MustacheStatement' || type === 'SubExpression' || type === 'BlockStatement') &&
    path?.original === 'faker'
  ) {
    const [first, ...rest] = params;
    if (first?.type !== 'StringLiteral') {
      throw new TemplateUseError("faker takes the path of what to make, in quotes: {{faker 'person.firstName'}}");
    }
    const found = fakerFunction(locale, String(first.value));
    if (typeof found === 'string') throw new TemplateUseError(found);
    const values = [...rest, ...(hash?.pairs ?? []).map((pair) => pair.value)];
    if (values.some((value) => !LITERALS.has(value.type ?? ''))) {
      throw new TemplateUseError('faker takes only literal arguments (numbers, strings, true or false)');
    }
  }
  for (const value of Object.values(node)) checkFakerUses(value, locale);
}

const handlebars = Handlebars.create();
for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper);

const knownHelpers = Object.fromEntries(Object.keys(helpers).map((name) => [name, true]));
const COMPILE_OPTIONS = { noEscape: true, strict: false, knownHelpers, knownHelpersOnly: true };

/** A context for checking templates at load: every name in scope, with empty values. */
const checkContext = (endpoint: TemplateEndpoint): TemplateContext => ({
  message: { text: '', json: null },
  peer: { id: 0, address: '' },
  query: {},
  endpoint,
  counter: 0,
});

/** A compiled template; `readsMessageJson` is false only when it surely never reads `message.json`. */
export type Template = ((context: TemplateContext) => string) & { readonly readsMessageJson: boolean };

/** Whether `source` has anything to render; plain text is sent as it is, without Handlebars. */
export function isTemplate(source: string): boolean {
  return source.includes('{{');
}

/**
 * A mustache followed by a literal `}`, as JSON makes common (`{"ack":{{message.json.id}}}`), would
 * read to Handlebars as the close of a `{{{…}}}`: an empty comment between them keeps the brace text.
 */
const MUSTACHE_BEFORE_BRACE = /(?<![{\\])\{\{(?!\{)((?:[^}]|\}(?!\}))*)\}\}(?=\})/g;

function closeBeforeBrace(source: string): string {
  return source.replace(MUSTACHE_BEFORE_BRACE, '{{$1}}{{!}}');
}

/**
 * Compiles `source` for `endpoint`, or throws an Error saying what is wrong with it (a
 * TemplateUseError for a helper used wrongly). Handlebars compiles lazily, on the first render:
 * it renders once here so that every mistake is found when definitions load, not when a peer
 * first triggers it.
 */
export function compileTemplate(source: string, endpoint: TemplateEndpoint): Template {
  const parsed = handlebars.parse(closeBeforeBrace(source));
  checkFakerUses(parsed, endpoint.fakerLocale);
  const direct = directRenderer(parsed, helpers);
  const template = handlebars.compile<TemplateContext>(parsed, COMPILE_OPTIONS);
  try {
    template(checkContext(endpoint));
  } catch (error) {
    // Arguments that are only known when a peer sends a message are not the template's fault.
    if (!(error instanceof HelperError)) throw error;
  }
  return Object.assign(direct ?? template, { readsMessageJson: direct === null || readsMessageJson(parsed) });
}

/**
 * Whether a template's paths reach `message.json`: the message's JSON is then parsed for it (a
 * message that is not JSON costs a thrown SyntaxError). The whole message, or the whole context
 * (`this`), counts as reaching it.
 */
function readsMessageJson(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsMessageJson);
  if (typeof node !== 'object' || node === null) return false;
  const { type, parts } = node as { type?: string; parts?: string[] };
  if (type === 'PathExpression' && parts !== undefined) {
    if (parts.length === 0) return true;
    if (parts[0] === 'message' && parts[1] !== 'text') return true;
  }
  return Object.values(node).some(readsMessageJson);
}

/** Handlebars' own rendering of `source`, for the test that holds the direct renderer to it. */
export function compileWithHandlebarsOnly(source: string): (context: TemplateContext) => string {
  return handlebars.compile<TemplateContext>(closeBeforeBrace(source), COMPILE_OPTIONS);
}
