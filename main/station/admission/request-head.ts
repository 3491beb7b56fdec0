/**
 * A request head as received, for a person to read: the request line and the header lines in
 * the sender's spelling and order (Node's rawHeaders), capped so that a flood of huge requests
 * costs a fixed amount, and with secrets masked before anything is kept: credentials in
 * Authorization, Proxy-Authorization and Cookie, and the station's own token in the query.
 */
import type { IncomingMessage } from 'node:http';
import { TOKEN_QUERY_PARAMETER } from '../../../common/protocol';
import type { HeaderLines, RequestHead } from '../../../common/station-status';
import { LIMITS } from '../config';

export const MASK = '•••';

/** Headers whose values are credentials. */
const SECRET_HEADER_NAME = /^(?:authorization|proxy-authorization|cookie)$/i;
/** `Bearer abc` → `Bearer •••`: the scheme tells what was sent, the credential is not kept. */
const AUTH_SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s/;

/** The parts of a request head Node parsed that are kept: strings and the array it made anyway. */
export type ReceivedHead = Pick<IncomingMessage, 'method' | 'url' | 'httpVersion' | 'rawHeaders'>;

/** `request` masked and capped: what is kept of it. */
export function captureRequestHead(request: ReceivedHead): RequestHead {
  const raw = request.rawHeaders;
  const lineCount = raw.length / 2;
  const kept = Math.min(lineCount, LIMITS.keptHeaderLines);
  const headers: HeaderLines = [];
  for (let line = 0; line < kept; line++) {
    const name = raw[2 * line] ?? '';
    headers.push([capped(name), capped(maskedValue(name, raw[2 * line + 1] ?? ''))]);
  }
  return {
    method: capped(request.method ?? ''),
    target: capped(maskedTarget(request.url ?? ''), LIMITS.keptTargetChars),
    httpVersion: `HTTP/${request.httpVersion}`,
    headers,
    headersLeftOut: lineCount - kept,
  };
}

function maskedValue(name: string, value: string): string {
  if (!SECRET_HEADER_NAME.test(name)) return value;
  const scheme = AUTH_SCHEME.exec(value);
  return /^cookie$/i.test(name) || scheme === null ? MASK : `${scheme[1]} ${MASK}`;
}

/**
 * The target with every token parameter's value masked, the rest as sent. A parameter's name is
 * read as access-token.ts reads the token (URLSearchParams), so whatever the station would take
 * as a token is masked.
 */
function maskedTarget(target: string): string {
  const queryAt = target.indexOf('?');
  if (queryAt < 0) return target;
  const query = target
    .slice(queryAt + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const [name] = new URLSearchParams(part).keys();
      return equals >= 0 && name === TOKEN_QUERY_PARAMETER ? `${part.slice(0, equals)}=${MASK}` : part;
    })
    .join('&');
  return `${target.slice(0, queryAt)}?${query}`;
}

/** `text` whole, or its first `limit` characters and how many more there were. */
export function capped(text: string, limit: number = LIMITS.keptValueChars): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
