/**
 * The opening handshakes of the newest connected peers: what each asked and the 101 the station
 * answered, for GET /api/peers/{id} and the desktop window. Written into one buffer allocated
 * once (LIMITS.handshakeBytesKept), a ring of the newest LIMITS.handshakesKept, and read back
 * into JSON only when asked: objects kept per peer, even for the newest few, showed in the RSS
 * per idle peer (freed, they leave holes among the peers that stay; BENCHMARKS.md). Credentials
 * and the token are masked before anything is written, so no secret is held in clear.
 * A peer leaving takes its handshake with it.
 */
import type { HandshakeExchange, HeaderLines, PeerDetail } from '../../../common/station-status';
import { deriveAccept } from '../admission/accept-derivation';
import { cappedRequestHead, maskedTarget, maskedValue, type ReceivedHead } from '../admission/request-head';
import { LIMITS } from '../config';
import type { Peer } from './peer';

/** Parts are joined by NUL, which an HTTP head cannot contain (Node's parser refuses it). */
const SEPARATOR = '\0';
const NO_PEER = -1;

export class HandshakeBook {
  #arena: Buffer | undefined;
  /** Where the next handshake is written in the arena. */
  #end = 0;
  /** Slot ring, the oldest at #nextSlot: each slot's peer, where its bytes start, how many. */
  readonly #peerIds: Float64Array;
  readonly #starts: Uint32Array;
  readonly #requestBytes: Uint32Array;
  readonly #responseBytes: Uint32Array;
  #nextSlot = 0;

  constructor(
    readonly capacity: number = LIMITS.handshakesKept,
    readonly arenaBytes: number = LIMITS.handshakeBytesKept,
  ) {
    this.#peerIds = new Float64Array(capacity).fill(NO_PEER);
    this.#starts = new Uint32Array(capacity);
    this.#requestBytes = new Uint32Array(capacity);
    this.#responseBytes = new Uint32Array(capacity);
  }

  /** `request` as received: its target before routing rewrote it. `responseLines` as ws wrote them. */
  add(peerId: number, request: ReceivedHead, responseLines: readonly string[]): void {
    const requestParts = maskedParts(request);
    const requestBytes = byteLength(requestParts);
    const responseBytes = byteLength(responseLines);
    const total = requestBytes + responseBytes;
    // Node refuses heads over 16 KiB: with the 101, one fits many times over.
    if (total > this.arenaBytes) return;
    const arena = (this.#arena ??= Buffer.alloc(this.arenaBytes));
    if (this.#end + total > arena.length) this.#end = 0;
    const start = this.#end;
    this.#forgetOverlapping(start, start + total);
    write(arena, start, requestParts);
    write(arena, start + requestBytes, responseLines);
    this.#end = start + total;
    const slot = this.#nextSlot;
    this.#peerIds[slot] = peerId;
    this.#starts[slot] = start;
    this.#requestBytes[slot] = requestBytes;
    this.#responseBytes[slot] = responseBytes;
    this.#nextSlot = (slot + 1) % this.capacity;
  }

  get(peerId: number): HandshakeExchange | null {
    const slot = this.#slotOf(peerId);
    const arena = this.#arena;
    if (slot < 0 || arena === undefined) return null;
    const start = this.#starts[slot] ?? 0;
    const responseStart = start + (this.#requestBytes[slot] ?? 0);
    const [method = '', url = '', httpVersion = '', ...rawHeaders] = read(arena, start, responseStart);
    const responseLines = read(arena, responseStart, responseStart + (this.#responseBytes[slot] ?? 0));
    return {
      request: cappedRequestHead({ method, url, httpVersion, rawHeaders }),
      response: { status: 101, headers: responseHeaders(responseLines) },
      // ws admits no request without a key; the capped head could leave it out, the parts do not.
      accept: deriveAccept(headerValue(rawHeaders, 'sec-websocket-key')),
    };
  }

  /** The peer as the status lists it, with its handshake when kept (GET /api/peers/{id}). */
  detail(peer: Peer): PeerDetail {
    return { ...peer.snapshot(), handshake: this.get(peer.id) };
  }

  forget(peerId: number): void {
    const slot = this.#slotOf(peerId);
    if (slot >= 0) this.#peerIds[slot] = NO_PEER;
  }

  #slotOf(peerId: number): number {
    return this.#peerIds.indexOf(peerId);
  }

  /** Slots whose bytes the arena's next write covers. */
  #forgetOverlapping(from: number, to: number): void {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.#peerIds[slot] === NO_PEER) continue;
      const start = this.#starts[slot] ?? 0;
      const end = start + (this.#requestBytes[slot] ?? 0) + (this.#responseBytes[slot] ?? 0);
      if (start < to && end > from) this.#peerIds[slot] = NO_PEER;
    }
  }
}

function maskedParts({ method = '', url = '', httpVersion, rawHeaders }: ReceivedHead): string[] {
  const parts = [method, maskedTarget(url), httpVersion];
  for (let at = 0; at < rawHeaders.length; at += 2) {
    const name = rawHeaders[at] ?? '';
    parts.push(name, maskedValue(name, rawHeaders[at + 1] ?? ''));
  }
  return parts;
}

/**
 * UTF-8: lossless for Node's Latin-1 head strings and for the mask; each part is followed by a
 * separator, so an empty part survives.
 */
function byteLength(parts: readonly string[]): number {
  let bytes = 0;
  for (const part of parts) bytes += Buffer.byteLength(part, 'utf8') + 1;
  return bytes;
}

function write(arena: Buffer, at: number, parts: readonly string[]): void {
  let offset = at;
  for (const part of parts) {
    offset += arena.write(part, offset, 'utf8');
    offset += arena.write(SEPARATOR, offset, 'utf8');
  }
}

function read(arena: Buffer, from: number, to: number): string[] {
  // Each part ends in a separator: the last split piece is the empty remainder.
  return arena.toString('utf8', from, to).split(SEPARATOR).slice(0, -1);
}

/** The first value of a header (its name in lower case) in Node's rawHeaders, '' when absent. */
function headerValue(rawHeaders: readonly string[], name: string): string {
  for (let at = 0; at < rawHeaders.length; at += 2) {
    if (rawHeaders[at]?.toLowerCase() === name) return rawHeaders[at + 1] ?? '';
  }
  return '';
}

/** ws's 101 as it writes it: a status line, then "Name: value" lines. */
function responseHeaders(lines: readonly string[]): HeaderLines {
  const headers: HeaderLines = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return headers;
}
