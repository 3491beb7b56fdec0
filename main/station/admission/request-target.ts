/**
 * The request target of an upgrade (RFC 7230 section 5.3), parsed once. The station vets the
 * path it finds here and hands exactly this path and query on to the router, so what is vetted
 * is what is routed. Paths are compared byte for byte, never normalised: `/websocket/./test` or
 * `/websocket/%74est` is not the endpoint.
 */

export interface RequestTarget {
  /** The path exactly as sent, e.g. `/websocket/test`. */
  path: string;
  /** The query with its `?`, or ''. */
  query: string;
}

export type ParsedTarget = { target: RequestTarget } | { error: string };

// RFC 3986: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; a query adds "/" and "?".
const PCHAR = String.raw`(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})`;
const PATH = new RegExp(String.raw`^(?:/${PCHAR}*)+$`);
const QUERY = new RegExp(String.raw`^(?:${PCHAR}|[/?])*$`);
/** RFC 6455 4.1 also allows an absolute http(s) URI; its authority is checked by URL below. */
const ABSOLUTE_FORM = /^(?:https?|wss?):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

/** Splits and checks a raw target; an error names what is wrong, for a 400 answer. */
export function parseRequestTarget(raw: string): ParsedTarget {
  let path: string;
  let query: string;
  if (raw.startsWith('/')) {
    const queryStart = raw.indexOf('?');
    path = queryStart === -1 ? raw : raw.slice(0, queryStart);
    query = queryStart === -1 ? '' : raw.slice(queryStart);
  } else {
    const absolute = ABSOLUTE_FORM.exec(raw);
    if (absolute === null || !isValidAuthority(absolute[1] ?? '')) {
      return { error: 'The request target must be a path such as /websocket/test' };
    }
    path = absolute[2] ?? '/';
    query = absolute[3] ?? '';
  }
  if (!PATH.test(path)) return { error: 'The request path has characters a URL path may not contain' };
  if (!QUERY.test(query.slice(1))) return { error: 'The request query has characters a URL query may not contain' };
  return { target: { path, query } };
}

function isValidAuthority(authority: string): boolean {
  if (authority === '' || authority.includes('@')) return false;
  try {
    // Throws on a bad host or a port above 65535.
    return new URL(`http://${authority}`).host !== '';
  } catch {
    return false;
  }
}
