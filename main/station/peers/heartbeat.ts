/**
 * Liveness: one shared interval pings every peer; a peer that has not answered the previous
 * ping by the next round is terminated, which frees its socket and its place in the registry.
 */
import type { EscapedErrors } from '../escaped-errors';
import type { Peer } from './peer';

export function startHeartbeat(periodMs: number, peers: Iterable<Peer>, escaped: EscapedErrors): () => void {
  const round = escaped.guard('a heartbeat', () => {
    for (const peer of peers) {
      if (!peer.answeredPing) {
        peer.socket.terminate();
        continue;
      }
      peer.answeredPing = false;
      peer.socket.ping();
    }
  });
  const timer = setInterval(round, periodMs);
  return () => clearInterval(timer);
}
