/**
 * Token guessing: after a run of wrong tokens from one address, that address is refused for a
 * cooling period before any comparison is made (429 with Retry-After). Loopback never presents
 * a token and is never throttled. The right token works again once the period is over.
 *
 * An address is counted under its key (address-key.ts): an IPv6 host is its /64, so it cannot
 * pick a fresh address for every guess. Records are forgotten least recently failed first once
 * there are more than maxAddresses, but never while locked out: otherwise failing once from
 * enough other addresses would wipe a lockout and let the guessing go on.
 */
import { addressKey } from './address-key';

export interface TokenThrottleOptions {
  /** Wrong tokens from one address within failureWindowMs that start a lockout. */
  failures: number;
  failureWindowMs: number;
  lockoutMs: number;
  /** Addresses remembered at most (more only while locked out); the least recent are forgotten first. */
  maxAddresses: number;
}

interface AddressRecord {
  /** Wrong tokens in the current window. */
  failures: number;
  windowStart: number;
  lockedUntil: number;
  /** When the last wrong token came: which of two forgettable records goes first. */
  lastFailure: number;
}

export class TokenThrottle {
  /** Records not locked out, least recently failed first (re-inserted on every failure). */
  readonly #open = new Map<string, AddressRecord>();
  /**
   * Records locked out, in the order their lockouts started, so the first to end comes first.
   * A record stays here after its lockout ends, until it fails again or is forgotten.
   */
  readonly #locked = new Map<string, AddressRecord>();
  #lockouts = 0;

  constructor(private readonly options: TokenThrottleOptions) {}

  /** Milliseconds this address must still wait, 0 when it may try. */
  remainingLockout(address: string, now = Date.now()): number {
    const key = addressKey(address);
    const record = this.#locked.get(key) ?? this.#open.get(key);
    return record === undefined ? 0 : Math.max(0, record.lockedUntil - now);
  }

  /** Counts a wrong token; true when this one starts a lockout (an episode, logged once). */
  recordFailure(address: string, now = Date.now()): boolean {
    const key = addressKey(address);
    const known = this.#locked.get(key) ?? this.#open.get(key);
    const record = known ?? { failures: 0, windowStart: now, lockedUntil: 0, lastFailure: now };
    if (now - record.windowStart > this.options.failureWindowMs) {
      record.failures = 0;
      record.windowStart = now;
    }
    record.failures += 1;
    record.lastFailure = now;
    const startsLockout = record.failures >= this.options.failures;
    if (startsLockout) {
      record.failures = 0;
      record.windowStart = now;
      record.lockedUntil = now + this.options.lockoutMs;
      this.#lockouts += 1;
    }
    // Filed anew: a lockout that starts goes last among the locked (it ends last); a locked
    // record keeps its place; any other goes last among the open (it failed most recently).
    this.#open.delete(key);
    if (startsLockout || record.lockedUntil <= now) this.#locked.delete(key);
    (record.lockedUntil > now ? this.#locked : this.#open).set(key, record);
    this.#forgetBeyondMax(key, now);
    return startsLockout;
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#open.size + this.#locked.size;
  }

  /** Lockouts started since the station started. */
  get lockouts(): number {
    return this.#lockouts;
  }

  /**
   * Forgets the least recently failed records that are not locked out (the first open one, or
   * the first locked one once its lockout has ended) until at most maxAddresses are left. Each
   * pass forgets one record or stops, so this is O(1) amortised per failure. When all the others
   * are locked out, the record just failed is kept all the same, and so are they: the excess is
   * bounded, being lockouts still running, each of which cost the guesser `failures` wrong tokens
   * (connections the station answered one by one) within the last lockoutMs + failureWindowMs.
   */
  #forgetBeyondMax(current: string, now: number): void {
    while (this.size > this.options.maxAddresses) {
      let victim = first(this.#open);
      if (victim?.[0] === current) victim = undefined;
      const oldestLockout = first(this.#locked);
      if (
        oldestLockout !== undefined &&
        oldestLockout[1].lockedUntil <= now &&
        (victim === undefined || oldestLockout[1].lastFailure < victim[1].lastFailure)
      ) {
        victim = oldestLockout;
      }
      if (victim === undefined) return;
      this.#open.delete(victim[0]);
      this.#locked.delete(victim[0]);
    }
  }
}

function first<K, V>(map: Map<K, V>): [K, V] | undefined {
  return map.entries().next().value;
}
