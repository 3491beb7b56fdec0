/**
 * The grammar of the handshake's list headers (RFC 6455 sections 4.3 and 9.1, lists as in
 * RFC 7230 section 7), checked whether or not the station uses what they offer, so a header
 * that cannot be parsed always gets 400 and never a 101.
 */

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const OWS = '[ \\t]*';
/** RFC 6455 9.1: a quoted parameter value must still be a token once unquoted. */
const PARAM_VALUE = `(?:${TOKEN}|"${TOKEN}")`;
const EXTENSION = `${TOKEN}(?:${OWS};${OWS}${TOKEN}(?:${OWS}=${OWS}${PARAM_VALUE})?)*`;

/** `1#element`: one or more elements, commas between, empty elements tolerated. */
function listOf(element: string): RegExp {
  const item = `(?:${element})?`;
  return new RegExp(`^${OWS}${item}(?:${OWS},${OWS}${item})*${OWS}$`);
}

const TOKEN_LIST = listOf(TOKEN);
const EXTENSION_LIST = listOf(EXTENSION);
const HAS_ELEMENT = /[^\s,]/;

/** Sec-WebSocket-Protocol: a list of subprotocol tokens. */
export function isTokenList(value: string): boolean {
  return HAS_ELEMENT.test(value) && TOKEN_LIST.test(value);
}

/** Sec-WebSocket-Extensions: extensions with optional `; param[=value]` each. */
export function isExtensionList(value: string): boolean {
  return HAS_ELEMENT.test(value) && EXTENSION_LIST.test(value);
}
