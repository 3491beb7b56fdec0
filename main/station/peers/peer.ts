/**
 * One connected peer: its wire format (the seed's plain text, or station.v1.json), its
 * traffic counters, and the flow control that keeps a slow reader from growing our memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { GREETING, JSON_SUBPROTOCOL, TEST_ENDPOINT_PATH, type StationMessage } from '../../../common/protocol';
import type { PeerSnapshot, TrafficKind } from '../../../common/station-status';
import { LIMITS } from '../config';
import type { HostMessage } from './host-actions';
import { InputMeter } from './input-meter';
import { encodeJsonEcho, encodeJsonHost } from './json-text';
import type { TrafficRecord } from './traffic-record';

/** One tick, encoded once for all peers of each wire format. */
export class Tick {
  readonly value = Math.random().toFixed(2);
  readonly plainFrame = Buffer.from(this.value);
  #jsonFrame: Buffer | undefined;

  constructor(
    readonly seq: number,
    readonly time: number,
  ) {}

  get jsonFrame(): Buffer {
    this.#jsonFrame ??= encodeJson({ type: 'tick', seq: this.seq, time: this.time, value: this.value });
    return this.#jsonFrame;
  }
}

function encodeJson(message: StationMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** Why the station is not reading from a peer; it reads again once no reason is left. */
export const PauseReason = {
  /** The peer does not read its echoes fast enough. */
  echoBackpressure: 1,
  /** The peer sent faster than maxMessagesPerSecond and owes the time. */
  messageRate: 2,
  /** The station is closing it for what it holds: never read again. */
  closing: 4,
  /** Its scripted endpoint has many replies waiting their delay for it. */
  scriptBacklog: 8,
} as const;
export type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

/** The seed's greeting, encoded once and sent to every plain peer (ws never alters what it sends). */
const GREETING_FRAME = Buffer.from(GREETING);

/** What serves a peer of a scripted endpoint (endpoints/scripted-endpoint.ts) in the seed's stead. */
export interface PeerScript {
  readonly path: string;
  receive(peer: Peer, data: Buffer, isBinary: boolean): void;
  forget(peer: Peer): void;
}

export class Peer {
  readonly origin: string | null;
  /** Its scripted endpoint; null for a peer of the seed's endpoint, which greets, ticks and echoes. */
  script: PeerScript | null = null;
  readonly userAgent: string | null;
  /** Epoch milliseconds (a number, not a Date: a Date costs about 100 bytes a peer). */
  readonly connectedAt = Date.now();
  readonly usesJson: boolean;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  ticksSkipped = 0;
  /** Cleared by each heartbeat ping, set again by the pong. */
  answeredPing = true;
  /** Output queued for the peer once the last heartbeat ping was: whether it has taken any since. */
  bufferedAtPing = 0;
  /** When (performance.now()) the heartbeat's ping went out, 0 once answered. */
  pingSentAt = 0;
  /** The newest round trips in ms (LIMITS.roundTripsKept), made at the first pong. */
  #roundTrips: number[] | null = null;
  /** Which message the deadline clock is for (InputMeter.inProgressStart), -1 for none. */
  deadlineMessage = -1;
  /**
   * When (performance.now()) that message's clock started, moved on by the time credited to it,
   * or 0 until the memory watch first sees it; the watch enforces the deadline.
   */
  deadlineClockStart = 0;
  /** Time credited to that message's clock while the station was the one behind. */
  deadlineCreditMs = 0;
  /** What this peer's input makes the station hold (see input-meter.ts). */
  readonly input: InputMeter;
  /** Its message-rate bucket (message-rate.ts), when the station limits the rate. */
  rateTokens = 0;
  rateCheckedAt = 0;
  /** PauseReason bits: why reading is held. */
  #pausedFor = 0;
  /** Skipped ticks not yet reported to a JSON peer. */
  #unreportedSkips = 0;
  /** The TCP connection under the WebSocket. */
  readonly #connection: Socket;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    request: IncomingMessage,
    /** The station's traffic record, shared by every peer. */
    private readonly record: TrafficRecord,
    maxPayload: number,
  ) {
    this.#connection = request.socket;
    this.input = new InputMeter(request.socket, maxPayload);
    this.origin = request.headers.origin ?? null;
    this.userAgent = request.headers['user-agent'] ?? null;
    this.usesJson = socket.protocol === JSON_SUBPROTOCOL;
  }

  /**
   * The peer's address and port, from its connection: Node reads them once (the station does for
   * every connection it accepts) and keeps them, also after the connection closed.
   */
  get remoteAddress(): string {
    return this.#connection.remoteAddress ?? '';
  }

  get remotePort(): number {
    return this.#connection.remotePort ?? 0;
  }

  /**
   * Closes with `code` and `reason`, and drops the connection if the peer has not finished the
   * closing handshake within graceMs (0: as soon as the Close is written).
   * With `stopReading`, nothing more is read from the peer meanwhile, so a peer closed for what
   * it makes the station hold cannot add to it during the grace.
   */
  closeWithin(code: number, reason: string, graceMs: number, stopReading = false): void {
    if (stopReading) this.holdReading(PauseReason.closing);
    this.socket.close(code, reason);
    const timer = setTimeout(() => this.socket.terminate(), graceMs);
    this.socket.once('close', () => clearTimeout(timer));
  }

  /** Stops reading from the peer for `reason` (TCP then holds its sender back). */
  holdReading(reason: PauseReason): void {
    if (this.#pausedFor === 0) this.socket.pause();
    this.#pausedFor |= reason;
  }

  /** Drops `reason`; reading resumes when it was the last. */
  releaseReading(reason: PauseReason): void {
    if ((this.#pausedFor & reason) === 0) return;
    this.#pausedFor &= ~reason;
    if (this.#pausedFor === 0) this.socket.resume();
  }

  /** Whether the station is holding back reading from this peer, for any reason. */
  get readingHeld(): boolean {
    return this.#pausedFor !== 0;
  }

  /** Whether reading is held for `reason` (among others, perhaps). */
  readingHeldFor(reason: PauseReason): boolean {
    return (this.#pausedFor & reason) !== 0;
  }

  greet(tickMs: number): void {
    const frame = this.usesJson
      ? encodeJson({ type: 'welcome', text: GREETING, peerId: this.id, tickMs, time: Date.now() })
      : GREETING_FRAME;
    this.#send(frame, false, 'greeting');
  }

  /**
   * Takes a message from the peer and echoes it with its frame type. Echoes are never skipped:
   * a peer that falls far behind reading them is paused instead.
   */
  receive(data: Buffer, isBinary: boolean): void {
    // Once the station's Close has gone out it takes no more messages (see PROTOCOL.md).
    if (this.socket.readyState !== this.socket.OPEN) return;
    const received = this.recordIncoming(data, isBinary);
    const frame = isBinary || !this.usesJson ? data : encodeJsonEcho(data);
    this.record.addEcho(received, frame.length);
    this.deliver(frame, isBinary, null);
  }

  /** Counts and records a message the peer sent; returns its place in the record. */
  recordIncoming(data: Buffer, isBinary: boolean): number {
    this.messagesIn += 1;
    this.bytesIn += data.length;
    return this.record.add(this.id, 'in', 'message', data, isBinary);
  }

  /**
   * Sends a frame that must not be skipped (an echo, a scripted answer to this peer): when the peer
   * falls far behind reading them, reading from it is paused instead, and nothing is dropped.
   */
  deliver(frame: Buffer, binary: boolean, kind: TrafficKind | null): void {
    // Only a frame that can leave more than half the pause threshold queued needs to look, once
    // written, whether reading may resume: the one that pauses is among them, and so is every
    // frame after which resuming can be due. Peers that never come near it get no closure at all.
    const mayPause = this.socket.bufferedAmount + frame.length > LIMITS.echoPauseBufferedBytes / 2;
    this.#send(frame, binary, kind, mayPause ? this.#resumeWhenDrained() : undefined);
    if (this.socket.bufferedAmount > LIMITS.echoPauseBufferedBytes) {
      // Stop reading: TCP backpressure then slows the sender, and nothing accepted is dropped.
      this.holdReading(PauseReason.echoBackpressure);
    }
  }

  /**
   * Sends a frame that may be skipped (a stream, a message to every peer) unless more than
   * `skipAboveBytes` is queued for the peer already; false when skipped or the peer is closing.
   */
  offer(frame: Buffer, binary: boolean, kind: TrafficKind | null, skipAboveBytes: number): boolean {
    if (!this.#takesMore(skipAboveBytes)) return false;
    this.#send(frame, binary, kind);
    return true;
  }

  /** Whether the peer is open and has at most `skipAboveBytes` queued: what may be skipped is sent. */
  #takesMore(skipAboveBytes: number): boolean {
    return this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount <= skipAboveBytes;
  }

  /** Made on first need (memory per peer is a benchmark target), then kept. */
  #resumer: (() => void) | undefined;

  #resumeWhenDrained(): () => void {
    this.#resumer ??= () => {
      if (this.socket.bufferedAmount <= LIMITS.echoPauseBufferedBytes / 2) {
        this.releaseReading(PauseReason.echoBackpressure);
      }
    };
    return this.#resumer;
  }

  /**
   * Sends a message from the host: plain peers get it exactly as given (text frame or binary
   * frame), station.v1.json peers get text as a `host` message. A peer with as much queued as
   * pauses its echoes is skipped (false), so the host cannot grow the station's memory either.
   */
  sendFromHost(message: HostMessage): boolean {
    if (!this.#takesMore(LIMITS.echoPauseBufferedBytes)) return false;
    if (message.binary) {
      this.#send(message.bytes, true, 'host');
    } else {
      const text = Buffer.from(message.text);
      const frame = this.usesJson ? encodeJsonHost(text, Date.now()) : text;
      this.#send(frame, false, 'host');
    }
    return true;
  }

  /** Sends the tick unless this peer is behind, in which case it is counted as skipped. */
  offerTick(tick: Tick): void {
    if (this.socket.bufferedAmount > LIMITS.tickSkipBufferedBytes) {
      this.ticksSkipped += 1;
      this.#unreportedSkips += 1;
      return;
    }
    if (!this.usesJson) {
      this.#send(tick.plainFrame, false, null);
      return;
    }
    if (this.#unreportedSkips > 0) {
      const count = this.#unreportedSkips;
      this.#unreportedSkips = 0;
      const message = `${count} tick(s) were skipped while this connection was not reading fast enough`;
      this.#send(encodeJson({ type: 'error', code: 'ticks-skipped', message, count }), false, 'notice');
    }
    this.#send(tick.jsonFrame, false, null);
  }

  /** Sends a frame, and records it under `kind` (null: ticks, and echoes, recorded with their message). */
  #send(frame: Buffer, binary: boolean, kind: TrafficKind | null, onWritten?: () => void): void {
    if (kind !== null) this.record.add(this.id, 'out', kind, frame, binary);
    this.messagesOut += 1;
    this.bytesOut += frame.length;
    this.socket.send(frame, { binary }, onWritten);
  }

  /** A pong: the heartbeat's round trip, when it answers a ping of ours. */
  answeredAt(now: number): void {
    this.answeredPing = true;
    if (this.pingSentAt === 0) return;
    const trips = (this.#roundTrips ??= []);
    trips.push(Math.round((now - this.pingSentAt) * 10) / 10);
    if (trips.length > LIMITS.roundTripsKept) trips.shift();
    this.pingSentAt = 0;
  }

  roundTrip(): PeerSnapshot['rttMs'] {
    const trips = this.#roundTrips;
    const last = trips?.at(-1);
    if (trips === null || last === undefined) return null;
    const sorted = [...trips].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
    return { last, median: Math.round((median ?? last) * 10) / 10 };
  }

  snapshot(): PeerSnapshot {
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      origin: this.origin,
      userAgent: this.userAgent,
      protocol: this.socket.protocol,
      connectedAt: new Date(this.connectedAt).toISOString(),
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ticksSkipped: this.ticksSkipped,
      bufferedAmount: this.socket.bufferedAmount,
      heldInputBytes: this.input.heldBytes(),
      endpoint: this.script?.path ?? TEST_ENDPOINT_PATH,
      rttMs: this.roundTrip(),
    };
  }
}
