/**
 * The station core: starts the HTTP server with its WebSocket routes from a validated config
 * and returns a handle. It runs the same inside Electron's main process and under plain Node,
 * and never imports electron.
 */
import express from 'express';
import { EventEmitter } from 'node:events';
import expressWs from 'express-ws';
import { createServer, type IncomingMessage, type Server, type ServerOptions as HttpServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { CloseCode, JSON_SUBPROTOCOL, TEST_ENDPOINT_PATH, WEBSOCKET_MOUNT_PATH } from '../../common/protocol';
import type { RefusalEntry, StationStatus, TlsFailure } from '../../common/station-status';
import { APP_NAME, APP_VERSION } from '../app-info';
import { isWildcardHost, LOOPBACK_IPV4, reachableAddresses, stationUrl } from './addresses';
import { AddressLimits, type ConnectionRefusal } from './admission/address-limits';
import { RefusalLog } from './admission/refusal-log';
import { DESCRIPTOR_RESERVE, peersWithin, raiseDescriptorLimit } from './admission/descriptor-limit';
import { refuseUpgrade, vetUpgrade, type HandshakeRefusal, type HandshakeRules } from './admission/handshake';
import { createOriginPolicy } from './admission/origin-policy';
import { TokenThrottle } from './admission/token-throttle';
import { ConfigError, LIMITS, type StationConfig } from './config';
import { tickSent, type TickSent } from './diagnostics';
import { EscapedErrors } from './escaped-errors';
import { EndpointSet } from './endpoints/endpoint-set';
import type { ScriptedEndpoint } from './endpoints/scripted-endpoint';
import { createCaRouter } from './http/ca-route';
import { createClientRouter } from './http/client-route';
import { createEndpointsRouter } from './http/endpoints-api';
import { createHostRouter } from './http/host-api';
import { createErrorHandler, createNotFoundHandler } from './http/http-errors';
import { createStatusRouter } from './http/status-api';
import { createWebSocketRouter, websocketPaths } from './http/websocket-router';
import { startHeartbeat } from './peers/heartbeat';
import { MemoryBudget, startMemoryWatch } from './peers/memory-budget';
import { MessageRate } from './peers/message-rate';
import { PeerRegistry } from './peers/peer-registry';
import { HandshakeBook } from './peers/handshake-book';
import { startTicker } from './peers/ticker';
import { closeEverything } from './shutdown';
import type { StationTls } from './tls/station-tls';
import { tlsFailureOf } from './tls/tls-failure';

export interface StationEvents {
  /** An address sent a run of wrong tokens and is refused for lockoutMs (once per episode). */
  'token-lockout': [address: string, lockoutMs: number];
  /** A connection could not be accepted for want of file descriptors (at most once per burst). */
  'descriptors-exhausted': [code: string];
  /** A scripted endpoint could not send something (at most once a second per endpoint and reason). */
  'endpoint-problem': [line: string];
  /** An upgrade was refused: as GET /api/refusals lists it (every one; the log says how often to tell). */
  refusal: [entry: RefusalEntry];
}

export interface Station {
  readonly config: StationConfig;
  /** The address the server is bound to (a wildcard such as 0.0.0.0 when serving the LAN). */
  readonly boundAddress: string;
  /** The plain ws:// and http:// port; null when only TLS is served. */
  readonly port: number | null;
  /** The wss:// and https:// port; null when TLS is off. */
  readonly tlsPort: number | null;
  readonly startedAt: Date;
  readonly peers: PeerRegistry;
  /** The scripted endpoints (docs/ENDPOINTS.md): none until definitions are applied. */
  readonly endpoints: EndpointSet;
  /** What the host should hear about at once: see StationEvents. */
  readonly events: EventEmitter<StationEvents>;
  /** The newest refused upgrades, with their requests (GET /api/refusals). */
  readonly refusals: RefusalLog;
  /** The newest connected peers' handshakes (GET /api/peers/{id}). */
  readonly handshakes: HandshakeBook;
  /** Addresses peers can reach the station on now, loopback first. */
  addresses(): string[];
  /** URL of the test endpoint at each address: ws:// ones (when plain is served), then wss:// ones. */
  websocketUrls(): string[];
  status(): StationStatus;
  /** The certificate chain (PEM) the TLS port serves now; null while TLS is off. */
  servedCertificate(): string | null;
  /** Whether a probe with this nonce reached this station (each nonce answers once). */
  answeredProbe(nonce: string): boolean;
  /** Sends every peer 1001 (going away), stops serving, and resolves when all is closed. */
  close(): Promise<void>;
}

/** A station serving plain ws:// and http:// (the default): its port is a number. */
export type PlainStation = Station & { readonly port: number };

export function servesPlain(station: Station): station is PlainStation {
  return station.port !== null;
}

/** The server could not listen: the port is taken, not allowed, or the host is not ours. */
export class ListenError extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    readonly port: number,
    /** Which of the station's ports: the plain one or the TLS one. */
    readonly listener: 'plain' | 'tls' = 'plain',
  ) {
    super(describeListenFailure(code, host, port));
    this.name = 'ListenError';
  }
}

function describeListenFailure(code: string, host: string, port: number): string {
  switch (code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use on ${host}.`;
    case 'EACCES':
      return `Not allowed to listen on port ${port} (ports below 1024 need administrator rights).`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this computer.`;
    default:
      return `Cannot listen on ${host}:${port} (${code}).`;
  }
}

export interface StationOptions {
  /** Also serve wss:// and https:// on config.tlsPort with this certificate (tls/station-tls.ts). */
  tls?: StationTls;
}

/** One of the station's listeners: the plain one or the TLS one, serving the same app. */
interface Listener {
  kind: 'plain' | 'tls';
  server: Server;
  port: number;
  /** The TCP connection under a request's socket (the TLS one is wrapped around it). */
  connectionOf: (socket: Socket) => Socket | undefined;
}

export async function startStation(config: StationConfig, options: StationOptions = {}): Promise<Station> {
  const { tls } = options;
  if (!config.plain && tls === undefined) {
    throw new ConfigError('plain', false, 'true unless the station serves TLS');
  }
  if (tls !== undefined && config.plain && config.port !== 0 && config.port === config.tlsPort) {
    throw new ConfigError('tlsPort', config.tlsPort, 'a port other than the plain port');
  }
  const escaped = new EscapedErrors();
  const app = express();
  app.disable('x-powered-by');
  const httpOptions: HttpServerOptions = {
    headersTimeout: LIMITS.headersTimeoutMs,
    requestTimeout: LIMITS.requestTimeoutMs,
    keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: LIMITS.deadlineCheckMs,
  };
  const plainServer = config.plain ? createServer(httpOptions, app) : null;
  const tlsServer =
    tls === undefined
      ? null
      : createHttpsServer(
          {
            ...httpOptions,
            cert: tls.certificatePem,
            key: tls.keyPem,
            handshakeTimeout: LIMITS.tlsHandshakeTimeoutMs,
          },
          app,
        );
  const servers = [plainServer, tlsServer].filter((server) => server !== null);
  const events = new EventEmitter<StationEvents>();
  const descriptorLimit = raiseDescriptorLimit();
  const maxPeers = peersWithin(descriptorLimit, config.maxPeers);
  const refusedConnections: Partial<Record<ConnectionRefusal | TlsFailure, number>> = {};
  const addressLimits = new AddressLimits(config.maxConnectionsPerAddress, config.maxPendingPerAddress);
  const tokenThrottle = new TokenThrottle({
    failures: LIMITS.tokenFailuresBeforeLockout,
    failureWindowMs: LIMITS.tokenFailureWindowMs,
    lockoutMs: config.tokenLockoutMs,
    maxAddresses: LIMITS.tokenThrottleMaxAddresses,
  });
  const peers = new PeerRegistry(config.tickMs, config.maxPayload, escaped);
  const refusals = new RefusalLog();
  const handshakes = new HandshakeBook();
  peers.on('disconnect', (peer) => handshakes.forget(peer.id));
  const memory = new MemoryBudget(config.memoryBudget, config.messageDeadlineMs, peers);
  const messageRate = config.maxMessagesPerSecond > 0 ? new MessageRate(config.maxMessagesPerSecond, escaped) : null;
  if (messageRate === null) {
    peers.observeInput((_peer, bytes) => memory.countInput(bytes));
  } else {
    peers.observeInput((peer, bytes) => {
      memory.countInput(bytes);
      messageRate.take(peer, peer.input.takeCompleted());
    });
    peers.on('connect', (peer) => messageRate.admit(peer));
    peers.on('disconnect', (peer) => messageRate.forget(peer));
  }

  // express-ws routes every accepted upgrade with `handle(request, response, done)` on what it
  // is given: here a router that holds only the WebSocket routes, so an upgrade skips
  // app.handle, which sets express's prototypes on the request and on express-ws's dummy
  // response (slow in V8: every property the router then writes builds a new hidden class).
  const websocketRoot = express.Router();
  // The WebSocket paths the handshake accepts: the seed's, and the scripted endpoints' as they change.
  const acceptedPaths = new Set(websocketPaths);
  const endpoints = new EndpointSet(acceptedPaths, config.maxPayload, escaped, (line) =>
    events.emit('endpoint-problem', line),
  );
  const wsOptions: ServerOptions = {
    // The registry lists every peer (a socket that is not admitted is terminated at once), so
    // ws's own set of clients, and the 'close' closure it adds to every socket, are not needed.
    clientTracking: false,
    // A fair share of the event loop for every peer: ws emits at most one message (or ping, or
    // pong) per peer per turn and reads no further from a peer whose input waits its turn, so a
    // flood of tiny messages from a few connections cannot hold up ticks, heartbeats,
    // handshakes, shutdown or anyone else's echoes (see docs/ARCHITECTURE.md, Fair share).
    allowSynchronousEvents: false,
    maxPayload: config.maxPayload,
    // ws applies the threshold only without server context takeover, which also keeps
    // less compression state per peer between messages.
    perMessageDeflate: config.deflate
      ? { threshold: LIMITS.deflateThresholdBytes, serverNoContextTakeover: true }
      : false,
    // A scripted endpoint takes the first subprotocol the client offers that it accepts; the seed's, its JSON one.
    handleProtocols: (offered: Set<string>, request: IncomingMessage) => {
      const endpoint = endpoints.get(pathOf(request.url ?? ''));
      if (endpoint === undefined) return offered.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false;
      return [...offered].find((protocol) => endpoint.compiled.subprotocols.includes(protocol)) ?? false;
    },
  };
  // ws takes no upgrade from a server of its own here (see below): the station hands each one over.
  const wsInstance = expressWs(websocketRoot as unknown as express.Application, servers[0], {
    leaveRouterUntouched: true,
    wsOptions: { ...wsOptions },
  });
  const wss = wsInstance.getWss();
  // For endpoints that play a server that never answers pings: ws answers them unless told not to.
  const silentWss = new WebSocketServer({ ...wsOptions, noServer: true, autoPong: false });
  // ws re-emits the HTTP server's errors; listen() below reports them, so this only keeps
  // an unhandled 'error' event from throwing.
  wss.on('error', () => {});
  // The 101's header lines, as ws is about to write them, for the peer it admits next.
  let answered: readonly string[] = [];
  const noteAnswer = (headers: string[]) => {
    answered = headers;
  };
  wss.on('headers', noteAnswer);
  silentWss.on('headers', noteAnswer);
  // express-ws hands every upgrade to ws, which completes the handshake before any routing.
  // Take that listener back so each upgrade is vetted first and refusals are HTTP statuses.
  for (const server of servers) server.removeAllListeners('upgrade');

  const websocketRouter = createWebSocketRouter(
    wsInstance,
    escaped.guard(
      'admitting a peer',
      (socket: WebSocket, request: IncomingMessage) => peers.admit(socket, request),
      (socket) => socket.close(CloseCode.internalError, 'Internal error'),
    ),
  );
  websocketRoot.use(WEBSOCKET_MOUNT_PATH, websocketRouter);
  // The same routes answer a plain HTTP GET (426) in the app, first, so that an HTTP request
  // to the endpoint does not pass the status API or the static file server on its way.
  app.use(WEBSOCKET_MOUNT_PATH, websocketRouter);
  // The few probes the desktop app is checking right now; a flood of them keeps only the newest.
  const probes = new Set<string>();
  const noteProbe = (nonce: string) => {
    probes.add(nonce);
    for (const oldest of probes) {
      if (probes.size <= MAX_PENDING_PROBES) break;
      probes.delete(oldest);
    }
  };
  app.use(createStatusRouter(() => station.status(), noteProbe));
  // The station's own pages, known once it listens; the host API takes no other Origin.
  let isOwnPage: (origin: string) => boolean = () => false;
  app.use(createHostRouter({ peers, refusals, handshakes }, config.maxPayload, (origin) => isOwnPage(origin)));
  app.use(createEndpointsRouter(endpoints, (origin) => isOwnPage(origin)));
  app.use(createCaRouter(tls?.caCertificate ?? null));
  app.use(createClientRouter());
  app.use(createNotFoundHandler());
  app.use(createErrorHandler(escaped));

  // Every TCP connection that is not (yet) a peer, so shutdown can end it; a peer's connection
  // leaves the map when it becomes a WebSocket (shutdown ends it through the WebSocket). With each,
  // the bytes it had moved when last looked at and since when (none yet for a TLS connection
  // still in its handshake, which handshakeTimeout bounds): see idleSweep below.
  const connections = new Map<Socket, IdleMark | null>();
  function forgetConnection(this: Socket) {
    connections.delete(this);
  }
  // A TLS request's socket is the TLS socket wrapped around the TCP connection the limits and
  // the set above hold: found again by its remote address and port until it becomes a peer.
  const tlsConnections = new Map<string, Socket>();
  // Both ends: one remote address and port can reach two of the station's addresses at once.
  const connectionKey = (socket: Socket) =>
    `${socket.localAddress} ${socket.localPort} ${socket.remoteAddress} ${socket.remotePort}`;
  function forgetTlsConnection(this: Socket) {
    connections.delete(this);
    tlsConnections.delete(connectionKey(this));
  }
  // Out of descriptors. libuv sheds the connections it cannot accept without telling anyone
  // (its EMFILE trick), so the station watches how close its connections come to the limit, and
  // also listens for the accept errors some platforms do report. Said once per burst; the
  // station keeps its peers and accepts again as soon as descriptors free up.
  let lastDescriptorAlarm = 0;
  const descriptorAlarm = (code: string) => {
    const now = Date.now();
    if (now - lastDescriptorAlarm < LIMITS.descriptorAlarmGapMs) return;
    lastDescriptorAlarm = now;
    events.emit('descriptors-exhausted', code);
  };
  const alarmAt = descriptorLimit === null ? Infinity : descriptorLimit.soft - DESCRIPTOR_RESERVE / 2;
  for (const server of servers) {
    const isTls = server === tlsServer;
    // First on every connection, before the HTTP parser (or the TLS handshake) is set up: a host
    // over its per-address limits is dropped at once, with a reset (no lingering close on our side).
    server.prependListener('connection', (connection: Socket) => {
      const refusal = addressLimits.admit(connection);
      if (refusal === null) return;
      refusedConnections[refusal] = (refusedConnections[refusal] ?? 0) + 1;
      connection.resetAndDestroy();
    });
    server.on('connection', (connection: Socket) => {
      // Dropped by the limits above: nothing to end at shutdown, and no address to find it by.
      if (connection.destroyed) return;
      connections.set(connection, isTls ? null : { bytes: 0, since: performance.now() });
      // 'close' comes once: a plain listener, without once()'s wrapper per connection.
      if (isTls) {
        tlsConnections.set(connectionKey(connection), connection);
        connection.on('close', forgetTlsConnection);
      } else {
        connection.on('close', forgetConnection);
      }
      if (connections.size + peers.size >= alarmAt) descriptorAlarm('EMFILE');
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EMFILE' || error.code === 'ENFILE') descriptorAlarm(error.code);
    });
  }
  tlsServer?.on('secureConnection', (socket: Socket) => {
    const connection = tlsConnections.get(connectionKey(socket));
    if (connection !== undefined && connections.has(connection)) {
      connections.set(connection, { bytes: bytesMoved(connection), since: performance.now() });
    }
  });
  // A connection that moves no byte for idleConnectionTimeoutMs before it is a peer is closed: one
  // sweep a second over the connections above. (A socket timeout per connection would do it too,
  // but its timer stays on the socket after ws turns it off: every peer would carry one.)
  const idleSweep = setInterval(() => {
    const now = performance.now();
    for (const [connection, mark] of connections) {
      if (mark === null) continue;
      const bytes = bytesMoved(connection);
      if (bytes !== mark.bytes) {
        mark.bytes = bytes;
        mark.since = now;
      } else if (now - mark.since >= LIMITS.idleConnectionTimeoutMs) {
        connection.destroy();
      }
    }
  }, LIMITS.deadlineCheckMs);
  idleSweep.unref();
  // A TLS connection that never carried a request (too slow, plain HTTP, the peer refusing the
  // certificate): counted by kind, so a device that does not trust the CA shows in the status.
  tlsServer?.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const failure = tlsFailureOf(error);
    if (failure !== null) refusedConnections[failure] = (refusedConnections[failure] ?? 0) + 1;
    socket.destroy();
  });

  const listeners: Listener[] = [];
  let boundAddress = config.host;
  try {
    if (plainServer !== null) {
      await listen(plainServer, config.port, config.host, 'plain');
      boundAddress = (plainServer.address() as AddressInfo).address;
      listeners.push({
        kind: 'plain',
        server: plainServer,
        port: portOf(plainServer),
        connectionOf: (socket) => socket,
      });
    }
    if (tlsServer !== null) {
      await listen(tlsServer, config.tlsPort, config.host, 'tls');
      boundAddress = (tlsServer.address() as AddressInfo).address;
      listeners.push({
        kind: 'tls',
        server: tlsServer,
        port: portOf(tlsServer),
        connectionOf: (socket) => tlsConnections.get(connectionKey(socket)),
      });
    }
  } catch (error) {
    for (const { server } of listeners) server.close();
    throw error;
  }
  const loopbackGuards = await Promise.all(
    listeners.map(({ server, port }) => holdLoopback(server, boundAddress, port)),
  );
  const port = listeners.find(({ kind }) => kind === 'plain')?.port ?? null;
  const tlsPort = listeners.find(({ kind }) => kind === 'tls')?.port ?? null;
  /** What the TLS port serves now: renewed before it runs out (a station may run for months). */
  let servedTls = tls;
  let renewalTimer: NodeJS.Timeout | undefined;
  const scheduleRenewal = (delayMs: number) => {
    const renew = servedTls?.renew;
    if (tlsServer === null || !renew) return;
    renewalTimer = setTimeout(() => {
      renew().then(
        (fresh) => {
          if (closing !== undefined) return;
          tlsServer.setSecureContext({ cert: fresh.certificatePem, key: fresh.keyPem });
          servedTls = fresh;
          scheduleRenewal(renewalDelay(fresh));
        },
        (error: unknown) => {
          escaped.report('renewing the TLS certificate', error);
          scheduleRenewal(LIMITS.tlsRenewalRetryMs);
        },
      );
    }, delayMs);
    renewalTimer.unref();
  };
  if (servedTls) scheduleRenewal(renewalDelay(servedTls));

  isOwnPage = createOriginPolicy({ boundAddress, port, tlsPort, allowedOrigins: [] });
  let closing: Promise<void> | undefined;
  const rules: HandshakeRules = {
    websocketPaths: acceptedPaths,
    isOriginAllowed: createOriginPolicy({ boundAddress, port, tlsPort, allowedOrigins: config.allowedOrigins }),
    token: config.token,
    isFull: () => closing !== undefined || peers.size >= maxPeers,
    tokenLockout: (address) => tokenThrottle.remainingLockout(address),
  };

  const admitScripted = escaped.guard(
    'admitting a peer',
    (socket: WebSocket, request: IncomingMessage, endpoint: ScriptedEndpoint) =>
      peers.admit(socket, request, (peer) => endpoints.admit(endpoint, peer, request)),
    (socket) => socket.close(CloseCode.internalError, 'Internal error'),
  );
  /** Every refused upgrade: counted, listed, answered. */
  const refuse = (request: IncomingMessage, socket: Duplex, refusal: HandshakeRefusal) => {
    peers.recordRefusal(refusal.status);
    events.emit('refusal', refusals.add(request, refusal.status, refusal.reason));
    refuseUpgrade(socket, refusal);
  };
  // What ws itself refuses after the station's checks passed (permessage-deflate parameters it
  // cannot accept): told here instead of answered by ws, so it is counted and listed too.
  const onWsRefusal = escaped.guard('a refusal by ws', (error: Error, socket: Duplex, request: IncomingMessage) =>
    refuse(request, socket, { status: 400, reason: error.message }),
  );
  wss.on('wsClientError', onWsRefusal);
  silentWss.on('wsClientError', onWsRefusal);
  const onUpgrade = (listener: Listener, request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = vetUpgrade(request, rules);
    if ('refusal' in verdict) {
      const address = request.socket.remoteAddress ?? '';
      if (verdict.refusal.status === 401 && tokenThrottle.recordFailure(address)) {
        events.emit('token-lockout', address, config.tokenLockoutMs);
      }
      refuse(request, socket, verdict.refusal);
      return;
    }
    // As the peer sent it: routing rewrites the target.
    const askedTarget = request.url;
    // express-ws routes on request.url: make it the very path and query that were vetted.
    request.url = verdict.target.path + verdict.target.query;
    // ws writes the 101 and, synchronously within it, the peer is admitted and greeted: held
    // back until then, both go out in one write (one syscall, one packet) instead of two.
    const endpoint = endpoints.get(verdict.target.path);
    socket.cork();
    try {
      const server = endpoint === undefined || endpoint.compiled.answerPings ? wss : silentWss;
      server.handleUpgrade(request, socket, head, (websocket: WebSocket) => {
        // From here on ws owns the connection, and the registry lists it: no entry or listener here.
        const connection = listener.connectionOf(request.socket);
        if (connection !== undefined) {
          addressLimits.established(connection);
          connections.delete(connection);
          if (listener.kind === 'tls') tlsConnections.delete(connectionKey(connection));
          connection.off('close', listener.kind === 'tls' ? forgetTlsConnection : forgetConnection);
        }
        if (endpoint === undefined) wss.emit('connection', websocket, request);
        else admitScripted(websocket, request, endpoint);
        const peer = peers.peerOf(websocket);
        if (peer !== undefined) {
          const { method, httpVersion, rawHeaders } = request;
          handshakes.add(peer.id, { method, url: askedTarget, httpVersion, rawHeaders }, answered);
        }
        // Routing is synchronous; a socket it did not hand to a peer must not linger unlisted.
        if (!peers.isAdmitted(websocket)) {
          escaped.report('routing an upgrade', new Error(`no peer for an accepted upgrade to ${request.url}`));
          socket.uncork(); // the 101 still goes out first
          websocket.terminate();
        }
      });
    } finally {
      socket.uncork();
    }
  };
  for (const listener of listeners) {
    listener.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        onUpgrade(listener, request, socket, head);
      } catch (error) {
        escaped.report('an upgrade', error);
        socket.destroy();
      }
    });
    // Node hands CONNECT (a proxy request) to its own event and, unanswered, drops the connection.
    listener.server.on(
      'connect',
      escaped.guard('a CONNECT request', (request: IncomingMessage, socket: Duplex) => {
        refuse(request, socket, {
          status: 405,
          reason: 'This station is not a proxy: CONNECT is not supported',
          headers: { Allow: 'GET' },
        });
      }),
    );
  }

  const stopTicker = startTicker(
    config.tickMs,
    escaped.guard('a tick', (slotAt: number) => {
      peers.broadcastTick();
      if (tickSent.hasSubscribers)
        tickSent.publish({ slotAt, sentAt: performance.now(), peers: peers.size } satisfies TickSent);
    }),
  );
  const stopHeartbeat = startHeartbeat(config.heartbeatMs, peers, escaped);
  const stopMemoryWatch = startMemoryWatch(memory, LIMITS.memorySweepMs, escaped);
  const startedAt = new Date();

  const station: Station = {
    config,
    boundAddress,
    port,
    tlsPort,
    startedAt,
    peers,
    endpoints,
    events,
    refusals,
    handshakes,
    addresses: () => reachableAddresses(boundAddress),
    websocketUrls: () =>
      listeners.flatMap((listener) =>
        station
          .addresses()
          .map((address) =>
            stationUrl(listener.kind === 'tls' ? 'wss' : 'ws', address, listener.port, TEST_ENDPOINT_PATH),
          ),
      ),
    status: () => ({
      station: {
        name: APP_NAME,
        version: APP_VERSION,
        host: boundAddress,
        port,
        addresses: station.addresses(),
        websocketUrls: station.websocketUrls(),
        tls: servedTls === undefined || tlsPort === null ? null : { ...servedTls.info, port: tlsPort },
        startedAt: startedAt.toISOString(),
        tickMs: config.tickMs,
        tokenRequired: config.token !== null,
        maxPeers,
        openFilesLimit: descriptorLimit === null || descriptorLimit.soft === Infinity ? null : descriptorLimit.soft,
      },
      totals: {
        ...peers.totals(),
        refusedConnections: { ...refusedConnections },
        tokenLockouts: tokenThrottle.lockouts,
        slowedForMessageRate: messageRate?.timesSlowed ?? 0,
      },
      memory: memory.status(),
      endpoints: endpoints.status(),
      internalErrors: escaped.count,
      peers: peers.list(),
    }),
    servedCertificate: () => (tlsPort === null ? null : (servedTls?.certificatePem ?? null)),
    answeredProbe: (nonce) => probes.delete(nonce),
    close: () => {
      closing ??= (async () => {
        for (const guard of loopbackGuards) guard?.close();
        clearTimeout(renewalTimer);
        clearInterval(idleSweep);
        stopTicker();
        stopHeartbeat();
        stopMemoryWatch();
        messageRate?.stop();
        endpoints.stop();
        const serversClosed = Promise.all(
          listeners.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
        );
        await closeEverything(
          { websockets: peers.sockets(), connections: connections.keys() },
          CloseCode.goingAway,
          'Station shutting down',
          LIMITS.closeGraceMs,
        );
        await serversClosed;
        wss.close();
        silentWss.close();
      })();
      return closing;
    },
  };
  return station;
}

const MAX_PENDING_PROBES = 16;

/** A connection not yet a peer: the bytes it had moved when last swept, and since when (performance.now()). */
interface IdleMark {
  bytes: number;
  since: number;
}

function bytesMoved(connection: Socket): number {
  return connection.bytesRead + connection.bytesWritten;
}

/** When to renew a certificate: two thirds of the way to its end, within what a timer can wait. */
function renewalDelay(tls: StationTls): number {
  const remaining = Date.parse(tls.info.notAfter) - Date.now();
  return Math.min(Math.max((remaining * 2) / 3, 0), MAX_TIMER_MS);
}

/** setTimeout's longest wait (a 32-bit signed count of milliseconds). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The path of a vetted request target (path and query). */
function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * A station on every network also holds 127.0.0.1 on its port, where the OS lets one process
 * take that more specific address beside another's wildcard (macOS, Windows): then no other
 * program can answer the desktop window's http://127.0.0.1:PORT/ in the station's place.
 * Linux refuses both binds (EADDRINUSE), which is the same protection; when another program
 * holds it already, the desktop app's probe finds out. Connections are handed to the server.
 */
async function holdLoopback(server: Server, boundAddress: string, port: number): Promise<NetServer | undefined> {
  if (!isWildcardHost(boundAddress)) return undefined;
  const guard = createNetServer((connection) => server.emit('connection', connection));
  return new Promise((resolve) => {
    guard.once('error', () => resolve(undefined));
    guard.listen(port, LOOPBACK_IPV4, () => resolve(guard));
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function listen(server: Server, port: number, host: string, listener: 'plain' | 'tls'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new ListenError(error.code ?? 'unknown', host, port, listener));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
