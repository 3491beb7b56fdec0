/**
 * Runs inside the LAN host's namespace: one WebSocket session or one HTTP GET against the
 * station, printed as one JSON object. Usage: node lan-peer.js '<request as JSON>'.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

export type LanPeerRequest =
  | { kind: 'http'; url: string; method?: string; body?: string }
  | {
      kind: 'ws';
      url: string;
      headers?: Record<string, string>;
      protocol?: string;
      send?: string;
      /** Instead of stopping at the greeting and a tick, keep everything received for this long. */
      listenMs?: number;
      /** For wss://: the only CA trusted (PEM); the station's name is verified against it. */
      ca?: string;
    }
  /** An attacker: `count` TCP connections that send nothing at all, held for `forMs`. */
  | { kind: 'silent-connections'; host: string; port: number; count: number; forMs: number }
  /** An attacker: `count` connections that send half a handshake, then a header line each second. */
  | { kind: 'slow-headers'; host: string; port: number; count: number; forMs: number }
  /** An attacker: `count` WebSockets opened in waves of 20 and held open for `holdMs`. */
  | { kind: 'flood'; url: string; count: number; holdMs: number }
  /**
   * An attacker: `connections` WebSockets that write 1-byte text messages as fast as TCP takes
   * them for `forMs`, reading (and dropping) what comes back, so the station is never held back by them.
   */
  | { kind: 'message-flood'; host: string; port: number; path: string; connections: number; forMs: number };

/** Every connection's fate: how many the station dropped on arrival, closed later, or left open. */
async function slowHeaders(request: Extract<LanPeerRequest, { kind: 'slow-headers' }>): Promise<object> {
  const startedAt = Date.now();
  const closedAfterMs: number[] = [];
  let answered408 = 0;
  let resetEarly = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < request.count; i += 1) {
    const socket = connect(request.port, request.host);
    sockets.push(socket);
    let opened = Date.now();
    socket.on('connect', () => {
      opened = Date.now();
      socket.write(`GET /websocket/test HTTP/1.1\r\nHost: ${request.host}\r\nUpgrade: websocket\r\n`);
    });
    socket.on('data', (data: Buffer) => {
      if (data.toString().startsWith('HTTP/1.1 408')) answered408 += 1;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const lived = Date.now() - opened;
      if (lived < 500) resetEarly += 1;
      else closedAfterMs.push(lived);
    });
  }
  const feed = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed) socket.write('X-Slow: 1\r\n');
  }, 1000);
  await new Promise((resolve) => setTimeout(resolve, request.forMs));
  clearInterval(feed);
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return { resetEarly, answered408, closedAfterMs, stillOpen, tookMs: Date.now() - startedAt };
}

/** How many of the silent connections the station dropped at once, later, or left open. */
async function silentConnections(request: Extract<LanPeerRequest, { kind: 'silent-connections' }>): Promise<object> {
  let resetEarly = 0;
  const closedAfterMs: number[] = [];
  const sockets = Array.from({ length: request.count }, () => {
    const socket = connect(request.port, request.host);
    let opened = Date.now();
    socket.on('connect', () => (opened = Date.now()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const lived = Date.now() - opened;
      if (lived < 500) resetEarly += 1;
      else closedAfterMs.push(lived);
    });
    return socket;
  });
  await new Promise((resolve) => setTimeout(resolve, request.forMs));
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return { resetEarly, closedAfterMs, stillOpen };
}

async function flood(request: Extract<LanPeerRequest, { kind: 'flood' }>): Promise<object> {
  const sockets: WebSocket[] = [];
  let opened = 0;
  let refused = 0;
  for (let wave = 0; wave < request.count; wave += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, request.count - wave) }, () => {
        const socket = new WebSocket(request.url);
        sockets.push(socket);
        return new Promise<void>((resolve) => {
          socket.on('open', () => {
            opened += 1;
            resolve();
          });
          socket.on('error', () => {
            refused += 1;
            resolve();
          });
        });
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, request.holdMs));
  const stillOpen = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
  for (const socket of sockets) socket.terminate();
  return { opened, refused, stillOpen };
}

/** The one-byte text message "x", masked as a client must: 7 bytes on the wire. */
const TINY_MESSAGE = Buffer.from([0x81, 0x81, 0x01, 0x02, 0x03, 0x04, 0x78 ^ 0x01]);

async function messageFlood(request: Extract<LanPeerRequest, { kind: 'message-flood' }>): Promise<object> {
  // 64 KiB of messages per write, rewritten whenever TCP has taken the last.
  const burst = Buffer.concat(Array.from({ length: 9362 }, () => TINY_MESSAGE));
  let upgraded = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  let closedByStation = 0;
  const sockets = Array.from({ length: request.connections }, () => {
    const socket = connect(request.port, request.host, () =>
      socket.write(
        `GET ${request.path} HTTP/1.1\r\nHost: ${request.host}:${request.port}\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: bwb9SFiJONXhQ/A4pLaXIg==\r\n\r\n',
      ),
    );
    const pump = () => {
      while (!socket.destroyed && socket.write(burst)) bytesSent += burst.length;
    };
    socket.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 101')) return;
      upgraded += 1;
      socket.on('drain', pump);
      pump();
    });
    socket.on('data', (chunk: Buffer) => (bytesReceived += chunk.length));
    socket.on('error', () => undefined);
    socket.on('close', () => (closedByStation += 1));
    return socket;
  });
  await new Promise((resolve) => setTimeout(resolve, request.forMs));
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return { upgraded, bytesSent, bytesReceived, closedByStation, stillOpen };
}

async function session(request: Extract<LanPeerRequest, { kind: 'ws' }>): Promise<object> {
  const socket = new WebSocket(request.url, request.protocol ?? [], {
    headers: request.headers ?? {},
    ...(request.ca === undefined ? {} : { ca: request.ca }),
  });
  const received: string[] = [];
  return new Promise((resolve) => {
    socket.on('unexpected-response', (_req, response) => resolve({ status: response.statusCode }));
    socket.on('error', (error) => resolve({ error: error.message }));
    socket.on('open', () => {
      if (request.send !== undefined) socket.send(request.send);
      if (request.listenMs !== undefined) {
        setTimeout(() => {
          socket.close(1000);
          resolve({ status: 101, protocol: socket.protocol, received });
        }, request.listenMs);
      }
    });
    socket.on('message', (data: Buffer) => {
      received.push(data.toString());
      // Greeting, at least one tick, and the echo when something was sent.
      const wanted = request.send === undefined ? 2 : 3;
      if (
        request.listenMs === undefined &&
        received.length >= wanted &&
        (request.send === undefined || received.includes(request.send))
      ) {
        socket.close(1000);
        resolve({ status: 101, protocol: socket.protocol, received });
      }
    });
  });
}

async function run(request: LanPeerRequest): Promise<object> {
  switch (request.kind) {
    case 'http':
      return fetch(request.url, {
        method: request.method ?? 'GET',
        ...(request.body === undefined ? {} : { body: request.body, headers: { 'Content-Type': 'text/plain' } }),
      }).then(async (response) => ({ status: response.status, body: await response.text() }));
    case 'ws':
      return session(request);
    case 'slow-headers':
      return slowHeaders(request);
    case 'silent-connections':
      return silentConnections(request);
    case 'flood':
      return flood(request);
    case 'message-flood':
      return messageFlood(request);
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as LanPeerRequest;
  // Attacks run as long as they were asked to; a session must answer within 5 s.
  const limitMs =
    request.kind === 'slow-headers' || request.kind === 'message-flood' || request.kind === 'silent-connections'
      ? request.forMs + 5000
      : request.kind === 'flood'
        ? 30_000
        : 5000;
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: `no answer within ${limitMs / 1000} s` }));
    process.exit(0);
  }, limitMs).unref();
  const result = await run(request);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

void main();
