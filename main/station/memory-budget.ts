/**
 * The station-wide memory budget for what peers make it hold: output queued for peers that do
 * not read, and messages still being assembled. A shared watch sums both a few times a second,
 * closes the largest holders with 1008 while the sum is over the budget, and closes a peer
 * whose message is not complete within the deadline. Between two sums, every byte read from a
 * peer is counted as it arrives (whatever the station holds anew came in that way, as a partial
 * message or as a message whose echo is queued), and a sum is taken at once when those bytes may
 * have taken the station over the budget.
 */
import { CloseCode } from '../../common/protocol';
import type { MemoryStatus } from '../../common/station-status';
import { LIMITS } from './config';
import type { EscapedErrors } from './escaped-errors';
import type { Peer } from './peer';

/** The least time between two sums taken early because input piled up. */
const MIN_EARLY_SWEEP_GAP_MS = 20;

export class MemoryBudget {
  #outputBytes = 0;
  #partialInputBytes = 0;
  /** Bytes read from peers since the last sum: an upper bound on what was added meanwhile. */
  #inputSinceSweep = 0;
  #lastSweepAt = 0;
  #closedOverBudget = 0;
  #closedOverDeadline = 0;

  constructor(
    readonly budgetBytes: number,
    readonly messageDeadlineMs: number,
    private readonly peers: Iterable<Peer>,
  ) {}

  /** A listener for every peer connection's 'data': one function for all peers, no closure each. */
  readonly countInput = (chunk: Buffer): void => {
    this.#inputSinceSweep += chunk.length;
    const estimate = this.#outputBytes + this.#partialInputBytes + this.#inputSinceSweep;
    if (estimate > this.budgetBytes && performance.now() - this.#lastSweepAt >= MIN_EARLY_SWEEP_GAP_MS) {
      this.sweep();
    }
  };

  /** Measures every peer and closes those the budget or the deadline rule out. */
  sweep(now = performance.now()): void {
    this.#lastSweepAt = now;
    this.#inputSinceSweep = 0;
    let output = 0;
    let partial = 0;
    let leaving = 0;
    const holders: { peer: Peer; held: number }[] = [];
    for (const peer of this.peers) {
      const queued = peer.socket.bufferedAmount;
      const assembling = peer.partialInputBytes();
      output += queued;
      partial += assembling;
      if (peer.socket.readyState === peer.socket.OPEN) this.#enforceDeadline(peer, assembling, now);
      // A closing peer holds its bytes until it is gone (within the close grace): count them,
      // but as already on their way out, so they do not make the watch close anyone else.
      if (peer.socket.readyState !== peer.socket.OPEN) {
        leaving += queued + assembling;
        continue;
      }
      if (queued + assembling > 0) holders.push({ peer, held: queued + assembling });
    }
    this.#outputBytes = output;
    this.#partialInputBytes = partial;
    let excess = output + partial - leaving - this.budgetBytes;
    if (excess <= 0) return;
    holders.sort((a, b) => b.held - a.held);
    for (const { peer, held } of holders) {
      if (excess <= 0) break;
      excess -= held;
      this.#closedOverBudget += 1;
      const reason = `Station memory budget exceeded: this connection held ${mebibytes(held)} MiB`;
      // Its memory is what must go: the Close is written, reading stops, and the connection is
      // dropped right after instead of waiting for an answer.
      peer.closeWithin(CloseCode.policyViolation, reason, 0, true);
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
export function startMemoryWatch(budget: MemoryBudget, periodMs: number, escaped: EscapedErrors): () => void {
  const timer = setInterval(
    escaped.guard('the memory watch', () => budget.sweep()),
    periodMs,
  );
  return () => clearInterval(timer);
}
