/**
 * One scripted endpoint at work: its peers and their states, what each new peer is sent first,
 * its rules answering messages, and its streams, each on one shared schedule (never a timer per
 * peer). Nothing the station sends re-enters the rules, so no rule can loop.
 */
import { LIMITS } from '../config';
import type { EscapedErrors } from '../escaped-errors';
import { PauseReason, type Peer, type PeerScript } from '../peers/peer';
import {
  firstMatchingRule,
  oversizeProblem,
  type CompiledDelay,
  type CompiledEndpoint,
  type CompiledPayload,
  type CompiledRule,
  type ScriptMessage,
} from './definitions';
import type { TemplateContext } from './templates';
import type { TrafficKind } from '../../../common/station-status';

/** What an endpoint reports to the set that runs it. */
export interface ScriptHost {
  maxPayload: number;
  escaped: EscapedErrors;
  /** A payload was not sent: larger than maxPayload, or its template failed. Logged and counted. */
  notSent: (path: string, why: 'oversized' | 'template-error', detail: string) => void;
}

/** A peer's place in its endpoint's conversation. */
export interface ScriptedPeerState {
  state: string;
  /** Messages it sent to this endpoint so far. */
  counter: number;
  /** Its connect URL's query (the access token left out). */
  query: Record<string, string>;
  /** The peer as templates see it, made once (its address is a system call to read). */
  view: { id: number; address: string };
  connectedAt: number;
  /** For each stream with a count, how many it was sent (allocated only when one has a count). */
  streamSent: number[] | null;
  /** Replies waiting their delay for this peer. */
  delayed: number;
  /** Messages that came before its onConnect messages were all sent, answered after them. */
  early: ReceivedMessage[] | null;
}

/** Replies waiting their delay for one peer beyond which reading from it is held. */
const MAX_DELAYED_PER_PEER = 256;
/** What a message to every peer (or a stream) skips a peer with this much queued already. */
const SKIP_ABOVE_BYTES = LIMITS.echoPauseBufferedBytes;

export class ScriptedEndpoint implements PeerScript {
  readonly #peers = new Map<Peer, ScriptedPeerState>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #startedAt = performance.now();

  constructor(
    readonly compiled: CompiledEndpoint,
    private readonly host: ScriptHost,
  ) {
    compiled.streams.forEach((stream, index) => {
      let rounds = 0;
      const round = host.escaped.guard(`a stream of ${compiled.path}`, () => {
        const now = performance.now();
        if (stream.perPeer) {
          // forEach: a for-of over the map's entries would make an array for every peer, every round.
          this.#peers.forEach((state, peer) => {
            if (state.early !== null || now - state.connectedAt < stream.startAfterMs) return;
            if (state.streamSent !== null) {
              const sent = state.streamSent[index] ?? 0;
              if (sent >= stream.count) return;
              state.streamSent[index] = sent + 1;
            }
            for (const payload of stream.send) {
              const frame = this.#render(payload, state, null);
              // Not recorded, as ticks are not: a stream to every peer would flush everything else.
              if (frame !== null) peer.offer(frame, payload.binary, null, SKIP_ABOVE_BYTES);
            }
          });
          return;
        }
        if (now - this.#startedAt < stream.startAfterMs || rounds >= stream.count) return;
        rounds += 1;
        for (const payload of stream.send) {
          const frame = this.#render(payload, null, null);
          if (frame !== null) this.#sendTo(this.#peers.keys(), frame, payload.binary, null);
        }
      });
      this.#timers.push(setInterval(round, stream.everyMs));
    });
  }

  get path(): string {
    return this.compiled.path;
  }

  /** Takes a new peer: its state starts as "start", and its onConnect messages go out in order. */
  connect(peer: Peer, query: Record<string, string>, carried?: ScriptedPeerState): void {
    peer.script = this;
    const counted = this.compiled.streams.some((stream) => stream.count !== Infinity);
    const state: ScriptedPeerState = carried ?? {
      state: 'start',
      counter: 0,
      query,
      view: { id: peer.id, address: peer.remoteAddress },
      connectedAt: performance.now(),
      streamSent: null,
      delayed: 0,
      early: [],
    };
    // Streams are this definition's own: a carried peer's counts start over with them.
    state.streamSent = counted ? [] : null;
    this.#peers.set(peer, state);
    if (carried === undefined) this.#greet(peer, state, 0);
    // Carried in the middle of its onConnect (the old endpoint's delays are void): answer what waits.
    else if (state.early !== null) this.#greet(peer, state, this.compiled.onConnect.length);
  }

  /** Its state, for the endpoint that replaces this one (an edited definition). */
  release(peer: Peer): ScriptedPeerState | undefined {
    const state = this.#peers.get(peer);
    this.#peers.delete(peer);
    return state;
  }

  /** A peer that left. */
  forget(peer: Peer): void {
    this.#peers.delete(peer);
  }

  peers(): IterableIterator<Peer> {
    return this.#peers.keys();
  }

  /** Stops the streams (the endpoint was removed or replaced, or the station is closing). */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }

  receive(peer: Peer, data: Buffer, isBinary: boolean): void {
    if (peer.socket.readyState !== peer.socket.OPEN) return;
    const state = this.#peers.get(peer);
    if (state === undefined) return;
    peer.recordIncoming(data, isBinary);
    const message = new ReceivedMessage(data, isBinary);
    if (state.early !== null) {
      state.early.push(message);
      return;
    }
    this.#answer(peer, state, message);
  }

  #answer(peer: Peer, state: ScriptedPeerState, message: ReceivedMessage): void {
    state.counter += 1;
    const rule = this.compiled.rules[firstMatchingRule(this.compiled.rules, message, state.state)];
    if (rule === undefined) {
      if (this.compiled.fallback === 'echo') peer.deliver(message.raw, message.binary, 'echo');
      return;
    }
    if (rule.setState !== null) state.state = rule.setState;
    // Rendered now, with the message and the state as they are; sent when the delay is over.
    const frames = rule.send.map((payload) => ({
      frame: this.#render(payload, state, message),
      binary: payload.binary,
    }));
    const wait = delayMs(rule.delay);
    if (wait === 0) {
      this.#act(peer, rule, frames);
      return;
    }
    state.delayed += 1;
    if (state.delayed >= MAX_DELAYED_PER_PEER) peer.holdReading(PauseReason.scriptBacklog);
    setTimeout(
      this.host.escaped.guard(`a delayed reply of ${this.path}`, () => {
        state.delayed -= 1;
        if (state.delayed < MAX_DELAYED_PER_PEER / 2) peer.releaseReading(PauseReason.scriptBacklog);
        if (this.#peers.get(peer) === state) this.#act(peer, rule, frames);
      }),
      wait,
    );
  }

  #act(peer: Peer, rule: CompiledRule, frames: { frame: Buffer | null; binary: boolean }[]): void {
    for (const { frame, binary } of frames) {
      if (frame === null) continue;
      if (rule.to === 'sender') {
        if (peer.socket.readyState === peer.socket.OPEN) peer.deliver(frame, binary, 'reply');
      } else {
        const everyone = this.#peers.keys();
        this.#sendTo(rule.to === 'all' ? everyone : without(everyone, peer), frame, binary, 'reply');
      }
    }
    if (rule.close !== null && peer.socket.readyState === peer.socket.OPEN) {
      peer.closeWithin(rule.close.code, rule.close.reason, LIMITS.closeGraceMs);
    }
  }

  /** Sends onConnect messages from `index` on, each after its delay (`waited`: the first's is over); then the peer is ready. */
  #greet(peer: Peer, state: ScriptedPeerState, index: number, waited = false): void {
    for (let next = index; next < this.compiled.onConnect.length; next += 1) {
      const item = this.compiled.onConnect[next];
      if (item === undefined) break;
      const wait = delayMs(item.delay);
      if (wait > 0 && !(waited && next === index)) {
        const resume = () => {
          if (this.#peers.get(peer) === state && peer.socket.readyState === peer.socket.OPEN) {
            this.#greet(peer, state, next, true);
          }
        };
        setTimeout(this.host.escaped.guard(`a delayed onConnect of ${this.path}`, resume), wait);
        return;
      }
      for (const payload of item.send) {
        const frame = this.#render(payload, state, null);
        if (frame !== null) peer.deliver(frame, payload.binary, 'greeting');
      }
    }
    const early = state.early ?? [];
    state.early = null;
    for (const message of early) this.#answer(peer, state, message);
  }

  #sendTo(peers: Iterable<Peer>, frame: Buffer, binary: boolean, kind: TrafficKind | null): void {
    for (const peer of peers) {
      const state = this.#peers.get(peer);
      if (state !== undefined && state.early === null) peer.offer(frame, binary, kind, SKIP_ABOVE_BYTES);
    }
  }

  /** A payload's frame, or null (logged and counted) when it cannot be sent. */
  #render(payload: CompiledPayload, state: ScriptedPeerState | null, message: ScriptMessage | null): Buffer | null {
    let frame: Buffer;
    try {
      frame =
        'template' in payload
          ? Buffer.from(payload.template(this.#context(state, message, payload.template.readsMessageJson)))
          : payload.bytes;
    } catch (error) {
      this.host.notSent(this.path, 'template-error', (error as Error).message);
      return null;
    }
    const oversize = oversizeProblem(frame, this.host.maxPayload);
    if (oversize === null) return frame;
    this.host.notSent(this.path, 'oversized', oversize);
    return null;
  }

  #context(state: ScriptedPeerState | null, message: ScriptMessage | null, readsJson: boolean): TemplateContext {
    const context: TemplateContext = {
      query: state?.query ?? {},
      endpoint: this.compiled.template,
      counter: state?.counter ?? 0,
    };
    // Parsed only for a template that reads it: most messages are not JSON, and finding that out throws.
    if (message !== null) context.message = { text: message.text ?? '', json: readsJson ? message.json : undefined };
    if (state !== null) context.peer = state.view;
    return context;
  }
}

/** A message a peer sent: as rules see it (its JSON parsed on first need), and its bytes. */
export class ReceivedMessage implements ScriptMessage {
  readonly text: string | null;
  #json: unknown;
  #parsed = false;

  constructor(
    readonly raw: Buffer,
    readonly binary: boolean,
  ) {
    this.text = binary ? null : raw.toString();
  }

  get json(): unknown {
    if (!this.#parsed) {
      this.#parsed = true;
      if (this.text !== null) {
        try {
          this.#json = JSON.parse(this.text);
        } catch {
          this.#json = undefined;
        }
      }
    }
    return this.#json;
  }
}

function delayMs(delay: CompiledDelay): number {
  if (delay === null) return 0;
  const [min, max] = delay;
  return min === max ? min : min + Math.floor(Math.random() * (max - min + 1));
}

function* without(peers: Iterable<Peer>, left: Peer): IterableIterator<Peer> {
  for (const peer of peers) if (peer !== left) yield peer;
}
