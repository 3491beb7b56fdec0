/**
 * Liveness: one shared interval pings every peer; a peer that has not answered the previous
 * ping by the next round is terminated, which frees its socket and its place in the registry.
 *
 * While the station holds back reading from a peer its pong waits unread, so silence is not held
 * against it: a peer slowed for its message rate has just shown it is there, and one paused for
 * not reading its echoes is there as long as it takes some of what is queued for it.
 */
import type { EscapedErrors } from '../escaped-errors';
import { PauseReason, type Peer } from './peer';

export function startHeartbeat(periodMs: number, peers: Iterable<Peer>, escaped: EscapedErrors): () => void {
  const round = escaped.guard('a heartbeat', () => {
    for (const peer of peers) {
      if (peer.readingHeldFor(PauseReason.messageRate)) {
        peer.answeredPing = true;
        continue;
      }
      const tookOutput =
        peer.readingHeldFor(PauseReason.echoBackpressure) && peer.socket.bufferedAmount < peer.bufferedAtPing;
      if (!peer.answeredPing && !tookOutput) {
        peer.socket.terminate();
        continue;
      }
      peer.answeredPing = false;
      peer.pingSentAt = performance.now();
      peer.socket.ping();
      peer.bufferedAtPing = peer.socket.bufferedAmount;
    }
  });
  const timer = setInterval(round, periodMs);
  return () => clearInterval(timer);
}
