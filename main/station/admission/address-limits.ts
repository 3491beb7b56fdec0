/**
 * Per remote address limits on TCP connections, so one LAN host cannot take every descriptor:
 * how many may be open at once, and how many of those may still be in the HTTP stage (not yet a
 * WebSocket: a handshake in progress, a page load, a slow or silent client). Loopback is never
 * limited: it is this computer, and load generators there are the host's own. A host is its
 * address's key (address-key.ts): an IPv4 address, or an IPv6 /64.
 */
import type { Socket } from 'node:net';
import { addressKey } from './address-key';
import { isLoopbackAddress } from '../addresses';

export type ConnectionRefusal = 'pending-per-address' | 'open-per-address';

interface AddressCount {
  open: number;
  pending: number;
}

const TRACKED = Symbol('address-limits');
type TrackedSocket = Socket & { [TRACKED]?: { key: string; pending: boolean } };

export class AddressLimits {
  readonly #counts = new Map<string, AddressCount>();
  /** One 'close' listener for every tracked socket (called with the socket as `this`). */
  readonly #release: (this: TrackedSocket) => void;

  constructor(
    private readonly maxOpen: number,
    private readonly maxPending: number,
  ) {
    const counts = this.#counts;
    this.#release = function (this: TrackedSocket) {
      const tracked = this[TRACKED];
      const count = tracked && counts.get(tracked.key);
      if (!tracked || !count) return;
      count.open -= 1;
      if (tracked.pending) count.pending -= 1;
      if (count.open === 0) counts.delete(tracked.key);
    };
  }

  /** Takes a new connection, or says why it must be refused (the caller drops it). */
  admit(socket: Socket): ConnectionRefusal | null {
    const address = socket.remoteAddress ?? '';
    if (isLoopbackAddress(address)) return null;
    const key = addressKey(address);
    const count = this.#counts.get(key) ?? { open: 0, pending: 0 };
    if (count.open >= this.maxOpen) return 'open-per-address';
    if (count.pending >= this.maxPending) return 'pending-per-address';
    count.open += 1;
    count.pending += 1;
    this.#counts.set(key, count);
    (socket as TrackedSocket)[TRACKED] = { key, pending: true };
    // 'close' comes once: a plain listener, without once()'s wrapper per connection.
    socket.on('close', this.#release);
    return null;
  }

  /** The connection became a WebSocket: it no longer counts as pending. */
  established(socket: Socket): void {
    const tracked = (socket as TrackedSocket)[TRACKED];
    if (!tracked?.pending) return;
    tracked.pending = false;
    const count = this.#counts.get(tracked.key);
    if (count) count.pending -= 1;
  }
}
