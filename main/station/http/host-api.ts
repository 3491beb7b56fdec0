/**
 * The host's API for scripts, on this computer only (see loopback-only.ts):
 *   GET    /api/peers/{id}            the peer as /api/status lists it, with its handshake
 *   GET    /api/peers/{id}/messages   that peer's recent traffic, oldest first
 *   POST   /api/peers/{id}/messages   send the body to one peer
 *   POST   /api/broadcast             send the body to every peer
 *   DELETE /api/peers/{id}?code=&reason=   close one peer
 *   GET    /api/refusals?after=       the newest refused upgrades with their requests, newest last
 * The body's Content-Type says what it is: text/plain (text), application/json (text, checked),
 * application/octet-stream (binary). Every refusal is a status and a JSON error; nothing is sent.
 */
import express, { type ErrorRequestHandler } from 'express';
import { BROADCAST_API_PATH, PEERS_API_PATH, REFUSALS_API_PATH } from '../../../common/protocol';
import type { RefusalLog } from '../admission/refusal-log';
import type { HandshakeBook } from '../peers/handshake-book';
import {
  closeFromHost,
  hostMessage,
  HostActionError,
  peerById,
  sendToPeers,
  type HostMessageFormat,
} from '../peers/host-actions';
import { loopbackOnly } from './loopback-only';
import type { PeerRegistry } from '../peers/peer-registry';

const FORMATS: Record<string, HostMessageFormat> = {
  'text/plain': 'text',
  'application/json': 'json',
  'application/octet-stream': 'binary',
};

/** What the host API reads from: the peers, and what the station kept of handshakes. */
export interface HostSources {
  peers: PeerRegistry;
  refusals: RefusalLog;
  handshakes: HandshakeBook;
}

const GUARDED_PATHS = [PEERS_API_PATH, BROADCAST_API_PATH, REFUSALS_API_PATH];

export function createHostRouter(
  { peers, refusals, handshakes }: HostSources,
  maxPayload: number,
  isOwnOrigin: (origin: string) => boolean,
): express.Router {
  const router = express.Router();
  router.use(GUARDED_PATHS, loopbackOnly(isOwnOrigin));
  // One byte over the limit is enough to know it is too large; express answers 413 beyond it.
  const body = express.raw({ type: () => true, limit: maxPayload + 1 });

  const messageOf = (request: express.Request): ReturnType<typeof hostMessage> => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = FORMATS[type];
    if (format === undefined) {
      throw new HostActionError(
        400,
        'bad-type',
        'Send the message as text/plain, application/json or application/octet-stream',
      );
    }
    return hostMessage(format, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), maxPayload);
  };

  router.get(`${PEERS_API_PATH}/:id`, (request, response) => {
    response.json(handshakes.detail(peerById(peers, idFromPath(request.params.id))));
  });
  router.get(REFUSALS_API_PATH, (request, response) => {
    const after = request.query.after ?? '0';
    if (typeof after !== 'string' || !/^\d{1,15}$/.test(after)) {
      response.status(400).json({ error: 'after is the seq of the newest refusal you have: a whole number' });
      return;
    }
    response.json({ refusals: refusals.list(Number(after)) });
  });
  router.get(`${PEERS_API_PATH}/:id/messages`, (request, response) => {
    const id = idFromPath(request.params.id);
    const messages = typeof id === 'number' ? peers.record.forPeer(id) : [];
    // A peer that has left keeps its record until newer traffic pushes it out.
    if (messages.length === 0 && (typeof id !== 'number' || peers.get(id) === undefined)) {
      throw new HostActionError(404, 'unknown-peer', `No peer ${request.params.id} is connected or in the record`);
    }
    response.json({ peer: id, messages });
  });
  router.post(`${PEERS_API_PATH}/:id/messages`, body, (request, response) => {
    const peer = peerById(peers, idFromPath(request.params.id));
    response.json(sendToPeers([peer], messageOf(request)));
  });
  router.post(BROADCAST_API_PATH, body, (request, response) => {
    response.json(sendToPeers(peers, messageOf(request)));
  });
  router.delete(`${PEERS_API_PATH}/:id`, (request, response) => {
    const peer = peerById(peers, idFromPath(request.params.id));
    const { code, reason } = closeFromHost(peer, request.query.code ?? '1000', request.query.reason);
    response.json({ closed: peer.id, code, reason });
  });
  router.use(GUARDED_PATHS, hostErrors);
  return router;
}

/** A peer id from the URL path: its number when it is digits, else the text, which no peer has. */
function idFromPath(segment: string): number | string {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

/** Refusals as JSON: the action's own status, or the body parser's (413 for a body too large). */
const hostErrors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (error instanceof HostActionError) {
    response.status(error.status).json({ error: error.message });
    return;
  }
  const status = (error as { status?: unknown }).status;
  if (status === 413) {
    response.status(413).json({ error: 'The message is larger than peers accept (maxPayload)' });
    return;
  }
  next(error);
};
