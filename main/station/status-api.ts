/**
 * GET STATUS_API_PATH: the station and its peers as JSON, for this computer only. Peer
 * addresses and user agents are nobody else's business on a shared network. GET
 * STATION_PROBE_PATH: a nonce noted for the desktop app's check that the station is its own.
 */
import express from 'express';
import { STATION_PROBE_PATH, STATUS_API_PATH } from '../../common/protocol';
import type { StationStatus } from '../../common/station-status';
import { isLoopbackAddress, isLoopbackHostname } from './addresses';

const NONCE_PATTERN = /^[0-9a-f]{32}$/;

export function createStatusRouter(getStatus: () => StationStatus, onProbe: (nonce: string) => void): express.Router {
  const router = express.Router();
  router.use([STATUS_API_PATH, STATION_PROBE_PATH], (request, response, next) => {
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) {
      response.status(403).json({ error: 'The status API answers this computer only (loopback).' });
      return;
    }
    // A loopback Host too: otherwise a web page could rebind its own domain name to 127.0.0.1 and read this.
    if (!isLoopbackHostname(hostOf(request.headers.host))) {
      response.status(403).json({ error: 'The status API answers only to a loopback Host such as localhost.' });
      return;
    }
    response.set('Cache-Control', 'no-store');
    next();
  });
  router.get(STATUS_API_PATH, (_request, response) => {
    response.json(getStatus());
  });
  router.get(STATION_PROBE_PATH, (request, response) => {
    const { nonce } = request.query;
    if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) {
      response.status(400).json({ error: 'nonce must be 32 lowercase hex digits' });
      return;
    }
    onProbe(nonce);
    response.status(204).end();
  });
  return router;
}

function hostOf(hostHeader: string | undefined): string {
  try {
    return new URL(`http://${hostHeader ?? ''}`).hostname;
  } catch {
    return '';
  }
}
