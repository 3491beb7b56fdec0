/**
 * A bounded, station-wide record of what peers sent and were sent, for the host to read per peer:
 * the newest RECORD_ENTRIES messages, each with a short preview (text up to PREVIEW_BYTES, binary
 * as hex of its first PREVIEW_HEX_BYTES). Ticks are left out, or they would flush everything
 * else within seconds. Nothing is kept per idle peer: one ring buffer serves every peer.
 */
import type { TrafficEntry, TrafficKind } from '../../common/station-status';

export const RECORD_ENTRIES = 10_000;
export const PREVIEW_BYTES = 256;
export const PREVIEW_HEX_BYTES = 64;

export class TrafficRecord {
  readonly #entries: (TrafficEntry | undefined)[] = new Array<TrafficEntry | undefined>(RECORD_ENTRIES);
  #next = 0;
  #seq = 0;

  /** Records a message; returns its entry. */
  add(peerId: number, direction: 'in' | 'out', kind: TrafficKind, data: Buffer, binary: boolean): TrafficEntry {
    const preview = binary
      ? data.subarray(0, PREVIEW_HEX_BYTES).toString('hex')
      : data.toString('utf8', 0, Math.min(data.length, PREVIEW_BYTES));
    return this.#store({
      seq: 0,
      peerId,
      time: Date.now(),
      direction,
      kind,
      size: data.length,
      binary,
      preview,
      truncated: data.length > (binary ? PREVIEW_HEX_BYTES : PREVIEW_BYTES),
    });
  }

  /** Records a text the station made itself (a close code and reason), as add() would its UTF-8 bytes. */
  addText(peerId: number, direction: 'in' | 'out', kind: TrafficKind, text: string): TrafficEntry {
    const size = Buffer.byteLength(text);
    if (size > PREVIEW_BYTES) return this.add(peerId, direction, kind, Buffer.from(text), false);
    return this.#store({
      seq: 0,
      peerId,
      time: Date.now(),
      direction,
      kind,
      size,
      binary: false,
      preview: text,
      truncated: false,
    });
  }

  /**
   * Records the echo of a message just recorded: the same content, so the same preview, without
   * decoding it again (echoes are the hot path). `size` is the echo frame's, JSON-wrapped or not.
   */
  addEcho(message: TrafficEntry, size: number): void {
    this.#store({ ...message, direction: 'out', kind: 'echo', size });
  }

  #store(entry: TrafficEntry): TrafficEntry {
    entry.seq = ++this.#seq;
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % RECORD_ENTRIES;
    return entry;
  }

  /** One peer's entries still in the record, oldest first. */
  forPeer(peerId: number): TrafficEntry[] {
    const found: TrafficEntry[] = [];
    for (let i = 0; i < RECORD_ENTRIES; i += 1) {
      const entry = this.#entries[(this.#next + i) % RECORD_ENTRIES];
      if (entry?.peerId === peerId) found.push(entry);
    }
    return found;
  }
}
