/**
 * The optional access token: peers not on loopback present it as `?token=` (browsers cannot
 * set headers on a WebSocket) or as `Authorization: Bearer <token>` (scripts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_QUERY_PARAMETER } from '../../../common/protocol';

/** `query` is the request target's query, with or without its `?`. */
export function presentedToken(request: IncomingMessage, query: string): string | null {
  const header = request.headers.authorization;
  const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return bearer?.[1] ?? new URLSearchParams(query).get(TOKEN_QUERY_PARAMETER);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time, so response timing does not leak the token a byte at a time. */
export function tokenMatches(expected: string, presented: string | null): boolean {
  return presented !== null && timingSafeEqual(digest(expected), digest(presented));
}
