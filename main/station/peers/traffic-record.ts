/**
 * A bounded, station-wide record of what peers sent and were sent, for the host to read per peer:
 * the newest RECORD_ENTRIES messages, each with a short preview (text up to PREVIEW_BYTES, binary
 * as hex of its first PREVIEW_HEX_BYTES). Ticks and scripted streams are left out, or they would
 * flush everything else within seconds. Nothing is kept per idle peer: one ring buffer serves every
 * peer.
 */
import { TRAFFIC_KINDS, type TrafficEntry, type TrafficKind } from '../../../common/station-status';

export const RECORD_ENTRIES = 10_000;
export const PREVIEW_BYTES = 256;
export const PREVIEW_HEX_BYTES = 64;

const OUT = 1;
const BINARY = 2;
const TRUNCATED = 4;
/** The kind's index in TRAFFIC_KINDS sits above the three flags. */
const KIND_SHIFT = 3;
/** Each kind's bits in the flags, worked out once rather than looked up on every message. */
const KIND_BITS = Object.fromEntries(TRAFFIC_KINDS.map((kind, index) => [kind, index << KIND_SHIFT])) as Record<
  TrafficKind,
  number
>;

/**
 * The ring is kept as columns (typed arrays, and one array of previews), allocated once: an
 * entry costs no object and no boxed numbers, only its preview, and a preview equal to the one
 * before it (a greeting to every peer, a host message to all) is stored once.
 */
export class TrafficRecord {
  /** Station-wide order; 0 marks a slot not used yet. */
  readonly #seq = new Float64Array(RECORD_ENTRIES);
  readonly #time = new Float64Array(RECORD_ENTRIES);
  readonly #peerId = new Uint32Array(RECORD_ENTRIES);
  readonly #size = new Uint32Array(RECORD_ENTRIES);
  readonly #flags = new Uint8Array(RECORD_ENTRIES);
  readonly #preview: string[] = new Array<string>(RECORD_ENTRIES).fill('');
  #next = 0;
  #lastSeq = 0;

  /** Records a message; returns its slot, for addEcho. */
  add(peerId: number, direction: 'in' | 'out', kind: TrafficKind, data: Buffer, binary: boolean): number {
    let preview = binary
      ? data.subarray(0, PREVIEW_HEX_BYTES).toString('hex')
      : data.toString('utf8', 0, Math.min(data.length, PREVIEW_BYTES));
    const previous = this.#preview[(this.#next + RECORD_ENTRIES - 1) % RECORD_ENTRIES] as string;
    if (preview === previous) preview = previous;
    const truncated = data.length > (binary ? PREVIEW_HEX_BYTES : PREVIEW_BYTES);
    const flags = (direction === 'out' ? OUT : 0) | (binary ? BINARY : 0) | (truncated ? TRUNCATED : 0);
    return this.#store(peerId, Date.now(), KIND_BITS[kind] | flags, data.length, preview);
  }

  /** Records a text the station made itself (a close code and reason), as add() would its UTF-8 bytes. */
  addText(peerId: number, direction: 'in' | 'out', kind: TrafficKind, text: string): number {
    const size = Buffer.byteLength(text);
    if (size > PREVIEW_BYTES) return this.add(peerId, direction, kind, Buffer.from(text), false);
    const flags = direction === 'out' ? OUT : 0;
    return this.#store(peerId, Date.now(), KIND_BITS[kind] | flags, size, text);
  }

  /**
   * Records the echo of a message just recorded: the same content, so the same preview, without
   * decoding it again (echoes are the hot path). `size` is the echo frame's, JSON-wrapped or not.
   */
  addEcho(message: number, size: number): void {
    const flags = ((this.#flags[message] as number) & (BINARY | TRUNCATED)) | OUT;
    this.#store(
      this.#peerId[message] as number,
      this.#time[message] as number,
      KIND_BITS.echo | flags,
      size,
      this.#preview[message] as string,
    );
  }

  #store(peerId: number, time: number, flags: number, size: number, preview: string): number {
    const slot = this.#next;
    this.#seq[slot] = ++this.#lastSeq;
    this.#time[slot] = time;
    this.#peerId[slot] = peerId;
    this.#size[slot] = size;
    this.#flags[slot] = flags;
    this.#preview[slot] = preview;
    this.#next = (slot + 1) % RECORD_ENTRIES;
    return slot;
  }

  /** One peer's entries still in the record, oldest first. */
  forPeer(peerId: number): TrafficEntry[] {
    const found: TrafficEntry[] = [];
    for (let i = 0; i < RECORD_ENTRIES; i += 1) {
      const slot = (this.#next + i) % RECORD_ENTRIES;
      if (this.#seq[slot] === 0 || this.#peerId[slot] !== peerId) continue;
      const flags = this.#flags[slot] as number;
      found.push({
        seq: this.#seq[slot] as number,
        peerId,
        time: this.#time[slot] as number,
        direction: flags & OUT ? 'out' : 'in',
        kind: TRAFFIC_KINDS[flags >> KIND_SHIFT] as TrafficKind,
        size: this.#size[slot] as number,
        binary: (flags & BINARY) !== 0,
        preview: this.#preview[slot] as string,
        truncated: (flags & TRUNCATED) !== 0,
      });
    }
    return found;
  }
}
