/**
 * The opening handshakes of the newest connected peers (LIMITS.handshakesKept): what each asked
 * and the 101 the station answered. Only the newest are kept, each packed into one buffer of its
 * own (read back into JSON when asked): a handful of objects on the heap per handshake would
 * otherwise show in the RSS per idle peer (BENCHMARKS.md). A request carrying a credential or a
 * query is masked before it is kept, so no secret is held in clear. A peer leaving takes its
 * handshake with it.
 */
import type { HandshakeExchange, HeaderLines, RequestHead } from '../../../common/station-status';
import { captureRequestHead, carriesSecrets, type ReceivedHead } from '../admission/request-head';
import { LIMITS } from '../config';

interface Kept {
  /** The request as received (packed), or masked when it carried a secret. */
  request: Buffer | RequestHead;
  /** The header lines ws wrote in the 101 ("Name: value"), packed. */
  response: Buffer;
}

/**
 * HTTP heads are Latin-1 strings as Node and ws hold them, and never contain NUL (the parser
 * refuses it), so NUL separates the parts. Unpooled: a slice of Node's shared pool would keep
 * its whole 8 KiB slab alive.
 */
function pack(parts: readonly string[]): Buffer {
  const text = parts.join('\0');
  const packed = Buffer.allocUnsafeSlow(text.length);
  packed.write(text, 'latin1');
  return packed;
}

function unpack(packed: Buffer): string[] {
  return packed.toString('latin1').split('\0');
}

function unpackRequest(packed: Buffer): ReceivedHead {
  const [method = '', url = '', httpVersion = '', ...rawHeaders] = unpack(packed);
  return { method, url, httpVersion, rawHeaders };
}

export class HandshakeBook {
  /** Peer id to handshake; a Map keeps insertion order, so the first key is the oldest. */
  readonly #byPeer = new Map<number, Kept>();

  constructor(readonly capacity: number = LIMITS.handshakesKept) {}

  /** `request` as received: its target before routing rewrote it. */
  add(peerId: number, request: ReceivedHead, responseLines: readonly string[]): void {
    const { method = '', url = '', httpVersion, rawHeaders } = request;
    this.#byPeer.set(peerId, {
      request: carriesSecrets(request) ? captureRequestHead(request) : pack([method, url, httpVersion, ...rawHeaders]),
      response: pack(responseLines),
    });
    if (this.#byPeer.size > this.capacity) {
      const oldest = this.#byPeer.keys().next();
      if (oldest.done !== true) this.#byPeer.delete(oldest.value);
    }
  }

  get(peerId: number): HandshakeExchange | null {
    const kept = this.#byPeer.get(peerId);
    if (kept === undefined) return null;
    return {
      request: Buffer.isBuffer(kept.request) ? captureRequestHead(unpackRequest(kept.request)) : kept.request,
      response: { status: 101, headers: responseHeaders(unpack(kept.response)) },
    };
  }

  forget(peerId: number): void {
    this.#byPeer.delete(peerId);
  }
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
