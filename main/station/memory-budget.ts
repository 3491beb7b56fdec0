/**
 * The station-wide memory budget for what peers make it hold: output queued for peers that do
 * not read, and messages still being assembled. A shared watch sums both a few times a second,
 * closes the largest holders with 1008 while the sum is over the budget, and closes a peer
 * whose message is not complete within the deadline.
 */
import { CloseCode } from '../../common/protocol';
import type { MemoryStatus } from '../../common/station-status';
import { LIMITS } from './config';
import type { EscapedErrors } from './escaped-errors';
import type { Peer } from './peer';

export class MemoryBudget {
  #outputBytes = 0;
  #partialInputBytes = 0;
  #closedOverBudget = 0;
  #closedOverDeadline = 0;

  constructor(
    readonly budgetBytes: number,
    readonly messageDeadlineMs: number,
  ) {}

  /** Measures every peer and closes those the budget or the deadline rule out. */
  sweep(peers: Iterable<Peer>, now = performance.now()): void {
    let output = 0;
    let partial = 0;
    let leaving = 0;
    const open: Peer[] = [];
    for (const peer of peers) {
      const queued = peer.socket.bufferedAmount;
      const assembling = peer.partialInputBytes();
      output += queued;
      partial += assembling;
      // A closing peer holds its bytes until it is gone (within the close grace): count them,
      // but as already on their way out, so they do not make the watch close anyone else.
      if (peer.socket.readyState !== peer.socket.OPEN) {
        leaving += queued + assembling;
        continue;
      }
      if (queued + assembling > 0) open.push(peer);
      this.#enforceDeadline(peer, assembling, now);
    }
    this.#outputBytes = output;
    this.#partialInputBytes = partial;
    let excess = output + partial - leaving - this.budgetBytes;
    if (excess <= 0) return;
    open.sort((a, b) => b.heldBytes() - a.heldBytes());
    for (const peer of open) {
      if (excess <= 0) break;
      const held = peer.heldBytes();
      excess -= held;
      this.#closedOverBudget += 1;
      const reason = `Station memory budget exceeded: this connection held ${mebibytes(held)} MiB`;
      // A peer with unread output would never see the Close behind it: drop it now.
      const reading = peer.socket.bufferedAmount <= LIMITS.tickSkipBufferedBytes;
      peer.closeWithin(CloseCode.policyViolation, reason, reading ? LIMITS.closeGraceMs : 0);
    }
  }

  #enforceDeadline(peer: Peer, assembling: number, now: number): void {
    // A paused peer is waiting for the station, not the other way round.
    if (assembling === 0 || peer.socket.isPaused) {
      peer.partialSince = 0;
      return;
    }
    if (peer.partialSince === 0) {
      peer.partialSince = now;
      return;
    }
    if (now - peer.partialSince < this.messageDeadlineMs) return;
    this.#closedOverDeadline += 1;
    const reason = `Message not completed within ${this.messageDeadlineMs / 1000} s`;
    peer.closeWithin(CloseCode.policyViolation, reason, LIMITS.closeGraceMs);
  }

  status(): MemoryStatus {
    return {
      budgetBytes: this.budgetBytes,
      usedBytes: this.#outputBytes + this.#partialInputBytes,
      queuedOutputBytes: this.#outputBytes,
      partialInputBytes: this.#partialInputBytes,
      closedOverBudget: this.#closedOverBudget,
      closedOverDeadline: this.#closedOverDeadline,
    };
  }
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** Sweeps on one shared interval; returns the function that stops it. */
export function startMemoryWatch(
  budget: MemoryBudget,
  peers: Iterable<Peer>,
  periodMs: number,
  escaped: EscapedErrors,
): () => void {
  const timer = setInterval(
    escaped.guard('the memory watch', () => budget.sweep(peers)),
    periodMs,
  );
  return () => clearInterval(timer);
}
