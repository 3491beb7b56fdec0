/**
 * The WebSocket routes, mounted at WEBSOCKET_MOUNT_PATH as the seed has them. The station
 * vets every upgrade against websocketPaths before express-ws completes it.
 */
import express from 'express';
import type { Instance as ExpressWsInstance } from 'express-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { TEST_ENDPOINT_PATH, TEST_ROUTE_PATH } from '../../../common/protocol';

/** Every full path that has a WebSocket route below. */
export const websocketPaths: ReadonlySet<string> = new Set([TEST_ENDPOINT_PATH]);

export function createWebSocketRouter(
  expressWs: ExpressWsInstance,
  onTestPeer: (socket: WebSocket, request: IncomingMessage) => void,
): express.Router {
  const router = express.Router();
  expressWs.applyTo(router);
  router.ws(TEST_ROUTE_PATH, (socket, request) => onTestPeer(socket, request));
  // A plain HTTP request here (a browser tab pointed at the ws:// URL as http://) learns what this is.
  router.get(TEST_ROUTE_PATH, (_request, response) => {
    response
      .status(426)
      .set({ Upgrade: 'websocket', Connection: 'Upgrade' })
      .type('text/plain')
      .send('This is a WebSocket endpoint: connect to it with a ws:// URL.\n');
  });
  return router;
}
