/**
 * The opening handshakes of the newest connected peers: what each asked and the 101 the station
 * answered, for GET /api/peers/{id} and the desktop window. Masked and capped as refusals are
 * (request-head.ts), then written into one buffer allocated once (LIMITS.handshakeBytesKept) and
 * read back into JSON only when asked: objects kept per peer, even for the newest few, showed in
 * the RSS per idle peer (freed, they leave holes among the peers that stay; BENCHMARKS.md).
 * At most LIMITS.handshakesKept are kept; when a new peer needs a slot or bytes, the oldest
 * connected peer's handshake makes room. A peer leaving frees its slot and, at the next
 * compaction, its bytes.
 */
import type { HandshakeExchange, HeaderLines, PeerDetail } from '../../../common/station-status';
import { deriveAccept } from '../admission/accept-derivation';
import { captureRequestHead, type ReceivedHead } from '../admission/request-head';
import { LIMITS } from '../config';
import type { Peer } from './peer';

/** Parts are joined by NUL, which an HTTP head cannot contain (Node's parser refuses it). */
const SEPARATOR = '\0';
const NO_PEER = -1;

export class HandshakeBook {
  #arena: Buffer | undefined;
  /** Where the next handshake is written; everything before it is live or waiting for compaction. */
  #end = 0;
  #liveBytes = 0;
  /** How many handshakes were added: a slot's order says which is the oldest. */
  #added = 0;
  /** Per slot: its peer (NO_PEER when free), its order, where its bytes start, how many, lines left out. */
  readonly #peerIds: Float64Array;
  readonly #orders: Float64Array;
  readonly #starts: Uint32Array;
  readonly #requestBytes: Uint32Array;
  readonly #responseBytes: Uint32Array;
  readonly #headersLeftOut: Uint32Array;

  constructor(
    readonly capacity: number = LIMITS.handshakesKept,
    readonly arenaBytes: number = LIMITS.handshakeBytesKept,
  ) {
    this.#peerIds = new Float64Array(capacity).fill(NO_PEER);
    this.#orders = new Float64Array(capacity);
    this.#starts = new Uint32Array(capacity);
    this.#requestBytes = new Uint32Array(capacity);
    this.#responseBytes = new Uint32Array(capacity);
    this.#headersLeftOut = new Uint32Array(capacity);
  }

  /** `request` as received: its target before routing rewrote it. `responseLines` as ws wrote them. */
  add(peerId: number, request: ReceivedHead, responseLines: readonly string[]): void {
    // Short-lived: these objects die young, before anything would keep them.
    const head = captureRequestHead(request);
    // The key first: the capped headers could leave it out, and the accept is worked from it.
    const requestParts = [
      headerValue(request.rawHeaders, 'sec-websocket-key'),
      head.method,
      head.target,
      head.httpVersion,
      ...head.headers.flat(),
    ];
    const requestBytes = byteLength(requestParts);
    const responseBytes = byteLength(responseLines);
    const total = requestBytes + responseBytes;
    if (total > this.arenaBytes) return;
    let slot = this.#peerIds.indexOf(NO_PEER);
    if (slot < 0) slot = this.#evictOldest();
    while (this.#liveBytes + total > this.arenaBytes) this.#evictOldest();
    if (this.#end + total > this.arenaBytes) this.#compact();
    const arena = (this.#arena ??= Buffer.alloc(this.arenaBytes));
    const start = this.#end;
    write(arena, start, requestParts);
    write(arena, start + requestBytes, responseLines);
    this.#end = start + total;
    this.#liveBytes += total;
    this.#peerIds[slot] = peerId;
    this.#orders[slot] = ++this.#added;
    this.#starts[slot] = start;
    this.#requestBytes[slot] = requestBytes;
    this.#responseBytes[slot] = responseBytes;
    this.#headersLeftOut[slot] = head.headersLeftOut;
  }

  get(peerId: number): HandshakeExchange | null {
    const slot = this.#peerIds.indexOf(peerId);
    const arena = this.#arena;
    if (slot < 0 || arena === undefined) return null;
    const start = this.#starts[slot] ?? 0;
    const responseStart = start + (this.#requestBytes[slot] ?? 0);
    const [key = '', method = '', target = '', httpVersion = '', ...headerParts] = read(arena, start, responseStart);
    const headers: HeaderLines = [];
    for (let at = 0; at + 1 < headerParts.length; at += 2)
      headers.push([headerParts[at] ?? '', headerParts[at + 1] ?? '']);
    const responseLines = read(arena, responseStart, responseStart + (this.#responseBytes[slot] ?? 0));
    return {
      request: { method, target, httpVersion, headers, headersLeftOut: this.#headersLeftOut[slot] ?? 0 },
      response: { status: 101, headers: responseHeaders(responseLines) },
      accept: deriveAccept(key),
    };
  }

  /** The peer as the status lists it, with its handshake when kept (GET /api/peers/{id}). */
  detail(peer: Peer): PeerDetail {
    return { ...peer.snapshot(), handshake: this.get(peer.id) };
  }

  forget(peerId: number): void {
    const slot = this.#peerIds.indexOf(peerId);
    if (slot >= 0) this.#free(slot);
  }

  /** Frees the slot of the oldest handshake kept, and returns it. */
  #evictOldest(): number {
    let oldest = -1;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.#peerIds[slot] === NO_PEER) continue;
      if (oldest < 0 || (this.#orders[slot] ?? 0) < (this.#orders[oldest] ?? 0)) oldest = slot;
    }
    this.#free(oldest);
    return oldest;
  }

  #free(slot: number): void {
    this.#peerIds[slot] = NO_PEER;
    this.#liveBytes -= (this.#requestBytes[slot] ?? 0) + (this.#responseBytes[slot] ?? 0);
  }

  /** Moves the live handshakes to the front, in the order they lie, so the rest is free. */
  #compact(): void {
    const arena = this.#arena;
    if (arena === undefined) return;
    const live: number[] = [];
    for (let slot = 0; slot < this.capacity; slot++) if (this.#peerIds[slot] !== NO_PEER) live.push(slot);
    live.sort((a, b) => (this.#starts[a] ?? 0) - (this.#starts[b] ?? 0));
    let end = 0;
    for (const slot of live) {
      const start = this.#starts[slot] ?? 0;
      const bytes = (this.#requestBytes[slot] ?? 0) + (this.#responseBytes[slot] ?? 0);
      // Always to a lower offset or the same: copy() moves overlapping bytes correctly.
      arena.copy(arena, end, start, start + bytes);
      this.#starts[slot] = end;
      end += bytes;
    }
    this.#end = end;
  }
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
