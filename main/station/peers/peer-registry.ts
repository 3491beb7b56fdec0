/**
 * The live view of the station's peers: who is connected, what they sent and received, and
 * totals over the station's lifetime. Emits connect and disconnect for logs and the window.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CloseCode } from '../../../common/protocol';
import type { PeerSnapshot, StationTotals } from '../../../common/station-status';
import type { EscapedErrors } from '../escaped-errors';
import { Peer, Tick } from './peer';
import { TrafficRecord } from './traffic-record';

export interface PeerRegistryEvents {
  connect: [peer: Peer];
  disconnect: [peer: Peer, code: number, reason: string];
  /** A peer broke the protocol (oversized or malformed frame); ws closes it with the RFC's code. */
  'peer-error': [peer: Peer, error: Error];
}

export type PeerTotals = Omit<StationTotals, 'refusedConnections' | 'tokenLockouts' | 'slowedForMessageRate'>;
type RetiredTraffic = Pick<StationTotals, 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut' | 'ticksSkipped'>;
/** The counters a leaving peer adds to the lifetime totals. */
const RETIRED_KEYS: readonly (keyof RetiredTraffic)[] = [
  'messagesIn',
  'messagesOut',
  'bytesIn',
  'bytesOut',
  'ticksSkipped',
];

/** Where a peer's socket (and its TCP connection) keeps its Peer, so one set of listeners serves every socket. */
const PEER = Symbol('peer');
type PeerSocket = WebSocket & { [PEER]: Peer };
type PeerConnection = Socket & { [PEER]: Peer };
const peerOf = (socket: WebSocket): Peer => (socket as PeerSocket)[PEER];

interface SocketListeners {
  message: (this: WebSocket, data: Buffer, isBinary: boolean) => void;
  ping: (this: WebSocket) => void;
  pong: (this: WebSocket) => void;
  error: (this: WebSocket, error: Error) => void;
  close: (this: WebSocket, code: number, reason: Buffer) => void;
  /** On the TCP connection, ahead of ws's own. */
  data: (this: Socket, chunk: Buffer) => void;
}

export class PeerRegistry extends EventEmitter<PeerRegistryEvents> {
  readonly #peers = new Map<number, Peer>();
  #nextId = 1;
  #ticks = 0;
  /** Traffic of peers that have left, so totals cover the station's whole lifetime. */
  readonly #retired: RetiredTraffic = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, ticksSkipped: 0 };
  readonly #rejected: Record<string, number> = {};
  /**
   * The listeners of every peer's socket, made once: ws calls them with the socket as `this`, so
   * a peer costs no closures of its own (memory per peer is a benchmark target).
   */
  readonly #listeners: SocketListeners;
  /** Told of each chunk read from a peer: what it may add to what the station holds. */
  #observeInput: (peer: Peer, bytes: number) => void = () => undefined;

  /** What peers sent and were sent, station-wide and bounded (see traffic-record.ts). */
  readonly record = new TrafficRecord();

  constructor(
    private readonly tickMs: number,
    private readonly maxPayload: number,
    escaped: EscapedErrors,
  ) {
    super();
    const retire = (peer: Peer, code: number, reason: Buffer) => {
      this.#peers.delete(peer.id);
      const text = reason.toString();
      this.record.addText(peer.id, 'in', 'close', `${code} ${text}`.trim());
      for (const key of RETIRED_KEYS) this.#retired[key] += peer[key];
      this.emit('disconnect', peer, code, text);
    };
    const reportError = (peer: Peer, error: Error) => this.emit('peer-error', peer, error);
    const observeInput = (peer: Peer, bytes: number) => this.#observeInput(peer, bytes);
    this.#listeners = {
      // With ws's default binaryType ('nodebuffer') every message, fragmented or not, is one Buffer.
      message: escaped.guard(
        'a peer message',
        function (this: WebSocket, data: Buffer, isBinary: boolean) {
          const peer = peerOf(this);
          peer.input.emitted();
          if (peer.script === null) peer.receive(data, isBinary);
          else peer.script.receive(peer, data, isBinary);
        },
        function (this: WebSocket) {
          this.close(CloseCode.internalError, 'Internal error');
        },
      ),
      ping: function (this: WebSocket) {
        peerOf(this).input.emitted();
      },
      pong: function (this: WebSocket) {
        const peer = peerOf(this);
        peer.answeredAt(performance.now());
        peer.input.emitted();
      },
      error: escaped.guard('a peer error', function (this: WebSocket, error: Error) {
        const peer = peerOf(this);
        // ws has given up on the stream: it reads on only to discard until the connection ends.
        peer.input.stop();
        reportError(peer, error);
      }),
      close: escaped.guard('a peer leaving', function (this: WebSocket, code: number, reason: Buffer) {
        const peer = peerOf(this);
        peer.script?.forget(peer);
        retire(peer, code, reason);
      }),
      data: escaped.guard('reading from a peer', function (this: Socket, chunk: Buffer) {
        const peer = (this as PeerConnection)[PEER];
        observeInput(peer, peer.input.scan(chunk));
      }),
    };
  }

  /** Tells `observer` of each chunk read from any peer, once scanned: what it may add to what the station holds. */
  observeInput(observer: (peer: Peer, bytes: number) => void): void {
    this.#observeInput = observer;
  }

  get(id: number): Peer | undefined {
    return this.#peers.get(id);
  }

  get size(): number {
    return this.#peers.size;
  }

  [Symbol.iterator](): IterableIterator<Peer> {
    return this.#peers.values();
  }

  /** Every peer's WebSocket: all the WebSockets the station holds (ws does not track them). */
  *sockets(): IterableIterator<WebSocket> {
    for (const peer of this.#peers.values()) yield peer.socket;
  }

  /**
   * Takes a socket that completed its handshake: on the test route, greeted as the seed does; for
   * a scripted endpoint, handed to `script`, which sends what it sends first.
   */
  admit(socket: WebSocket, request: IncomingMessage, script?: (peer: Peer) => void): Peer {
    const peer = new Peer(this.#nextId++, socket, request, this.record, this.maxPayload);
    this.#peers.set(peer.id, peer);
    (socket as PeerSocket)[PEER] = peer;
    (request.socket as PeerConnection)[PEER] = peer;
    const listeners = this.#listeners;
    // Before ws reads a chunk, the meter has seen where its frames end.
    request.socket.prependListener('data', listeners.data);
    socket.on('message', listeners.message);
    socket.on('ping', listeners.ping);
    socket.on('pong', listeners.pong);
    socket.on('error', listeners.error);
    // ws emits 'close' once: a plain listener, without once()'s wrapper per peer.
    socket.on('close', listeners.close);
    if (script === undefined) peer.greet(this.tickMs);
    else script(peer);
    this.emit('connect', peer);
    return peer;
  }

  /** Whether admit() took this socket: a WebSocket that never became a peer must not linger. */
  isAdmitted(socket: WebSocket): boolean {
    return PEER in socket;
  }

  /** The peer a socket was admitted as, if it was. */
  peerOf(socket: WebSocket): Peer | undefined {
    return (socket as Partial<PeerSocket>)[PEER];
  }

  /** One tick for every open peer, from the one shared schedule. */
  broadcastTick(): void {
    const tick = new Tick(++this.#ticks, Date.now());
    for (const peer of this.#peers.values()) {
      if (peer.script === null && peer.socket.readyState === WebSocket.OPEN) peer.offerTick(tick);
    }
  }

  recordRefusal(status: number): void {
    this.#rejected[status] = (this.#rejected[status] ?? 0) + 1;
  }

  list(): PeerSnapshot[] {
    return [...this.#peers.values()].map((peer) => peer.snapshot());
  }

  /** The lifetime totals the registry keeps (connection-level refusals are the station's). */
  totals(): PeerTotals {
    const totals: PeerTotals = {
      peers: this.#peers.size,
      accepted: this.#nextId - 1,
      rejected: { ...this.#rejected },
      ticks: this.#ticks,
      ...this.#retired,
    };
    for (const peer of this.#peers.values()) {
      for (const key of RETIRED_KEYS) totals[key] += peer[key];
    }
    return totals;
  }
}
