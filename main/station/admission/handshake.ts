/**
 * Vets an HTTP upgrade before any WebSocket handshake completes, so every refusal is an
 * HTTP status with a reason and never a 101 followed by a close.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WEBSOCKET_VERSION } from '../../../common/protocol';
import { presentedToken, tokenMatches } from './access-token';
import { isLoopbackAddress } from '../addresses';
import { LIMITS } from '../config';
import { isExtensionList, isTokenList } from './header-syntax';
import { parseRequestTarget, type RequestTarget } from './request-target';

export interface HandshakeRules {
  /** Paths that have a WebSocket route. */
  websocketPaths: ReadonlySet<string>;
  isOriginAllowed: (origin: string | undefined) => boolean;
  /** Required from peers not on loopback, when set. */
  token: string | null;
  /** Whether one more peer would exceed the limit. */
  isFull: () => boolean;
  /** Milliseconds an address must still wait after a run of wrong tokens, 0 when it may try. */
  tokenLockout: (address: string) => number;
}

export interface HandshakeRefusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/** RFC 6455 4.1: base64 of 16 bytes. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 6455 4.1: a version is a number from 0 to 255, without leading zeros. */
const VERSION_PATTERN = /^(?:0|[1-9]\d?|1\d\d|2[0-4]\d|25[0-5])$/;

/** Either why the upgrade must be refused, or the request target it may proceed with. */
export type UpgradeVerdict = { refusal: HandshakeRefusal } | { target: RequestTarget };

/** Decides an upgrade from its request alone; never throws, whatever the request holds. */
export function vetUpgrade(request: IncomingMessage, rules: HandshakeRules): UpgradeVerdict {
  const raw = request.url ?? '';
  // The usual target is exactly an endpoint's path: that is a valid path, with no query.
  const parsed = rules.websocketPaths.has(raw) ? { target: { path: raw, query: '' } } : parseRequestTarget(raw);
  if ('error' in parsed) return { refusal: { status: 400, reason: parsed.error } };
  const refusal = refusalFor(request, parsed.target, rules);
  return refusal === null ? { target: parsed.target } : { refusal };
}

function refusalFor(request: IncomingMessage, target: RequestTarget, rules: HandshakeRules): HandshakeRefusal | null {
  if (!rules.websocketPaths.has(target.path)) {
    return { status: 404, reason: `No WebSocket endpoint at ${target.path}` };
  }
  if (request.method !== 'GET') {
    return { status: 405, reason: 'A WebSocket handshake must be a GET request', headers: { Allow: 'GET' } };
  }
  // RFC 6455 4.1: the handshake is an HTTP/1.1 request (1.0 has no Upgrade mechanism).
  if (request.httpVersionMajor !== 1 || request.httpVersionMinor < 1) {
    return { status: 400, reason: `A WebSocket handshake needs HTTP/1.1, not HTTP/${request.httpVersion}` };
  }
  if (request.headers.host === undefined) {
    return { status: 400, reason: 'A WebSocket handshake needs a Host header' };
  }
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
    return { status: 400, reason: 'The Upgrade header must be "websocket"' };
  }
  const version = request.headers['sec-websocket-version'];
  const versionHeader = { 'Sec-WebSocket-Version': String(WEBSOCKET_VERSION) };
  if (version === undefined || !VERSION_PATTERN.test(version)) {
    return { status: 400, reason: 'Missing or malformed Sec-WebSocket-Version header', headers: versionHeader };
  }
  if (Number(version) !== WEBSOCKET_VERSION) {
    return {
      status: 426,
      reason: `WebSocket version ${version} is not supported; this station speaks version ${WEBSOCKET_VERSION}`,
      headers: versionHeader,
    };
  }
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !KEY_PATTERN.test(key)) {
    return { status: 400, reason: 'Missing or malformed Sec-WebSocket-Key header' };
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined && !isTokenList(protocols)) {
    return { status: 400, reason: 'Malformed Sec-WebSocket-Protocol header' };
  }
  const extensions = request.headers['sec-websocket-extensions'];
  if (extensions !== undefined && !isExtensionList(extensions)) {
    return { status: 400, reason: 'Malformed Sec-WebSocket-Extensions header' };
  }
  const origin = request.headers.origin;
  if (!rules.isOriginAllowed(origin)) {
    return { status: 403, reason: `Origin ${origin} is not allowed to connect to this station` };
  }
  const remoteAddress = request.socket.remoteAddress ?? '';
  // This computer never needs the token, and so is never locked out either.
  const token = isLoopbackAddress(remoteAddress) ? null : rules.token;
  const lockedMs = token === null ? 0 : rules.tokenLockout(remoteAddress);
  if (lockedMs > 0) {
    // Refused before any comparison: a guesser learns nothing while locked out.
    return {
      status: 429,
      reason: 'Too many wrong access tokens from this address; wait and try again',
      headers: { 'Retry-After': String(Math.ceil(lockedMs / 1000)) },
    };
  }
  if (token !== null && !tokenMatches(token, presentedToken(request, target.query))) {
    return {
      status: 401,
      reason: 'This station needs its access token: add ?token=… to the URL or send Authorization: Bearer …',
      headers: { 'WWW-Authenticate': 'Bearer realm="WS Station"' },
    };
  }
  if (rules.isFull()) {
    return {
      status: 503,
      reason: 'The station has as many peers as it allows; try again later',
      headers: { 'Retry-After': '5' },
    };
  }
  return null;
}

/**
 * Answers the upgrade with a plain HTTP error and closes the connection. (An accepted upgrade
 * gets its socket error handling from ws; a listener added before that, in the upgrade handler,
 * would keep the whole request alive for the connection's life: about 6 KiB a peer.)
 */
export function refuseUpgrade(socket: Duplex, refusal: HandshakeRefusal): void {
  socket.on('error', () => socket.destroy());
  const body = `${refusal.reason}\n`;
  const headers: Record<string, string | number> = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...refusal.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // A peer that never reads its answer must not keep the connection.
  const linger = setTimeout(() => socket.destroy(), LIMITS.refusalLingerMs);
  socket.once('close', () => clearTimeout(linger));
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n${head}\r\n${body}`);
}
