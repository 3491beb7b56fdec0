/**
 * Payload templates: Handlebars (the syntax Mockoon and WireMock users know), compiled once when
 * definitions load, in the main process only. HTML escaping is off (these are not web pages);
 * `json` writes any value as JSON. What a peer sends is only ever data in the context, never a
 * template.
 */
import { randomUUID } from 'node:crypto';
import Handlebars from 'handlebars';

/** What a template sees. */
export interface TemplateContext {
  message?: { text: string; json: unknown };
  peer?: { id: number; address: string };
  query: Record<string, string>;
  endpoint: { path: string };
  /** This peer's messages so far on this endpoint, read by the `counter` helper. */
  counter: number;
}

/** A helper given arguments it cannot use: an error of the rendering, not of the template. */
export class HelperError extends Error {
  override name = 'HelperError';
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
    const options = args.at(-1) as { data?: { root?: TemplateContext } };
    return options.data?.root?.counter ?? 0;
  },
};

const handlebars = Handlebars.create();
for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper);

const knownHelpers = Object.fromEntries(Object.keys(helpers).map((name) => [name, true]));

/** A context for checking templates at load: every name in scope, with empty values. */
const CHECK_CONTEXT: TemplateContext = {
  message: { text: '', json: null },
  peer: { id: 0, address: '' },
  query: {},
  endpoint: { path: '/' },
  counter: 0,
};

export type Template = (context: TemplateContext) => string;

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
 * Compiles `source`, or throws an Error saying what is wrong with it. Handlebars compiles lazily,
 * on the first render: it renders once here so that every mistake is found when definitions
 * load, not when a peer first triggers it.
 */
export function compileTemplate(source: string): Template {
  const template = handlebars.compile<TemplateContext>(closeBeforeBrace(source), {
    noEscape: true,
    strict: false,
    knownHelpers,
    knownHelpersOnly: true,
  });
  try {
    template(CHECK_CONTEXT);
  } catch (error) {
    // Arguments that are only known when a peer sends a message are not the template's fault.
    if (!(error instanceof HelperError)) throw error;
  }
  return template;
}
