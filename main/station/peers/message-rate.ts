/**
 * The optional per-peer message rate (`maxMessagesPerSecond`): a peer that sends faster is slowed,
 * never closed and never loses a message. Each peer has a token bucket holding one second's worth;
 * the messages of every chunk read are taken as they complete on the wire, and a peer that ends
 * up owing tokens is not read from (TCP then holds its sender back) until it has paid them back.
 * Its average rate is the limit; a burst is at most one second's worth plus one read.
 * One timer serves every slowed peer, armed only while some are.
 */
import type { EscapedErrors } from '../escaped-errors';
import { PauseReason, type Peer } from './peer';

export class MessageRate {
  readonly #slowed = new Set<Peer>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #timesSlowed = 0;
  /** Set by stop(): no timer is armed again, so the station's process can end. */
  #stopped = false;
  readonly #resumeDue: () => void;

  constructor(
    readonly perSecond: number,
    escaped: EscapedErrors,
  ) {
    this.#resumeDue = escaped.guard('the message rate', () => this.#resume(performance.now()));
  }

  /** A peer starts with a full second's worth. */
  admit(peer: Peer, now = performance.now()): void {
    peer.rateTokens = this.perSecond;
    peer.rateCheckedAt = now;
  }

  /** `messages` completed on the wire by `peer`: slows it when it now owes tokens. */
  take(peer: Peer, messages: number, now = performance.now()): void {
    if (messages === 0) return;
    this.#refill(peer, now);
    peer.rateTokens -= messages;
    if (peer.rateTokens >= 0 || this.#slowed.has(peer)) return;
    this.#slowed.add(peer);
    this.#timesSlowed += 1;
    peer.holdReading(PauseReason.messageRate);
    this.#arm(now + this.#owedMs(peer));
  }

  /** A peer that left is forgotten. */
  forget(peer: Peer): void {
    this.#slowed.delete(peer);
  }

  /** Times a peer was slowed since the station started. */
  get timesSlowed(): number {
    return this.#timesSlowed;
  }

  /** Stops the timer (the station is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #refill(peer: Peer, now: number): void {
    peer.rateTokens = Math.min(this.perSecond, peer.rateTokens + ((now - peer.rateCheckedAt) * this.perSecond) / 1000);
    peer.rateCheckedAt = now;
  }

  #owedMs(peer: Peer): number {
    return Math.max(0, (-peer.rateTokens * 1000) / this.perSecond);
  }

  #resume(now: number): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    let next = Infinity;
    for (const peer of this.#slowed) {
      this.#refill(peer, now);
      if (peer.rateTokens >= 0) {
        this.#slowed.delete(peer);
        peer.releaseReading(PauseReason.messageRate);
      } else {
        next = Math.min(next, now + this.#owedMs(peer));
      }
    }
    if (next !== Infinity) this.#arm(next);
  }

  #arm(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // At least a millisecond: timers round down, and a peer owing a fraction must not spin the loop.
    this.#timer = setTimeout(this.#resumeDue, Math.max(1, Math.ceil(at - performance.now())));
  }
}
