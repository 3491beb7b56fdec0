/**
 * The peers view: what the station knows about each connected peer and about its whole
 * lifetime. Served as JSON at STATUS_API_PATH and handed in-process to the desktop window.
 */

export interface PeerSnapshot {
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** The browser's Origin header; null for scripts and CLI tools, which send none. */
  origin: string | null;
  userAgent: string | null;
  /** '' or the JSON subprotocol. */
  protocol: string;
  /** ISO 8601. */
  connectedAt: string;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  ticksSkipped: number;
  /** Bytes queued for this peer and not yet handed to the OS. */
  bufferedAmount: number;
  /**
   * Bytes read from this peer that the station holds until they are whole messages it has taken:
   * a message still arriving, or arrived and waiting its turn (see docs/PROTOCOL.md, Memory).
   */
  heldInputBytes: number;
  /** The path it connected to: the seed's /websocket/test or a scripted endpoint's. */
  endpoint: string;
  /** Round trips of the heartbeat's pings, in ms: the last and the median of the recent ones; null before the first pong. */
  rttMs: { last: number; median: number } | null;
}

/** Header lines in the sender's spelling and order; secrets masked (see docs/PROTOCOL.md). */
export type HeaderLines = [name: string, value: string][];

/** An HTTP request head as the station received it. */
export interface RequestHead {
  method: string;
  /** The request target, its token query parameter masked. */
  target: string;
  httpVersion: string;
  headers: HeaderLines;
  /** Headers left out beyond the station's cap for one request (0 normally). */
  headersLeftOut: number;
}

/**
 * How the 101's Sec-WebSocket-Accept comes from the peer's Sec-WebSocket-Key (RFC 6455 4.2.2):
 * the key and the GUID joined, hashed with SHA-1, the 20 bytes in base64.
 */
export interface AcceptDerivation {
  key: string;
  guid: string;
  /** SHA-1 of key + GUID, in hex. */
  sha1Hex: string;
  /** Its base64: what the 101 must carry. */
  accept: string;
}

/** A peer's opening handshake: what it asked, and the 101 the station answered. */
export interface HandshakeExchange {
  request: RequestHead;
  response: { status: number; headers: HeaderLines };
  /** The accept worked through from the key the peer sent. */
  accept: AcceptDerivation;
}

/** Refused upgrades the station keeps (GET /api/refusals) and the desktop window lists: the newest. */
export const REFUSALS_KEPT = 200;

/** Connected peers whose handshakes the station keeps (GET /api/peers/{id}): the newest. */
export const HANDSHAKES_KEPT = 256;

/** One upgrade the station refused (GET /api/refusals). */
export interface RefusalEntry {
  /** Counts up from 1 while the station runs: ask for those after the newest you have. */
  seq: number;
  /** Epoch milliseconds. */
  time: number;
  address: string;
  status: number;
  reason: string;
  request: RequestHead;
}

/** One peer in full (GET /api/peers/{id}): its snapshot, and its handshake when the station kept it. */
export interface PeerDetail extends PeerSnapshot {
  /** null for a peer older than the newest the station keeps handshakes for (docs/PROTOCOL.md). */
  handshake: HandshakeExchange | null;
}

/**
 * What a record entry is: a message the peer sent, or one the station sent it, or its close.
 * greeting: the seed's greeting, or a scripted endpoint's onConnect; reply: a scripted rule's
 * answer. Ticks and scripted streams are not recorded: they would flush everything else.
 */
export const TRAFFIC_KINDS = ['greeting', 'echo', 'reply', 'host', 'message', 'notice', 'close'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

/** One entry of the station's traffic record (GET /api/peers/{id}/messages). */
export interface TrafficEntry {
  /** Station-wide order. */
  seq: number;
  peerId: number;
  /** Epoch milliseconds. */
  time: number;
  direction: 'in' | 'out';
  kind: TrafficKind;
  /** The whole message's size in bytes. */
  size: number;
  binary: boolean;
  /** The start of the text, or of the bytes as hex. */
  preview: string;
  /** Whether the message is longer than its preview. */
  truncated: boolean;
}

export interface StationTotals {
  /** Peers connected now. */
  peers: number;
  /** Handshakes accepted since the station started. */
  accepted: number;
  /** Handshakes refused since the station started, by HTTP status. */
  rejected: Record<string, number>;
  /**
   * TCP connections dropped on arrival because their address was over a limit: too many open
   * (`open-per-address`) or too many not yet WebSockets (`pending-per-address`); and TLS
   * connections that never became HTTPS (see TlsFailure).
   */
  refusedConnections: Record<string, number>;
  /** Times an address was locked out after a run of wrong tokens. */
  tokenLockouts: number;
  /** Times a peer was slowed for sending more than maxMessagesPerSecond (0 while there is no limit). */
  slowedForMessageRate: number;
  /** Ticks sent by the shared schedule (one per interval, whatever the number of peers). */
  ticks: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  ticksSkipped: number;
}

/**
 * A TLS connection that ended before it carried a request: the handshake not finished in time,
 * plain HTTP sent to the TLS port, the peer refusing the station's certificate (it does not trust
 * the CA, or the name differs), or anything else the handshake failed on.
 */
export type TlsFailure = 'tls-timeout' | 'tls-plain-http' | 'tls-certificate-refused' | 'tls-failed';

/** local-ca: issued at start by the station's own CA; given: the person's certificate, as it is. */
export const TLS_SOURCES = ['local-ca', 'given'] as const;
export type TlsSource = (typeof TLS_SOURCES)[number];

/** The two files a given certificate comes in (one file may be both). */
export const TLS_FILE_KINDS = ['certificate', 'key'] as const;
export type TlsFileKind = (typeof TLS_FILE_KINDS)[number];

/** The station's wss:// and https:// listener. */
export interface StationTlsInfo {
  port: number;
  source: TlsSource;
  /** SHA-256 of the local CA's root, as devices show it when it is installed; null for a given certificate. */
  caFingerprint256: string | null;
  /** The names and addresses the server certificate is valid for. */
  names: string[];
  notAfter: string;
}

export interface StationInfo {
  name: string;
  version: string;
  host: string;
  /** The plain ws:// and http:// port; null when only TLS is served (--no-plain). */
  port: number | null;
  /** Every address peers can reach the station on. */
  addresses: string[];
  /** The test endpoint at each address: ws:// ones (when plain is served), then wss:// ones. */
  websocketUrls: string[];
  tls: StationTlsInfo | null;
  startedAt: string;
  tickMs: number;
  tokenRequired: boolean;
  /** Peers at once: the setting, or less when the open-files limit cannot hold that many. */
  maxPeers: number;
  /** Files (sockets included) this process may open, where the OS tells; null where not known. */
  openFilesLimit: number | null;
}

/** What peers make the station hold, against its budget (measured a few times a second). */
export interface MemoryStatus {
  budgetBytes: number;
  usedBytes: number;
  /** Output queued for peers and not yet handed to the OS. */
  queuedOutputBytes: number;
  /** Input held for peers: messages still arriving or waiting their turn (each peer's heldInputBytes). */
  heldInputBytes: number;
  /** Peers closed with 1008 because the station was over its budget. */
  closedOverBudget: number;
  /** Peers closed with 1008 for not completing a message within the deadline. */
  closedOverDeadline: number;
}

/** The scripted endpoints served (docs/ENDPOINTS.md). */
export interface EndpointsStatus {
  paths: string[];
  /** Payloads not sent because they came out larger than maxPayload. */
  notSentOversized: number;
  /** Payloads not sent because their template failed (a helper given what it cannot use). */
  notSentTemplateErrors: number;
}

export interface StationStatus {
  station: StationInfo;
  totals: StationTotals;
  memory: MemoryStatus;
  endpoints: EndpointsStatus;
  /** Errors that escaped a handler and were caught by the station's last-resort guard. */
  internalErrors: number;
  peers: PeerSnapshot[];
}
