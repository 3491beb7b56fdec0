/**
 * The newest upgrades the station refused, each with its request as received (masked and capped
 * by request-head.ts): a ring of LIMITS.refusalsKept, so a flood of refusals costs a fixed amount.
 */
import type { IncomingMessage } from 'node:http';
import type { RefusalEntry } from '../../../common/station-status';
import { LIMITS } from '../config';
import { capped, captureRequestHead } from './request-head';

export class RefusalLog {
  readonly #entries: (RefusalEntry | undefined)[];
  #next = 0;
  #count = 0;
  #seq = 0;

  constructor(readonly capacity: number = LIMITS.refusalsKept) {
    this.#entries = new Array<RefusalEntry | undefined>(capacity);
  }

  add(request: IncomingMessage, status: number, reason: string): RefusalEntry {
    const entry: RefusalEntry = {
      seq: ++this.#seq,
      time: Date.now(),
      address: request.socket.remoteAddress ?? '',
      status,
      // A reason can quote the path or the Origin sent: capped like them.
      reason: capped(reason, LIMITS.keptTargetChars),
      request: captureRequestHead(request),
    };
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.#count + 1, this.capacity);
    return entry;
  }

  /** Those after `afterSeq` (all for 0), oldest first, newest last. */
  list(afterSeq = 0): RefusalEntry[] {
    const newer = Math.min(this.#count, Math.max(0, this.#seq - afterSeq));
    const start = (this.#next - newer + this.capacity) % this.capacity;
    const listed: RefusalEntry[] = [];
    for (let i = 0; i < newer; i++) {
      const entry = this.#entries[(start + i) % this.capacity];
      if (entry) listed.push(entry);
    }
    return listed;
  }
}
