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

const LITERALS = new Set(['StringLiteral', 'NumberLiteral', 'BooleanLiteral']);

/**
 * One walk (Handlebars' own visitor) over a parsed template: checks every use of `faker` — a
 * literal path this locale's faker has, and literal arguments (a peer's data could otherwise ask
 * for a string of a billion characters) — and notes whether any path reaches `message.json`
 * (the whole message, or the whole context, counts as reaching it).
 */
class TemplateReader extends Handlebars.Visitor {
  readsMessageJson = false;

  constructor(private readonly locale: FakerLocale) {
    super();
  }

  override PathExpression(path: hbs.AST.PathExpression): void {
    const [first, second] = path.parts;
    if (first === undefined || (first === 'message' && second !== 'text')) this.readsMessageJson = true;
  }

  override MustacheStatement(mustache: hbs.AST.MustacheStatement): void {
    this.#checkFaker(mustache);
    super.MustacheStatement(mustache);
  }

  override SubExpression(expression: hbs.AST.SubExpression): void {
    this.#checkFaker(expression);
    super.SubExpression(expression);
  }

  override BlockStatement(block: hbs.AST.BlockStatement): void {
    this.#checkFaker(block);
    super.BlockStatement(block);
  }

  #checkFaker(call: { path: hbs.AST.Node; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }): void {
    if ((call.path as hbs.AST.PathExpression).original !== 'faker') return;
    const [first, ...rest] = call.params;
    if (first?.type !== 'StringLiteral') {
      throw new TemplateUseError("faker takes the path of what to make, in quotes: {{faker 'person.firstName'}}");
    }
    const found = fakerFunction(this.locale, (first as hbs.AST.StringLiteral).value);
    if (typeof found === 'string') throw new TemplateUseError(found);
    const values = [...rest, ...(call.hash?.pairs ?? []).map((pair) => pair.value)];
    if (values.some((value) => !LITERALS.has(value.type))) {
      throw new TemplateUseError('faker takes only literal arguments (numbers, strings, true or false)');
    }
  }
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
  const reader = new TemplateReader(endpoint.fakerLocale);
  reader.accept(parsed);
  const direct = directRenderer(parsed, helpers);
  const template = handlebars.compile<TemplateContext>(parsed, COMPILE_OPTIONS);
  try {
    template(checkContext(endpoint));
  } catch (error) {
    // Arguments that are only known when a peer sends a message are not the template's fault.
    if (!(error instanceof HelperError)) throw error;
  }
  // A message's JSON is parsed only for a template that may read it: most messages are not JSON,
  // and finding that out throws. Handlebars renders blocks and lookups: it may read anything.
  return Object.assign(direct ?? template, { readsMessageJson: direct === null || reader.readsMessageJson });
}

/** Handlebars' own rendering of `source`, for the test that holds the direct renderer to it. */
export function compileWithHandlebarsOnly(source: string): (context: TemplateContext) => string {
  return handlebars.compile<TemplateContext>(closeBeforeBrace(source), COMPILE_OPTIONS);
}
