/**
 * Runs inside the LAN host's namespace: one WebSocket session or one HTTP GET against the
 * station, printed as one JSON object. Usage: node lan-peer.js '<request as JSON>'.
 */
import { WebSocket } from 'ws';

export type LanPeerRequest =
  | { kind: 'http'; url: string }
  | { kind: 'ws'; url: string; headers?: Record<string, string>; protocol?: string; send?: string };

async function session(request: Extract<LanPeerRequest, { kind: 'ws' }>): Promise<object> {
  const socket = new WebSocket(request.url, request.protocol ?? [], { headers: request.headers ?? {} });
  const received: string[] = [];
  return new Promise((resolve) => {
    socket.on('unexpected-response', (_req, response) => resolve({ status: response.statusCode }));
    socket.on('error', (error) => resolve({ error: error.message }));
    socket.on('open', () => {
      if (request.send !== undefined) socket.send(request.send);
    });
    socket.on('message', (data: Buffer) => {
      received.push(data.toString());
      // Greeting, at least one tick, and the echo when something was sent.
      const wanted = request.send === undefined ? 2 : 3;
      if (received.length >= wanted && (request.send === undefined || received.includes(request.send))) {
        socket.close(1000);
        resolve({ status: 101, protocol: socket.protocol, received });
      }
    });
  });
}

async function main(): Promise<void> {
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: 'no answer within 5 s' }));
    process.exit(0);
  }, 5000).unref();
  const request = JSON.parse(process.argv[2] ?? '{}') as LanPeerRequest;
  const result =
    request.kind === 'http'
      ? await fetch(request.url).then(async (response) => ({ status: response.status, body: await response.text() }))
      : await session(request);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

void main();
