/**
 * Renders the templates most payloads are: text, `{{path}}` lookups and calls of the station's
 * own helpers, straight from the syntax tree Handlebars parsed. Handlebars still parses, compiles
 * and checks every template; only the rendering of these is done here, because Handlebars sets
 * each render up anew (it wraps every registered helper in new closures), which costs more than
 * the rest of answering a message. The output is Handlebars' own (a generated-input test holds the
 * two to it): the same own-property lookups, `null` and `undefined` written as nothing, values
 * written as JavaScript's `+` writes them into a string. One difference, on purpose: Handlebars'
 * generated code adds two numbers that open a template side by side (`{{a}}{{b}}` with 1 and 2
 * gives 3); here they are written, 12. Blocks, partials, `@data` and `../` are not rendered here:
 * such a template is left to Handlebars.
 */
import type { TemplateContext } from './templates';

type Helper = (...args: unknown[]) => unknown;

/** The hash of a call without named arguments: one, shared (no helper of the station changes it). */
const NO_HASH = Object.freeze({});
type Evaluate = (context: TemplateContext) => unknown;

interface Node {
  type: string;
  value?: unknown;
  original?: unknown;
  parts?: string[];
  depth?: number;
  data?: boolean;
  path?: Node;
  params?: Node[];
  hash?: { pairs: { key: string; value: Node }[] };
  body?: Node[];
}

/** A renderer for `program`, or null when it uses what only Handlebars renders. */
export function directRenderer(
  program: unknown,
  helpers: Readonly<Record<string, Helper>>,
): ((context: TemplateContext) => string) | null {
  const body = (program as Node).body ?? [];
  const pieces: (string | Evaluate)[] = [];
  for (const statement of body) {
    if (statement.type === 'CommentStatement') continue;
    if (statement.type === 'ContentStatement') {
      pieces.push(String(statement.value));
      continue;
    }
    if (statement.type !== 'MustacheStatement' || statement.path === undefined) return null;
    const value = call(statement.path, statement.params ?? [], statement.hash, helpers, true);
    if (value === null) return null;
    pieces.push(value);
  }
  return (context) => {
    let out = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        out += piece;
        continue;
      }
      const value = piece(context);
      // As Handlebars writes a value: nothing for null and undefined, else what `+` makes of it.
      if (value != null) out += value as string;
    }
    return out;
  };
}

/** A mustache or subexpression: a helper call, or (for a mustache without arguments) a lookup. */
function call(
  path: Node,
  params: Node[],
  hash: Node['hash'],
  helpers: Readonly<Record<string, Helper>>,
  mayBeLookup: boolean,
): Evaluate | null {
  // {{"name"}} and the like: a literal in the place of a name is Handlebars' to read.
  if (path.type !== 'PathExpression') return null;
  const name = path.parts?.length === 1 ? path.parts[0] : undefined;
  const helper = name !== undefined && Object.hasOwn(helpers, name) ? helpers[name] : undefined;
  if (helper === undefined) return mayBeLookup && params.length === 0 && !hash ? expression(path, helpers) : null;
  const args = params.map((param) => expression(param, helpers));
  const named = (hash?.pairs ?? []).map(({ key, value }) => [key, expression(value, helpers)] as const);
  if (args.includes(null) || named.some(([, value]) => value === null)) return null;
  const evaluators = args as Evaluate[];
  return (context) => {
    const options = {
      name,
      hash:
        named.length === 0
          ? NO_HASH
          : Object.fromEntries(named.map(([key, value]) => [key, (value as Evaluate)(context)])),
      data: { root: context },
    };
    return helper.call(context, ...evaluators.map((evaluate) => evaluate(context)), options);
  };
}

function expression(node: Node, helpers: Readonly<Record<string, Helper>>): Evaluate | null {
  switch (node.type) {
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
      return () => node.value;
    case 'UndefinedLiteral':
      return () => undefined;
    case 'NullLiteral':
      return () => null;
    case 'SubExpression':
      return node.path === undefined ? null : call(node.path, node.params ?? [], node.hash, helpers, false);
    case 'PathExpression': {
      if (node.data === true || (node.depth ?? 0) > 0) return null;
      const parts = node.parts ?? [];
      return (context) => {
        let value: unknown = context;
        for (const part of parts) {
          if (value == null) return value;
          value = ownProperty(value, part);
        }
        // A function found by a lookup is called, as Handlebars does (the context holds none).
        return typeof value === 'function' ? (value as () => unknown).call(context) : value;
      };
    }
    default:
      return null;
  }
}

/** Handlebars' lookup: a property the value has itself; inherited ones are not reached. */
function ownProperty(parent: unknown, name: string): unknown {
  const value = (parent as Record<string, unknown>)[name];
  if (value == null) return value;
  return Object.prototype.hasOwnProperty.call(parent, name) ? value : undefined;
}
