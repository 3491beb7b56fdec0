/**
 * What one peer's input makes the station hold, read off the wire. ws keeps no public count of
 * what it holds, and the bytes a TCP read delivers do not line up with messages (one read can end
 * a message and start the next; a ping can arrive between two fragments), so every chunk is
 * scanned for frame boundaries (headers only; payloads are skipped) before ws sees it, and each
 * message or control frame ws then emits moves the mark before which nothing is held.
 *
 * Held: bytes the socket has read and not yet handed on, a message still arriving (its fragments
 * so far, with any control frames between them), and complete messages ws has not emitted yet
 * (it emits one per peer per event-loop turn). A compressed message may inflate to far more than
 * its wire size: while one is in flight, what it may inflate to is counted too. ws keeps each
 * fragment of a message as an object of its own until the message is complete, which for tiny
 * fragments weighs far more than their bytes: each counts as FRAGMENT_BYTES on top.
 *
 * Counts are kept on one scale, wire bytes plus those fragment costs, so that a mark is one number.
 * Nothing after a Close frame is counted (ws reads on only to discard), nor anything once stop()
 * says ws has given up on the stream.
 */
import type { Readable } from 'node:stream';

/**
 * DEFLATE's largest possible expansion (RFC 1951: a 258-byte match in as little as one bit, plus
 * block overhead): a compressed message of n bytes inflates to at most about 1032 × n bytes.
 */
export const MAX_INFLATION_RATIO = 1032;

/**
 * What ws holds for one fragment of a message beyond its bytes: a Buffer view (measured at about
 * 106 bytes of heap on Node 20) and its slot in ws's list of fragments.
 */
export const FRAGMENT_BYTES = 112;

/** The longest client frame header: 2 bytes, an 8-byte length, a 4-byte masking key. */
const MAX_HEADER_BYTES = 14;
const OPCODE_CLOSE = 0x8;
/** Consumed entries a queue keeps before it is compacted. */
const COMPACT_AFTER = 1024;

export class InputMeter {
  /** Bytes scanned so far, plus the fragment costs among them: the offset of the next byte. */
  #seen = 0;
  /** Set at a Close frame or by stop(): nothing more is read. */
  #ended = false;
  /** Payload bytes of the current frame still to come. */
  #payloadLeft = 0;
  /** Whether a frame has started (its header, at least one byte of it) and not ended. */
  #inFrame = false;
  #frameStart = 0;
  #frameOpcode = 0;
  #frameFin = false;
  /** A header split across reads, gathered here (allocated on first need). */
  #headerPart: Buffer | undefined;
  #headerPartLength = 0;
  /** Where the data message in progress started on the wire, or -1 while none is. */
  #messageStart = -1;
  #messageCompressed = false;
  /** Compressed messages started on the wire and not yet emitted by ws. */
  #compressedInFlight = 0;
  /**
   * For each message or control frame complete on the wire and not yet emitted by ws, in order:
   * the mark once it is (a control frame inside a fragmented message leaves the mark at the
   * message's start, since ws still holds the fragments). Negative (-mark - 1) for a compressed
   * message; -1 for none. The first entry is kept apart so that peers with at most one in flight,
   * nearly all of them, allocate nothing.
   */
  #next = -1;
  #later: number[] | undefined;
  #laterHead = 0;
  /** Wire offset before which ws holds nothing. */
  #mark = 0;
  /** Messages and control frames complete on the wire since takeCompleted() last asked. */
  #completed = 0;

  constructor(
    /** The TCP connection, for what it has read and not yet handed on. */
    private readonly connection: Pick<Readable, 'readableLength'>,
    /** The largest message ws accepts: what a compressed message can inflate to at most. */
    private readonly maxPayload: number,
  ) {}

  /**
   * Reads one chunk as ws is about to (call before ws's own 'data' listener); returns the most it
   * can add to what is held: its length and fragment costs, and what it may inflate to inside a
   * compressed message.
   */
  scan(chunk: Buffer): number {
    const seenBefore = this.#seen;
    let offset = 0;
    const end = chunk.length;
    while (offset < end && !this.#ended) {
      if (this.#inFrame && this.#headerPartLength === 0) {
        const take = Math.min(this.#payloadLeft, end - offset);
        this.#payloadLeft -= take;
        this.#seen += take;
        offset += take;
        if (this.#payloadLeft === 0) this.#endFrame();
        continue;
      }
      offset = this.#readHeader(chunk, offset);
    }
    const added = this.#seen - seenBefore;
    if (this.#compressedInFlight === 0) return added;
    return added + Math.min(this.maxPayload, MAX_INFLATION_RATIO * added);
  }

  /**
   * ws has given up on this stream (a protocol error): it emits nothing more and reads on only to
   * discard, so nothing is expected and nothing more is counted.
   */
  stop(): void {
    this.#ended = true;
    this.#next = -1;
    this.#later = undefined;
    this.#laterHead = 0;
    this.#compressedInFlight = 0;
    this.#messageStart = -1;
    this.#inFrame = false;
    this.#headerPartLength = 0;
    this.#mark = this.#seen;
  }

  /** Messages and control frames that completed on the wire since the last call. */
  takeCompleted(): number {
    const completed = this.#completed;
    this.#completed = 0;
    return completed;
  }

  /** ws emitted a message, a ping or a pong: what it held for that is freed. */
  emitted(): void {
    let entry = this.#next;
    if (entry === -1) {
      // Nothing was expected: scanning and ws disagree, which only a broken stream can cause;
      // ws is closing that peer, so count nothing rather than something stale.
      this.#mark = this.#seen;
      return;
    }
    const later = this.#later;
    if (later === undefined || this.#laterHead === later.length) {
      this.#next = -1;
    } else {
      this.#next = later[this.#laterHead++] ?? -1;
      if (this.#laterHead === later.length) {
        later.length = 0;
        this.#laterHead = 0;
      } else if (this.#laterHead >= COMPACT_AFTER && this.#laterHead * 2 >= later.length) {
        // A peer that keeps many in flight: drop the consumed head now and then, not per entry.
        later.splice(0, this.#laterHead);
        this.#laterHead = 0;
      }
    }
    if (entry < 0) {
      entry = -entry - 1;
      this.#compressedInFlight -= 1;
    }
    this.#mark = entry;
  }

  /** Bytes held for this peer's input, this meter's own queue included. */
  heldBytes(): number {
    const wire = this.#seen - this.#mark;
    const held = this.connection.readableLength + wire + this.queueBytes();
    if (this.#compressedInFlight === 0) return held;
    return held + Math.min(this.maxPayload, MAX_INFLATION_RATIO * wire);
  }

  /**
   * What the queue of marks to come takes: 8 bytes an entry. Under a flood of tiny messages it can
   * outweigh their bytes (ws buffers up to ~80 KiB of them, one 7-byte message each), so it counts.
   */
  queueBytes(): number {
    return 8 * (this.#later?.length ?? 0);
  }

  /**
   * Where the message (or frame) that has started on the wire and is not complete began, or -1
   * when there is none: one number per message, so a new one is told from the one before.
   */
  inProgressStart(): number {
    return this.#messageStart !== -1 ? this.#messageStart : this.#inFrame ? this.#frameStart : -1;
  }

  /**
   * Whether the message in progress is what ws is on, everything before it emitted: then the
   * station waits for the peer (and the deadline runs), not the peer for the station.
   */
  awaitingPeer(): boolean {
    const start = this.inProgressStart();
    return start !== -1 && this.#mark >= start;
  }

  /** Parses (or gathers) the header at `offset`; returns the offset after what it used. */
  #readHeader(chunk: Buffer, offset: number): number {
    if (!this.#inFrame) {
      this.#inFrame = true;
      this.#frameStart = this.#seen;
    }
    if (this.#headerPartLength === 0 && headerComplete(chunk, offset, chunk.length)) {
      const length = headerLength(chunk, offset);
      this.#seen += length;
      this.#startFrame(chunk, offset);
      return offset + length;
    }
    // Split across reads (rare): gathered a byte at a time, at most 14.
    const part = (this.#headerPart ??= Buffer.allocUnsafe(MAX_HEADER_BYTES));
    let used = offset;
    while (used < chunk.length && !headerComplete(part, 0, this.#headerPartLength)) {
      part[this.#headerPartLength++] = chunk[used++] ?? 0;
    }
    this.#seen += used - offset;
    if (headerComplete(part, 0, this.#headerPartLength)) {
      this.#headerPartLength = 0;
      this.#startFrame(part, 0);
    }
    return used;
  }

  #startFrame(header: Buffer, at: number): void {
    const first = header[at] ?? 0;
    this.#frameOpcode = first & 0x0f;
    this.#frameFin = (first & 0x80) !== 0;
    const firstOfMessage = this.#frameOpcode !== 0 && this.#frameOpcode < 0x8;
    if (firstOfMessage) {
      this.#messageStart = this.#frameStart;
      this.#messageCompressed = (first & 0x40) !== 0;
      if (this.#messageCompressed) this.#compressedInFlight += 1;
    }
    this.#payloadLeft = payloadLength(header, at);
    // A fragment ws keeps as an object of its own: any part of a message sent in several frames.
    const fragment = this.#frameOpcode === 0 || (firstOfMessage && !this.#frameFin);
    if (fragment && this.#payloadLeft > 0 && this.#messageStart !== -1) this.#seen += FRAGMENT_BYTES;
    if (this.#payloadLeft === 0) this.#endFrame();
  }

  #endFrame(): void {
    this.#inFrame = false;
    if (this.#frameOpcode >= 0x8) {
      // ws emits pings and pongs; after a Close it reads on only to discard.
      if (this.#frameOpcode === OPCODE_CLOSE) this.#ended = true;
      else this.#expect(this.#messageStart !== -1 ? this.#messageStart : this.#seen);
      return;
    }
    if (!this.#frameFin || this.#messageStart === -1) return;
    this.#expect(this.#messageCompressed ? -this.#seen - 1 : this.#seen);
    this.#messageStart = -1;
  }

  #expect(entry: number): void {
    this.#completed += 1;
    if (this.#next === -1) this.#next = entry;
    else (this.#later ??= []).push(entry);
  }
}

/** Whether `header[at, end)` holds a whole client frame header. */
function headerComplete(header: Buffer, at: number, end: number): boolean {
  if (end - at < 2) return false;
  return end - at >= headerLength(header, at);
}

/** A frame header's length from its second byte: 2, plus 2 or 8 for the length, plus 4 if masked. */
function headerLength(header: Buffer, at: number): number {
  const second = header[at + 1] ?? 0;
  const length7 = second & 0x7f;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + ((second & 0x80) !== 0 ? 4 : 0);
}

function payloadLength(header: Buffer, at: number): number {
  const length7 = (header[at + 1] ?? 0) & 0x7f;
  if (length7 < 126) return length7;
  if (length7 === 126) return header.readUInt16BE(at + 2);
  // Beyond 2^53 the number is inexact; ws refuses anything over maxPayload long before.
  return header.readUInt32BE(at + 2) * 2 ** 32 + header.readUInt32BE(at + 6);
}
