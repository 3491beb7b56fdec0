/**
 * Tells what an incoming frame is. Under station.v1.json the station says so itself. Otherwise
 * (a station that declined the subprotocol, or a server such as the seed's that accepts it and
 * still speaks plain text) the client infers it: an echo by matching what it sent, in order; the
 * greeting by its words; a tick by its format. An echo of text that looks like a tick is still an
 * echo, and a text echoed back as a binary frame (the seed's server does that) is still an echo,
 * as are bytes echoed back as they were sent.
 */
import { GREETING, type StationMessage } from '../../common/protocol';
import { BINARY_HEX_KEPT_BYTES, toHex } from '../send-input';

export type IncomingKind = 'greeting' | 'tick' | 'echo' | 'host' | 'notice' | 'message' | 'binary';

export interface Classified {
  kind: IncomingKind;
  /** What to show: the greeting's words, the tick's value, the echoed text, the notice. */
  text: string;
  /** The tick's value as a number, for the chart. */
  tickValue?: number;
  /** When the station sent the tick (epoch ms), where the wire says so. */
  tickTime?: number;
  /** The station's id for this connection, from its welcome. */
  peerId?: number;
  /** `text` is the bytes in hex. */
  binary?: boolean;
}

/** How a sent binary message waits for its echo among the sent texts: a prefix no text can start with from the composer. */
const BINARY_ECHO_KEY = '\u0000binary ';

const TICK_PATTERN = /^[01]\.\d\d$/;
const STATION_TYPES = new Set(['welcome', 'tick', 'echo', 'error', 'host']);
/** Sent texts not yet echoed are remembered up to this many; a server that does not echo cannot grow it. */
const MAX_PENDING_ECHOES = 1000;

export class MessageClassifier {
  #json = false;
  #pendingEchoes: string[] = [];
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  /** A new connection: `protocol` is what the server selected ('' when it declined). */
  reset(protocol: string, jsonSubprotocol: string): void {
    this.#json = protocol === jsonSubprotocol;
    this.#pendingEchoes = [];
  }

  /** Remembers a sent text so its echo is recognised where the wire does not label it. */
  sent(text: string): void {
    this.#pendingEchoes.push(text);
    if (this.#pendingEchoes.length > MAX_PENDING_ECHOES) this.#pendingEchoes.shift();
  }

  classify(text: string): Classified {
    const labelled = this.#json ? this.#fromStation(text) : undefined;
    if (labelled) return labelled;
    if (this.#takeEcho(text)) return { kind: 'echo', text };
    if (text === GREETING) return { kind: 'greeting', text };
    if (TICK_PATTERN.test(text)) return { kind: 'tick', text, tickValue: Number(text) };
    return { kind: 'message', text };
  }

  /** Remembers sent bytes so their echo is recognised. */
  sentBinary(bytes: Uint8Array): void {
    this.sent(binaryEchoKey(bytes));
  }

  /**
   * A binary frame is the echo of bytes sent, or of a text awaiting its echo (as UTF-8);
   * otherwise it is binary (undefined).
   */
  classifyBinary(bytes: Uint8Array): Classified | undefined {
    if (this.#pendingEchoes.length === 0) return undefined;
    if (this.#takeEcho(binaryEchoKey(bytes))) {
      return { kind: 'echo', text: toHex(bytes, BINARY_HEX_KEPT_BYTES), binary: true };
    }
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      return undefined;
    }
    return this.#takeEcho(text) ? { kind: 'echo', text } : undefined;
  }

  /** Echoes come back in order; a match also drops the ones before it, lost with a reconnect. */
  #takeEcho(text: string): boolean {
    const index = this.#pendingEchoes.indexOf(text);
    if (index === -1) return false;
    this.#pendingEchoes.splice(0, index + 1);
    return true;
  }

  #fromStation(text: string): Classified | undefined {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!isStationMessage(message)) return undefined;
    switch (message.type) {
      case 'welcome':
        return { kind: 'greeting', text: message.text, peerId: message.peerId };
      case 'tick':
        return { kind: 'tick', text: message.value, tickValue: Number(message.value), tickTime: message.time };
      case 'echo':
        this.#takeEcho(message.data);
        return { kind: 'echo', text: message.data };
      case 'error':
        return { kind: 'notice', text: message.message };
      case 'host':
        return { kind: 'host', text: message.data };
    }
  }
}

/** Its size and first bytes: enough to match an echo, without keeping a large message twice. */
function binaryEchoKey(bytes: Uint8Array): string {
  return `${BINARY_ECHO_KEY}${bytes.length} ${toHex(bytes, BINARY_HEX_KEPT_BYTES)}`;
}

function isStationMessage(value: unknown): value is StationMessage {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' && STATION_TYPES.has(type);
}
