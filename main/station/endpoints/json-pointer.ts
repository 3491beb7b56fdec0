/**
 * JSON Pointer (RFC 6901): parsed once when definitions load, evaluated against each message.
 */

/** The reference tokens of `pointer`, or an Error saying why it is not a JSON pointer. */
export function parseJsonPointer(pointer: string): string[] | Error {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return new Error('a JSON pointer is empty or starts with "/", e.g. /type');
  const tokens = pointer.slice(1).split('/');
  for (const token of tokens) {
    // RFC 6901 section 3: "~" is only ever followed by 0 or 1.
    if (/~(?![01])/.test(token)) return new Error(`"~" must be followed by 0 or 1 in ${JSON.stringify(pointer)}`);
  }
  return tokens.map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** RFC 6901 section 4: an array index is "0" or digits without a leading zero. */
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** The value at `tokens` in `document`, or undefined when there is none. */
export function resolveJsonPointer(document: unknown, tokens: readonly string[]): unknown {
  let value = document;
  for (const token of tokens) {
    if (Array.isArray(value)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      value = value[Number(token)];
    } else if (typeof value === 'object' && value !== null && Object.hasOwn(value, token)) {
      value = (value as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return value;
}
