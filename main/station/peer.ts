/**
 * One connected peer: its wire format (the seed's plain text, or station.v1.json), its
 * traffic counters, and the flow control that keeps a slow reader from growing our memory.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { GREETING, JSON_SUBPROTOCOL, type StationMessage } from '../../common/protocol';
import type { PeerSnapshot } from '../../common/station-status';
import { LIMITS } from './config';

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

export class Peer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly origin: string | null;
  readonly userAgent: string | null;
  readonly connectedAt = new Date();
  readonly usesJson: boolean;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  ticksSkipped = 0;
  /** Cleared by each heartbeat ping, set again by the pong. */
  answeredPing = true;
  /** Skipped ticks not yet reported to a JSON peer. */
  #unreportedSkips = 0;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    request: IncomingMessage,
  ) {
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.remotePort = request.socket.remotePort ?? 0;
    this.origin = request.headers.origin ?? null;
    this.userAgent = request.headers['user-agent'] ?? null;
    this.usesJson = socket.protocol === JSON_SUBPROTOCOL;
  }

  greet(tickMs: number): void {
    const frame = this.usesJson
      ? encodeJson({ type: 'welcome', text: GREETING, peerId: this.id, tickMs, time: Date.now() })
      : Buffer.from(GREETING);
    this.#send(frame, false);
  }

  /**
   * Takes a message from the peer and echoes it with its frame type. Echoes are never skipped:
   * a peer that falls far behind reading them is paused instead.
   */
  receive(data: Buffer, isBinary: boolean): void {
    this.messagesIn += 1;
    this.bytesIn += data.length;
    const frame = isBinary || !this.usesJson ? data : encodeJson({ type: 'echo', data: data.toString('utf8') });
    this.#send(frame, isBinary, this.#resumeWhenDrained);
    if (this.socket.bufferedAmount > LIMITS.echoPauseBufferedBytes && !this.socket.isPaused) {
      // Stop reading: TCP backpressure then slows the sender, and nothing accepted is dropped.
      this.socket.pause();
    }
  }

  #resumeWhenDrained = (): void => {
    if (this.socket.isPaused && this.socket.bufferedAmount <= LIMITS.echoPauseBufferedBytes / 2) {
      this.socket.resume();
    }
  };

  /** Sends the tick unless this peer is behind, in which case it is counted as skipped. */
  offerTick(tick: Tick): void {
    if (this.socket.bufferedAmount > LIMITS.tickSkipBufferedBytes) {
      this.ticksSkipped += 1;
      this.#unreportedSkips += 1;
      return;
    }
    if (!this.usesJson) {
      this.#send(tick.plainFrame, false);
      return;
    }
    if (this.#unreportedSkips > 0) {
      const count = this.#unreportedSkips;
      this.#unreportedSkips = 0;
      const message = `${count} tick(s) were skipped while this connection was not reading fast enough`;
      this.#send(encodeJson({ type: 'error', code: 'ticks-skipped', message, count }), false);
    }
    this.#send(tick.jsonFrame, false);
  }

  #send(frame: Buffer, binary: boolean, onWritten?: () => void): void {
    this.messagesOut += 1;
    this.bytesOut += frame.length;
    this.socket.send(frame, { binary }, onWritten);
  }

  snapshot(): PeerSnapshot {
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      origin: this.origin,
      userAgent: this.userAgent,
      protocol: this.socket.protocol,
      connectedAt: this.connectedAt.toISOString(),
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ticksSkipped: this.ticksSkipped,
      bufferedAmount: this.socket.bufferedAmount,
    };
  }
}
