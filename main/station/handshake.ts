/**
 * Vets an HTTP upgrade before any WebSocket handshake completes, so every refusal is an
 * HTTP status with a reason and never a 101 followed by a close.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WEBSOCKET_VERSION } from '../../common/protocol';
import { presentedToken, tokenMatches } from './access-token';
import { isLoopbackAddress } from './addresses';

export interface HandshakeRules {
  /** Paths that have a WebSocket route. */
  websocketPaths: ReadonlySet<string>;
  isOriginAllowed: (origin: string | undefined) => boolean;
  /** Required from peers not on loopback, when set. */
  token: string | null;
  /** Whether one more peer would exceed the limit. */
  isFull: () => boolean;
}

export interface HandshakeRefusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/** RFC 6455 4.1: base64 of 16 bytes. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;
const VERSION_PATTERN = /^\d{1,3}$/;

/** Returns why the upgrade must be refused, or null when it may proceed to the handshake. */
export function vetUpgrade(request: IncomingMessage, rules: HandshakeRules): HandshakeRefusal | null {
  // The base only lets URL parse a path; the real host is not trusted here.
  const url = new URL(request.url ?? '/', 'http://station.invalid');
  if (!rules.websocketPaths.has(url.pathname)) {
    return { status: 404, reason: `No WebSocket endpoint at ${url.pathname}` };
  }
  if (request.method !== 'GET') {
    return { status: 405, reason: 'A WebSocket handshake must be a GET request', headers: { Allow: 'GET' } };
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
  const origin = request.headers.origin;
  if (!rules.isOriginAllowed(origin)) {
    return { status: 403, reason: `Origin ${origin} is not allowed to connect to this station` };
  }
  const remoteAddress = request.socket.remoteAddress ?? '';
  if (
    rules.token !== null &&
    !isLoopbackAddress(remoteAddress) &&
    !tokenMatches(rules.token, presentedToken(request, url))
  ) {
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
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n${head}\r\n${body}`);
}
