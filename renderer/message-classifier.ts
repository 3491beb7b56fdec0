/**
 * Tells what an incoming text frame is. Under station.v1.json the station says so itself; on the
 * seed's plain wire the client infers it: the greeting by its words, an echo by matching what it
 * sent (in order), a tick by its format. An echo of text that looks like a tick is still an echo.
 */
import { GREETING, type StationMessage } from '../common/protocol';

export type IncomingKind = 'greeting' | 'tick' | 'echo' | 'notice' | 'message';

export interface ClassifiedText {
  kind: IncomingKind;
  /** What to show: the greeting's words, the tick's value, the echoed text, the notice. */
  text: string;
  /** The tick's value as a number, for the chart. */
  tickValue?: number;
  /** When the station sent the tick (epoch ms), where the wire says so. */
  tickTime?: number;
}

const TICK_PATTERN = /^[01]\.\d\d$/;
/** Sent texts not yet echoed are remembered up to this many; a station that does not echo cannot grow it. */
const MAX_PENDING_ECHOES = 1000;

export class MessageClassifier {
  #json = false;
  #pendingEchoes: string[] = [];

  /** A new connection: `protocol` is what the station selected ('' when it declined). */
  reset(protocol: string, jsonSubprotocol: string): void {
    this.#json = protocol === jsonSubprotocol;
    this.#pendingEchoes = [];
  }

  /** Remembers a sent text so its echo is recognised on the plain wire. */
  sent(text: string): void {
    if (this.#json) return;
    this.#pendingEchoes.push(text);
    if (this.#pendingEchoes.length > MAX_PENDING_ECHOES) this.#pendingEchoes.shift();
  }

  classify(text: string): ClassifiedText {
    return this.#json ? this.#classifyJson(text) : this.#classifyPlain(text);
  }

  #classifyPlain(text: string): ClassifiedText {
    const pending = this.#pendingEchoes.indexOf(text);
    if (pending !== -1) {
      // Echoes come back in order; anything before this one was lost with a reconnect.
      this.#pendingEchoes.splice(0, pending + 1);
      return { kind: 'echo', text };
    }
    if (text === GREETING) return { kind: 'greeting', text };
    if (TICK_PATTERN.test(text)) return { kind: 'tick', text, tickValue: Number(text) };
    return { kind: 'message', text };
  }

  #classifyJson(text: string): ClassifiedText {
    let message: StationMessage;
    try {
      message = JSON.parse(text) as StationMessage;
    } catch {
      return { kind: 'message', text };
    }
    switch (message.type) {
      case 'welcome':
        return { kind: 'greeting', text: message.text };
      case 'tick':
        return { kind: 'tick', text: message.value, tickValue: Number(message.value), tickTime: message.time };
      case 'echo':
        return { kind: 'echo', text: message.data };
      case 'error':
        return { kind: 'notice', text: message.message };
      default:
        return { kind: 'message', text };
    }
  }
}
