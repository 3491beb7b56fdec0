/**
 * The wire contract of /websocket/test, shared by the station, the client and the tests.
 * docs/PROTOCOL.md is the prose version of this file; change both together.
 */

/** Where the WebSocket router is mounted, and the route inside it (the seed's layout). */
export const WEBSOCKET_MOUNT_PATH = '/websocket';
export const TEST_ROUTE_PATH = '/test';
export const TEST_ENDPOINT_PATH = `${WEBSOCKET_MOUNT_PATH}${TEST_ROUTE_PATH}`;

/** JSON view of the running station, answered to loopback clients only. */
export const STATUS_API_PATH = '/api/status';

/**
 * Loopback only: `?nonce=<32 hex>` is noted in-process and answered with 204, so the desktop app can
 * tell that 127.0.0.1:PORT is its own station and not another program on the same port.
 */
export const STATION_PROBE_PATH = '/api/probe';

/** Loopback only: a peer (`/api/peers/{id}`) and what the host sends it (`…/messages`). */
export const PEERS_API_PATH = '/api/peers';
/** Loopback only: GET the scripted endpoints' definitions, PUT new ones (docs/ENDPOINTS.md). */
export const ENDPOINTS_API_PATH = '/api/endpoints';
/** Loopback only: POST a message to every peer. */
export const BROADCAST_API_PATH = '/api/broadcast';
/** Loopback only: the newest upgrades the station refused, each with its request as received. */
export const REFUSALS_API_PATH = '/api/refusals';
/** The station's local CA certificate (DER), for devices to install: anyone on the LAN may fetch it. */
export const CA_CERTIFICATE_PATH = '/ca.crt';

/** Query parameter that carries the access token when a client cannot set headers (browsers). */
export const TOKEN_QUERY_PARAMETER = 'token';

/** RFC 6455 1.3: Sec-WebSocket-Accept is base64(SHA-1(Sec-WebSocket-Key + this GUID)). */
export const WEBSOCKET_ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only WebSocket protocol version the station speaks (RFC 6455). */
export const WEBSOCKET_VERSION = 13;

/** Offered by a client that wants typed JSON frames instead of the seed's plain text. */
export const JSON_SUBPROTOCOL = 'station.v1.json';

/** Sent as the first frame to every peer: "connected". */
export const GREETING = '连接成功';

/** RFC 6455 close codes the station sends. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

/** A tick value as the seed formats it: `Math.random().toFixed(2)`. */
export type TickValue = string;

export interface WelcomeMessage {
  type: 'welcome';
  /** The seed's greeting, so JSON clients show the same words. */
  text: typeof GREETING;
  peerId: number;
  tickMs: number;
  /** Epoch milliseconds at the station. */
  time: number;
}

export interface TickMessage {
  type: 'tick';
  /** Station-wide tick counter; a gap means this peer skipped ticks. */
  seq: number;
  /** Epoch milliseconds when the tick was sent. */
  time: number;
  value: TickValue;
}

export interface EchoMessage {
  type: 'echo';
  /** The peer's text frame, unchanged. */
  data: string;
}

export type ErrorCode = 'ticks-skipped';

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** How many ticks the notice is about, for `ticks-skipped`. */
  count?: number;
}

/** A text the station's host sent (window, HTTP API, or a line on the command line's stdin). */
export interface HostMessage {
  type: 'host';
  /** The text as the host sent it. */
  data: string;
  /** Epoch milliseconds when the station sent it. */
  time: number;
}

/** Every text frame the station sends under `station.v1.json`. */
export type StationMessage = WelcomeMessage | TickMessage | EchoMessage | ErrorMessage | HostMessage;
