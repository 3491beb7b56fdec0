/**
 * Ending the station promptly whatever its peers do: every WebSocket ws holds gets the Close,
 * those that have not answered within the grace period are dropped, and then every TCP
 * connection still open (a handshake half sent, a refusal not yet read) is destroyed.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface ShutdownTargets {
  /** Every WebSocket the server holds, peers or not. */
  websockets: Iterable<WebSocket>;
  /** Every TCP connection the server accepted that is still open. */
  connections: Iterable<Socket>;
}

export async function closeEverything(
  targets: ShutdownTargets,
  code: number,
  reason: string,
  graceMs: number,
): Promise<void> {
  const websockets = [...targets.websockets];
  const allClosed = Promise.all(
    websockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) {
            resolve();
            return;
          }
          socket.once('close', () => resolve());
          socket.close(code, reason);
        }),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([allClosed, grace]);
  clearTimeout(timer);
  for (const socket of websockets) socket.terminate();
  for (const connection of [...targets.connections]) connection.destroy();
  await allClosed;
}
