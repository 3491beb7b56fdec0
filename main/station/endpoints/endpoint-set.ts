/**
 * The scripted endpoints a station serves now, and the change from one set of definitions to the
 * next: an unchanged endpoint keeps everything, an edited one keeps its peers (and their states)
 * under its new rules, a removed one closes its peers with 1001.
 */
import type { IncomingMessage } from 'node:http';
import type { EndpointsStatus } from '../../../common/station-status';
import { CloseCode, TOKEN_QUERY_PARAMETER } from '../../../common/protocol';
import { LIMITS } from '../config';
import type { EscapedErrors } from '../escaped-errors';
import type { Peer } from '../peers/peer';
import { loadDefinitions, sameDefinition, type LoadedDefinitions } from './definitions';
import type { EndpointDefinitions } from './schema';
import { ScriptedEndpoint, type ScriptHost } from './scripted-endpoint';

/** A payload not sent is logged at most this often per endpoint and reason; the rest are counted. */
const NOT_SENT_LOG_GAP_MS = 1000;

export class EndpointSet {
  #endpoints = new Map<string, ScriptedEndpoint>();
  #definitions: EndpointDefinitions = { endpoints: [] };
  readonly #notSent = { oversized: 0, templateErrors: 0 };
  readonly #lastLogged = new Map<string, number>();
  readonly #host: ScriptHost;

  constructor(
    /** The set of WebSocket paths the handshake vets against: kept in step with the endpoints. */
    private readonly websocketPaths: Set<string>,
    maxPayload: number,
    escaped: EscapedErrors,
    log: (line: string) => void,
  ) {
    this.#host = {
      maxPayload,
      escaped,
      notSent: (path, why, detail) => {
        if (why === 'oversized') this.#notSent.oversized += 1;
        else this.#notSent.templateErrors += 1;
        const key = `${path} ${why}`;
        const now = performance.now();
        if (now - (this.#lastLogged.get(key) ?? -Infinity) < NOT_SENT_LOG_GAP_MS) return;
        this.#lastLogged.set(key, now);
        const what = why === 'oversized' ? 'a message larger than maxPayload' : 'a template that failed';
        log(`Endpoint ${path}: not sent, ${what}: ${detail}`);
      },
    };
  }

  /** Loads definitions from a file's text and serves them; throws a DefinitionsError and changes nothing if they fail. */
  applyText(text: string): void {
    this.apply(loadDefinitions(text));
  }

  apply(loaded: LoadedDefinitions): void {
    const next = new Map<string, ScriptedEndpoint>();
    for (const compiled of loaded.endpoints) {
      const current = this.#endpoints.get(compiled.path);
      if (current !== undefined && sameDefinition(current.compiled.definition, compiled.definition)) {
        next.set(compiled.path, current);
        continue;
      }
      const endpoint = new ScriptedEndpoint(compiled, this.#host);
      if (current !== undefined) {
        for (const peer of [...current.peers()]) {
          const state = current.release(peer);
          if (state !== undefined) endpoint.connect(peer, state.query, state);
        }
        current.stop();
      }
      next.set(compiled.path, endpoint);
    }
    for (const [path, removed] of this.#endpoints) {
      if (next.has(path)) continue;
      removed.stop();
      this.websocketPaths.delete(path);
      for (const peer of removed.peers()) {
        peer.closeWithin(CloseCode.goingAway, 'Endpoint removed', LIMITS.closeGraceMs);
      }
    }
    for (const path of next.keys()) this.websocketPaths.add(path);
    this.#endpoints = next;
    this.#definitions = loaded.definitions;
  }

  /** The definitions served now, as given. */
  definitions(): EndpointDefinitions {
    return this.#definitions;
  }

  get(path: string): ScriptedEndpoint | undefined {
    return this.#endpoints.get(path);
  }

  /** A new peer of `endpoint`, which connected with `request`. */
  admit(endpoint: ScriptedEndpoint, peer: Peer, request: IncomingMessage): void {
    endpoint.connect(peer, queryOf(request.url ?? ''));
  }

  status(): EndpointsStatus {
    return {
      paths: [...this.#endpoints.keys()],
      notSentOversized: this.#notSent.oversized,
      notSentTemplateErrors: this.#notSent.templateErrors,
    };
  }

  /** Stops every stream (the station is closing). */
  stop(): void {
    for (const endpoint of this.#endpoints.values()) endpoint.stop();
  }
}

/** A connect URL's query for templates, by name (the first value of each); the access token is never in it. */
function queryOf(url: string): Record<string, string> {
  const start = url.indexOf('?');
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  if (start === -1) return query;
  for (const [name, value] of new URLSearchParams(url.slice(start + 1))) {
    if (name !== TOKEN_QUERY_PARAMETER && !(name in query)) query[name] = value;
  }
  return query;
}
