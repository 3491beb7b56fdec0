/**
 * Token guessing: after a run of wrong tokens from one address, that address is refused for a
 * cooling period before any comparison is made (429 with Retry-After). Loopback never presents
 * a token and is never throttled. The right token works again once the period is over.
 */

export interface TokenThrottleOptions {
  /** Wrong tokens from one address within failureWindowMs that start a lockout. */
  failures: number;
  failureWindowMs: number;
  lockoutMs: number;
  /** Addresses remembered at most; the oldest are forgotten first. */
  maxAddresses: number;
}

interface AddressRecord {
  /** Wrong tokens in the current window. */
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export class TokenThrottle {
  readonly #records = new Map<string, AddressRecord>();
  #lockouts = 0;

  constructor(private readonly options: TokenThrottleOptions) {}

  /** Milliseconds this address must still wait, 0 when it may try. */
  remainingLockout(address: string, now = Date.now()): number {
    const record = this.#records.get(address);
    return record === undefined ? 0 : Math.max(0, record.lockedUntil - now);
  }

  /** Counts a wrong token; true when this one starts a lockout (an episode, logged once). */
  recordFailure(address: string, now = Date.now()): boolean {
    let record = this.#records.get(address);
    if (record === undefined || now - record.windowStart > this.options.failureWindowMs) {
      record = { failures: 0, windowStart: now, lockedUntil: record?.lockedUntil ?? 0 };
    }
    record.failures += 1;
    // Re-inserted, so the map's order is least recently failed first.
    this.#records.delete(address);
    this.#records.set(address, record);
    for (const oldest of this.#records.keys()) {
      if (this.#records.size <= this.options.maxAddresses) break;
      this.#records.delete(oldest);
    }
    if (record.failures < this.options.failures) return false;
    record.failures = 0;
    record.windowStart = now;
    record.lockedUntil = now + this.options.lockoutMs;
    this.#lockouts += 1;
    return true;
  }

  /** Lockouts started since the station started. */
  get lockouts(): number {
    return this.#lockouts;
  }
}
