/**
 * The live view of the station's peers: who is connected, what they sent and received, and
 * totals over the station's lifetime. Emits connect and disconnect for logs and the window.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { CloseCode } from '../../common/protocol';
import type { PeerSnapshot, StationTotals } from '../../common/station-status';
import type { EscapedErrors } from './escaped-errors';
import { Peer, Tick } from './peer';

export interface PeerRegistryEvents {
  connect: [peer: Peer];
  disconnect: [peer: Peer, code: number, reason: string];
  /** A peer broke the protocol (oversized or malformed frame); ws closes it with the RFC's code. */
  'peer-error': [peer: Peer, error: Error];
}

type RetiredTraffic = Pick<StationTotals, 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut' | 'ticksSkipped'>;

export class PeerRegistry extends EventEmitter<PeerRegistryEvents> {
  readonly #peers = new Map<number, Peer>();
  /** Every socket admit() took, so the station can tell a WebSocket that never became a peer. */
  readonly #admitted = new WeakSet<WebSocket>();
  #nextId = 1;
  #ticks = 0;
  /** Traffic of peers that have left, so totals cover the station's whole lifetime. */
  readonly #retired: RetiredTraffic = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, ticksSkipped: 0 };
  readonly #rejected: Record<string, number> = {};

  constructor(
    private readonly tickMs: number,
    private readonly escaped: EscapedErrors,
  ) {
    super();
  }

  get size(): number {
    return this.#peers.size;
  }

  [Symbol.iterator](): IterableIterator<Peer> {
    return this.#peers.values();
  }

  /** Takes a socket that completed its handshake on the test route. */
  admit(socket: WebSocket, request: IncomingMessage): Peer {
    const peer = new Peer(this.#nextId++, socket, request);
    this.#peers.set(peer.id, peer);
    this.#admitted.add(socket);
    const { escaped } = this;
    // With ws's default binaryType ('nodebuffer') every message, fragmented or not, is one Buffer.
    socket.on(
      'message',
      escaped.guard(
        'a peer message',
        (data: Buffer, isBinary: boolean) => peer.receive(data, isBinary),
        () => socket.close(CloseCode.internalError, 'Internal error'),
      ),
    );
    socket.on('ping', () => peer.noteControlFrame());
    socket.on('pong', () => {
      peer.answeredPing = true;
      peer.noteControlFrame();
    });
    socket.on(
      'error',
      escaped.guard('a peer error', (error: Error) => this.emit('peer-error', peer, error)),
    );
    socket.once(
      'close',
      escaped.guard('a peer leaving', (code: number, reason: Buffer) => {
        this.#peers.delete(peer.id);
        for (const key of Object.keys(this.#retired) as (keyof RetiredTraffic)[]) this.#retired[key] += peer[key];
        this.emit('disconnect', peer, code, reason.toString());
      }),
    );
    peer.greet(this.tickMs);
    this.emit('connect', peer);
    return peer;
  }

  isAdmitted(socket: WebSocket): boolean {
    return this.#admitted.has(socket);
  }

  /** One tick for every open peer, from the one shared schedule. */
  broadcastTick(): void {
    const tick = new Tick(++this.#ticks, Date.now());
    for (const peer of this.#peers.values()) {
      if (peer.socket.readyState === WebSocket.OPEN) peer.offerTick(tick);
    }
  }

  recordRefusal(status: number): void {
    this.#rejected[status] = (this.#rejected[status] ?? 0) + 1;
  }

  list(): PeerSnapshot[] {
    return [...this.#peers.values()].map((peer) => peer.snapshot());
  }

  totals(): StationTotals {
    const totals: StationTotals = {
      peers: this.#peers.size,
      accepted: this.#nextId - 1,
      rejected: { ...this.#rejected },
      ticks: this.#ticks,
      ...this.#retired,
    };
    for (const peer of this.#peers.values()) {
      for (const key of Object.keys(this.#retired) as (keyof RetiredTraffic)[]) totals[key] += peer[key];
    }
    return totals;
  }
}
