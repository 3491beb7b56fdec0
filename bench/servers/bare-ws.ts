/**
 * The baseline: a plain ws 8 server on node:http doing the same greeting, ticks from one shared
 * timer and echo, with nothing else (no express, limits, Origin rules or peers view). The
 * practical limit of this stack. With `fairShare`, ws emits one message per peer per event-loop
 * turn (`allowSynchronousEvents: false`), as the station does: what that alone costs. With
 * `tls`, the same on node:https: the baseline for wss://.
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { intervalSlots, recordFanOut } from './fan-out-clock';

export interface BenchServer {
  port: number;
  close(): Promise<void>;
}

export async function startBareWs(
  fairShare: boolean,
  tickMs = 1000,
  tls?: { cert: string; key: string },
): Promise<BenchServer> {
  const server = tls === undefined ? createServer() : createHttpsServer(tls);
  const wss = new WebSocketServer({ server, path: '/websocket/test', allowSynchronousEvents: !fairShare });
  wss.on('connection', (socket) => {
    socket.send('连接成功');
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const nextSlot = intervalSlots(tickMs);
  const timer = setInterval(() => {
    const slotAt = nextSlot();
    const value = Buffer.from(Math.random().toFixed(2));
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(value, { binary: false });
    recordFanOut(slotAt);
  }, tickMs);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        for (const client of wss.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
