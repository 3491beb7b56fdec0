/**
 * The station-wide memory budget for what peers make it hold: output queued for peers that do
 * not read, and input held for them (messages still arriving or waiting their turn; see
 * input-meter.ts). A shared watch sums both a few times a second, closes the largest holders
 * with 1008 while the sum is over the budget, and closes a peer whose message is not complete
 * within the deadline. Between two sums, every chunk read from a peer is counted as it arrives
 * (whatever the station holds anew came in that way, as input or as a message whose echo is
 * queued), and a sum is taken at once when those bytes may have taken the station over the budget.
 */
import { CloseCode } from '../../../common/protocol';
import type { MemoryStatus } from '../../../common/station-status';
import { LIMITS } from '../config';
import type { EscapedErrors } from '../escaped-errors';
import type { Peer } from './peer';

/** The least time between two sums taken early because input piled up. */
const MIN_EARLY_SWEEP_GAP_MS = 20;

export class MemoryBudget {
  #outputBytes = 0;
  #heldInputBytes = 0;
  /** What the chunks read since the last sum may hold: an upper bound on what was added meanwhile. */
  #inputSinceSweep = 0;
  #lastSweepAt = performance.now();
  #closedOverBudget = 0;
  #closedOverDeadline = 0;

  constructor(
    readonly budgetBytes: number,
    readonly messageDeadlineMs: number,
    private readonly peers: Iterable<Peer>,
  ) {}

  /** Counts what one chunk read from a peer may hold (InputMeter.scan's answer). */
  countInput(bytes: number): void {
    this.#inputSinceSweep += bytes;
    const estimate = this.#outputBytes + this.#heldInputBytes + this.#inputSinceSweep;
    if (estimate > this.budgetBytes && performance.now() - this.#lastSweepAt >= MIN_EARLY_SWEEP_GAP_MS) {
      this.sweep();
    }
  }

  /** Measures every peer and closes those the budget or the deadline rule out. */
  sweep(now = performance.now()): void {
    const sinceLastSweep = now - this.#lastSweepAt;
    this.#lastSweepAt = now;
    this.#inputSinceSweep = 0;
    let output = 0;
    let input = 0;
    let leaving = 0;
    const holders: { peer: Peer; held: number }[] = [];
    for (const peer of this.peers) {
      const queued = peer.socket.bufferedAmount;
      const held = peer.input.heldBytes();
      output += queued;
      input += held;
      // A closing peer holds its bytes until it is gone (within the close grace): count them,
      // but as already on their way out, so they do not make the watch close anyone else.
      if (peer.socket.readyState !== peer.socket.OPEN) {
        leaving += queued + held;
        continue;
      }
      this.#enforceDeadline(peer, now, sinceLastSweep);
      if (queued + held > 0) holders.push({ peer, held: queued + held });
    }
    this.#outputBytes = output;
    this.#heldInputBytes = input;
    let excess = output + input - leaving - this.budgetBytes;
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

  #enforceDeadline(peer: Peer, now: number, sinceLastSweep: number): void {
    const start = peer.input.inProgressStart();
    if (start !== peer.deadlineMessage) {
      // Each message has its deadline: one that was finished does not count against the next.
      peer.deadlineMessage = start;
      peer.deadlineClockStart = 0;
      peer.deadlineCreditMs = 0;
    }
    if (start === -1) return;
    if (peer.deadlineClockStart === 0) {
      peer.deadlineClockStart = now;
      return;
    }
    // While the station is the one behind (messages before this one not yet taken, or reading
    // held, for the peer's unread echoes or its message rate) the clock is credited the time, up to
    // one deadline a message: a peer that keeps the station behind cannot stop its clock for good.
    const credit = Math.min(sinceLastSweep, this.messageDeadlineMs - peer.deadlineCreditMs);
    if (credit > 0 && (peer.readingHeld || !peer.input.awaitingPeer())) {
      peer.deadlineCreditMs += credit;
      peer.deadlineClockStart += credit;
      return;
    }
    if (now - peer.deadlineClockStart < this.messageDeadlineMs) return;
    this.#closedOverDeadline += 1;
    const reason = `Message not completed within ${this.messageDeadlineMs / 1000} s`;
    peer.closeWithin(CloseCode.policyViolation, reason, LIMITS.closeGraceMs);
  }

  status(): MemoryStatus {
    return {
      budgetBytes: this.budgetBytes,
      usedBytes: this.#outputBytes + this.#heldInputBytes,
      queuedOutputBytes: this.#outputBytes,
      heldInputBytes: this.#heldInputBytes,
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
