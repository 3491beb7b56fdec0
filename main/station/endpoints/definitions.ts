/**
 * Loads a definitions file: JSON (errors with line and column), the schema (errors at a path such
 * as `endpoints[0].rules[2].match`, with its line and column), then what the schema cannot say:
 * paths that are reserved or not canonical, patterns that do not compile, templates that do not
 * parse, bytes that are not hex or base64. Everything is compiled here, once, so that serving a
 * message only runs what was checked.
 */
import { isDeepStrictEqual } from 'node:util';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { RE2JS } from 're2js';
import type { z } from 'zod';
import { PEERS_API_PATH, TEST_ENDPOINT_PATH } from '../../../common/protocol';
import { parseJsonPointer, resolveJsonPointer } from './json-pointer';
import {
  endpointDefinitionsSchema,
  type DelayDefinition,
  type EndpointDefinition,
  type EndpointDefinitions,
  type MatchDefinition,
  type SendDefinition,
} from './schema';
import { compileTemplate, isTemplate, TemplateUseError, type Template, type TemplateEndpoint } from './templates';

/** Where in a definitions text a problem is: the path to it, and the characters an editor marks. */
export interface DefinitionsLocation {
  /** As in the schema, e.g. ['endpoints', 0, 'rules', 2, 'match']; empty for the text as a whole. */
  path: readonly (string | number)[];
  offset: number;
  length: number;
}

/**
 * A definitions file that cannot be used, and why, in one line; where in its text, when that is
 * known, and `problem`: the line without the place.
 */
export class DefinitionsError extends Error {
  override name = 'DefinitionsError';
  constructor(
    message: string,
    readonly location: DefinitionsLocation | null = null,
    readonly problem = message,
  ) {
    super(message);
  }
}

/** A message to send: its bytes (binary, or text with nothing to render), or a text template. */
export type CompiledPayload = { binary: boolean; bytes: Buffer } | { binary: false; template: Template };

/** How long to wait before sending: [min, max] milliseconds, or null for not at all. */
export type CompiledDelay = readonly [number, number] | null;

/** A message a peer sent, as rules see it; `json` is parsed on first need. */
export interface ScriptMessage {
  readonly binary: boolean;
  /** The text of a text message; null for a binary one. */
  readonly text: string | null;
  /** The text parsed as JSON, or undefined when it is not JSON (or binary). */
  readonly json: unknown;
}

export interface CompiledRule {
  matches: (message: ScriptMessage, state: string) => boolean;
  send: readonly CompiledPayload[];
  to: 'sender' | 'all' | 'others';
  delay: CompiledDelay;
  setState: string | null;
  close: { code: number; reason: string } | null;
}

export interface CompiledStream {
  everyMs: number;
  send: readonly CompiledPayload[];
  /** Rendered for each peer (true) or once for all. */
  perPeer: boolean;
  count: number;
  startAfterMs: number;
}

export interface CompiledEndpoint {
  path: string;
  /** The definition as given: what GET /api/endpoints shows, and what tells a changed endpoint. */
  definition: EndpointDefinition;
  /** The endpoint as its templates see it. */
  template: TemplateEndpoint;
  onConnect: readonly { send: readonly CompiledPayload[]; delay: CompiledDelay }[];
  streams: readonly CompiledStream[];
  rules: readonly CompiledRule[];
  fallback: 'echo' | 'none';
  subprotocols: readonly string[];
  answerPings: boolean;
}

export interface LoadedDefinitions {
  definitions: EndpointDefinitions;
  endpoints: readonly CompiledEndpoint[];
}

/** RFC 6455 7.4: the codes an endpoint may close with (1000, or the ranges for applications). */
const isCloseCode = (code: number) => code === 1000 || (code >= 3000 && code <= 4999);
/** A Close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason. */
const MAX_REASON_BYTES = 123;
/** A canonical path: segments of URL path characters, none empty, `.` or `..`, no %-escapes. */
const CANONICAL_PATH = /^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/;

/** Loads `text` (a definitions file's content); throws a DefinitionsError naming what is wrong. */
export function loadDefinitions(text: string): LoadedDefinitions {
  const tree = parseJsonText(text);
  const value: unknown = JSON.parse(text);
  const parsed = endpointDefinitionsSchema.safeParse(value);
  const fail = (path: readonly (string | number)[], problem: string) => locatedError(text, tree, path, problem);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []) as (string | number)[];
    // An unknown key is marked where it is written, not over the whole object it is in.
    const marked = issue?.code === 'unrecognized_keys' ? [...path, issue.keys[0] ?? ''] : path;
    throw locatedError(text, tree, path, issue ? describeIssue(issue) : 'does not fit the schema', marked);
  }
  const definitions = parsed.data;
  const seen = new Set<string>();
  const endpoints = definitions.endpoints.map((definition, index) => {
    const path = ['endpoints', index];
    const problem = pathProblem(definition.path, seen);
    if (problem !== null) throw fail([...path, 'path'], problem);
    seen.add(definition.path);
    return compileEndpoint(definition, (inner, message) => fail([...path, ...inner], message));
  });
  return { definitions, endpoints };
}

/** The syntax tree of `text`, which must be one JSON value (no comments, no trailing commas). */
export function parseJsonText(text: string): Node {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const syntaxError = errors[0];
  if (syntaxError === undefined && tree !== undefined) return tree;
  const offset = syntaxError?.offset ?? 0;
  const what =
    syntaxError === undefined ? 'no JSON value' : describeSyntaxError(printParseErrorCode(syntaxError.error));
  const problem = `Not JSON: ${what}`;
  const location = { path: [], offset, length: syntaxError?.length ?? 0 };
  throw new DefinitionsError(`${problem} at ${lineAndColumn(text, offset)}`, location, problem);
}

type Fail = (path: (string | number)[], message: string) => DefinitionsError;

function compileEndpoint(definition: EndpointDefinition, fail: Fail): CompiledEndpoint {
  const template = Object.freeze({ path: definition.path, fakerLocale: definition.fakerLocale ?? 'en' });
  const compileSend = (send: NonNullable<SendDefinition>, failSend: Fail) => compilePayloads(send, template, failSend);
  return {
    path: definition.path,
    definition,
    template,
    onConnect: (definition.onConnect ?? []).map((item, index) => ({
      send: compileSend(item.send, (inner, message) => fail(['onConnect', index, 'send', ...inner], message)),
      delay: compileDelay(item.delayMs, () => fail(['onConnect', index, 'delayMs'], 'the lower bound comes first')),
    })),
    streams: (definition.streams ?? []).map((stream, index) => ({
      everyMs: stream.everyMs,
      send: compileSend(stream.send, (inner, message) => fail(['streams', index, 'send', ...inner], message)),
      perPeer: stream.to !== 'all',
      count: stream.count ?? Infinity,
      startAfterMs: stream.startAfterMs ?? 0,
    })),
    rules: (definition.rules ?? []).map((rule, index) => {
      const at = (inner: (string | number)[], message: string) => fail(['rules', index, ...inner], message);
      if (rule.close !== undefined) {
        if (!isCloseCode(rule.close.code)) throw at(['close', 'code'], 'a close code is 1000, or from 3000 to 4999');
        if (Buffer.byteLength(rule.close.reason ?? '') > MAX_REASON_BYTES) {
          throw at(['close', 'reason'], `a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`);
        }
      }
      return {
        matches: compileMatch(rule.match ?? {}, (inner, message) => at(['match', ...inner], message)),
        send:
          rule.send === undefined ? [] : compileSend(rule.send, (inner, message) => at(['send', ...inner], message)),
        to: rule.to ?? 'sender',
        delay: compileDelay(rule.delayMs, () => at(['delayMs'], 'the lower bound comes first')),
        setState: rule.setState ?? null,
        close: rule.close === undefined ? null : { code: rule.close.code, reason: rule.close.reason ?? '' },
      };
    }),
    fallback: definition.fallback ?? 'echo',
    subprotocols: definition.subprotocols ?? [],
    answerPings: definition.answerPings ?? true,
  };
}

function compileMatch(match: MatchDefinition, fail: Fail): CompiledRule['matches'] {
  const kinds = (['text', 'contains', 'regex', 'json'] as const).filter((kind) => match[kind] !== undefined);
  if (kinds.length > 1)
    throw fail([kinds[1] ?? ''], `a rule matches by one of text, contains, regex or json, not ${kinds.join(' and ')}`);
  if (match.json === undefined) {
    for (const key of ['equals', 'exists'] as const) {
      if (match[key] !== undefined) throw fail([key], `${key} goes with json, a pointer to the value it checks`);
    }
  }
  if (match.equals !== undefined && match.exists === false) {
    throw fail(['exists'], 'equals and exists: false cannot both hold');
  }
  const conditions: ((message: ScriptMessage, state: string) => boolean)[] = [];
  if (match.state !== undefined) {
    const state = match.state;
    conditions.push((_message, peerState) => peerState === state);
  }
  if (match.kind !== undefined) {
    const binary = match.kind === 'binary';
    conditions.push((message) => message.binary === binary);
  }
  if (match.text !== undefined) {
    const text = match.text;
    conditions.push((message) => message.text === text);
  }
  if (match.contains !== undefined) {
    const part = match.contains;
    conditions.push((message) => message.text !== null && message.text.includes(part));
  }
  if (match.regex !== undefined) {
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(match.regex);
    } catch (error) {
      throw fail(['regex'], `the pattern does not compile (RE2 syntax): ${(error as Error).message}`);
    }
    conditions.push((message) => message.text !== null && pattern.matcher(message.text).find());
  }
  if (match.json !== undefined) {
    const tokens = parseJsonPointer(match.json);
    if (tokens instanceof Error) throw fail(['json'], tokens.message);
    const { equals } = match;
    const mustExist = match.exists ?? true;
    conditions.push((message) => {
      if (message.json === undefined) return false;
      const found = resolveJsonPointer(message.json, tokens);
      if (equals !== undefined) return isDeepStrictEqual(found, equals);
      return (found !== undefined) === mustExist;
    });
  }
  // Rules are tried on every message, a hundred of them perhaps: no closure made per try.
  const [only] = conditions;
  if (conditions.length === 0) return () => true;
  if (conditions.length === 1 && only !== undefined) return only;
  return (message, state) => {
    for (const condition of conditions) if (!condition(message, state)) return false;
    return true;
  };
}

function compilePayloads(send: NonNullable<SendDefinition>, endpoint: TemplateEndpoint, fail: Fail): CompiledPayload[] {
  const items = Array.isArray(send) ? send : [send];
  return items.map((item, index): CompiledPayload => {
    const at = (inner: (string | number)[], message: string) =>
      fail(Array.isArray(send) ? [index, ...inner] : inner, message);
    if (typeof item === 'string' || 'text' in item) {
      const text = typeof item === 'string' ? item : item.text;
      // Encoded once here, not for every peer it goes to.
      if (!isTemplate(text)) return { binary: false, bytes: Buffer.from(text) };
      try {
        return { binary: false, template: compileTemplate(text, endpoint) };
      } catch (error) {
        const problem =
          error instanceof TemplateUseError ? error.message : `the template does not parse: ${summary(error)}`;
        throw at(typeof item === 'string' ? [] : ['text'], problem);
      }
    }
    if ('hex' in item) {
      const digits = item.hex.replace(/\s+/g, '');
      if (!/^(?:[0-9A-Fa-f]{2})*$/.test(digits))
        throw at(['hex'], 'hex is pairs of digits 0-9 and a-f (spaces allowed)');
      return { binary: true, bytes: Buffer.from(digits, 'hex') };
    }
    const base64 = item.base64.replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
      throw at(['base64'], 'base64 is groups of four characters A-Z, a-z, 0-9, + and /, padded with =');
    }
    return { binary: true, bytes: Buffer.from(base64, 'base64') };
  });
}

function compileDelay(delay: DelayDefinition, reversed: () => DefinitionsError): CompiledDelay {
  if (delay === undefined || delay === 0) return null;
  if (typeof delay === 'number') return [delay, delay];
  if (delay[0] > delay[1]) throw reversed();
  return delay;
}

/** Why `path` cannot be an endpoint's, or null when it can. */
function pathProblem(path: string, taken: ReadonlySet<string>): string | null {
  if (path === TEST_ENDPOINT_PATH) return `${TEST_ENDPOINT_PATH} is the station's own endpoint`;
  if (path === '/' || path === '/api' || path.startsWith('/api/') || path === PEERS_API_PATH) {
    return `${path} is reserved for the station's page and API`;
  }
  if (!CANONICAL_PATH.test(path) || path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return `${JSON.stringify(path)} is not a canonical path: "/" and segments of letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @, none empty, "." or ".."`;
  }
  if (taken.has(path)) return `${path} is defined twice`;
  return null;
}

/**
 * The index of the first rule that matches, tried in order, or -1. A plain loop: it runs for every
 * message a peer sends.
 */
export function firstMatchingRule(rules: readonly CompiledRule[], message: ScriptMessage, state: string): number {
  for (let index = 0; index < rules.length; index += 1) {
    if (rules[index]?.matches(message, state)) return index;
  }
  return -1;
}

/** Why a rendered frame cannot be sent, or null when it can. */
export function oversizeProblem(frame: Buffer, maxPayload: number): string | null {
  return frame.length > maxPayload ? `${frame.length} bytes, more than maxPayload (${maxPayload})` : null;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
  }
  if (issue.code === 'invalid_union')
    return UNION_MESSAGES[issue.path.at(-1) as string] ?? 'not one of the allowed forms';
  return issue.message;
}

/** What a union-typed field allows, in words, by the field's name. */
const UNION_MESSAGES: Record<string, string> = {
  send: 'a message is a string, or { "text" }, { "hex" } or { "base64" }, or a list of them',
  delayMs: 'a delay is milliseconds up to 3600000, or [min, max]',
  equals: 'any JSON value',
};

/**
 * The error for `problem` at `path`, placed at the nearest part of it the text has, and said as
 * `endpoints[0].rules[2].match (line 12, column 9): problem`.
 */
function locatedError(
  text: string,
  tree: Node,
  path: readonly (string | number)[],
  problem: string,
  markedPath: readonly (string | number)[] = path,
) {
  let node: Node | undefined;
  for (let length = markedPath.length; length >= 0 && node === undefined; length -= 1) {
    node = findNodeAtLocation(tree, markedPath.slice(0, length));
  }
  // A property's node is its value: mark from where its key starts, as an editor would.
  const marked = node?.parent?.type === 'property' ? node.parent : node;
  const location = { path, offset: marked?.offset ?? 0, length: marked?.length ?? 0 };
  return new DefinitionsError(`${describePlace(text, location)}: ${problem}`, location, problem);
}

/** `endpoints[0].rules[2].match (line 12, column 9)`; `whole` names an empty path. */
export function describePlace(text: string, location: DefinitionsLocation, whole = 'the file'): string {
  const written = location.path.reduce<string>(
    (written, part) =>
      typeof part === 'number' ? `${written}[${part}]` : written === '' ? part : `${written}.${part}`,
    '',
  );
  return `${written === '' ? whole : written} (${lineAndColumn(text, location.offset)})`;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

const SYNTAX_WORDS: Record<string, string> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a property name (in double quotes) expected',
  ValueExpected: 'a value expected',
  ColonExpected: '":" expected',
  CommaExpected: '"," expected',
  CloseBraceExpected: '"}" expected',
  CloseBracketExpected: '"]" expected',
  EndOfFileExpected: 'text after the end of the JSON value',
  InvalidCommentToken: 'a comment (JSON has none)',
  UnexpectedEndOfComment: 'an unfinished comment',
  UnexpectedEndOfString: 'an unfinished string',
  UnexpectedEndOfNumber: 'an unfinished number',
  InvalidUnicode: 'a malformed \\u escape',
  InvalidEscapeCharacter: 'a malformed escape',
  InvalidCharacter: 'a control character in a string',
};

function describeSyntaxError(code: string): string {
  return SYNTAX_WORDS[code] ?? code;
}

/** An error's message on one line: Handlebars' parse errors take four (what, where, a caret, why). */
function summary(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^-*\^$/.test(line.trim()));
  return lines.length <= 1 ? (lines[0] ?? '') : `${lines[0]} ${lines.at(-1)}`;
}

/** Whether two definitions of one endpoint are the same (its peers then keep everything). */
export function sameDefinition(a: EndpointDefinition, b: EndpointDefinition): boolean {
  return isDeepStrictEqual(a, b);
}
