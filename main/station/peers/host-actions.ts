/**
 * What the station's host may send its peers and how it may close them: the one set of rules
 * the HTTP API, the command line and the desktop window all go through.
 */
import type { HostRefusal } from '../../../common/desktop';
import { CloseCode } from '../../../common/protocol';
import { LIMITS } from '../config';
import type { Peer } from './peer';
import type { PeerRegistry } from './peer-registry';

/** A message from the host: text (plain or JSON, sent as text) or bytes (sent as binary). */
export type HostMessage = { binary: false; text: string } | { binary: true; bytes: Buffer };

/** A refused action: why (for the window to say in its language), and the HTTP status for the API. */
export class HostActionError extends Error {
  constructor(
    readonly status: 400 | 404 | 413,
    readonly refusal: HostRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'HostActionError';
  }
}

/** The ways a message can be given, named by the content type that carries it in the API. */
export type HostMessageFormat = 'text' | 'json' | 'binary';

/** Checks a message as given; JSON must parse, and nothing may be larger than maxPayload. */
export function hostMessage(format: HostMessageFormat, body: Buffer, maxPayload: number): HostMessage {
  if (body.length > maxPayload) {
    throw new HostActionError(
      413,
      'too-large',
      `The message is ${body.length} bytes; peers accept at most ${maxPayload}`,
    );
  }
  if (format === 'binary') return { binary: true, bytes: body };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HostActionError(400, 'not-utf8', 'A text message must be valid UTF-8');
  }
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new HostActionError(
        400,
        'invalid-json',
        `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { binary: false, text };
}

/** The connected peer with this id (an integer, as a caller gave it); 404 when there is none. */
export function peerById(peers: PeerRegistry, id: unknown): Peer {
  const peer = Number.isInteger(id) ? peers.get(id as number) : undefined;
  if (!peer) throw new HostActionError(404, 'unknown-peer', `No peer ${String(id)} is connected`);
  return peer;
}

/** Sends to each peer; returns how many it reached (a peer too far behind reading is skipped). */
export function sendToPeers(peers: Iterable<Peer>, message: HostMessage): { reached: number; skipped: number } {
  let reached = 0;
  let skipped = 0;
  for (const peer of peers) {
    if (peer.sendFromHost(message)) reached += 1;
    else skipped += 1;
  }
  return { reached, skipped };
}

const MAX_REASON_BYTES = 123;

/** A close code and reason the host may use: 1000, or 3000–4999 (RFC 6455 7.4.2); reason ≤ 123 bytes. */
function hostClose(code: unknown, reason: unknown): { code: number; reason: string } {
  const number = typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : code;
  if (typeof number !== 'number' || !(number === CloseCode.normal || (number >= 3000 && number <= 4999))) {
    throw new HostActionError(
      400,
      'bad-close-code',
      `Close code ${String(code)} is not allowed: use 1000, or 3000 to 4999`,
    );
  }
  if (reason !== undefined && typeof reason !== 'string') {
    throw new HostActionError(400, 'long-reason', 'A close reason must be text');
  }
  const text = reason ?? '';
  if (Buffer.byteLength(text) > MAX_REASON_BYTES) {
    throw new HostActionError(400, 'long-reason', `A close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`);
  }
  return { code: number, reason: text };
}

/** Closes a peer with the host's code and reason, once they pass hostClose; returns them. */
export function closeFromHost(peer: Peer, code: unknown, reason: unknown): { code: number; reason: string } {
  const close = hostClose(code, reason);
  peer.closeWithin(close.code, close.reason, LIMITS.closeGraceMs);
  return close;
}
