/**
 * GET STATUS_API_PATH: the station and its peers as JSON, for this computer only. Peer
 * addresses and user agents are nobody else's business on a shared network.
 */
import express from 'express';
import { STATUS_API_PATH } from '../../common/protocol';
import type { StationStatus } from '../../common/station-status';
import { isLoopbackAddress, isLoopbackHostname } from './addresses';

export function createStatusRouter(getStatus: () => StationStatus): express.Router {
  const router = express.Router();
  router.get(STATUS_API_PATH, (request, response) => {
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) {
      response.status(403).json({ error: 'The status API answers this computer only (loopback).' });
      return;
    }
    // A loopback Host too: otherwise a web page could rebind its own domain name to 127.0.0.1 and read this.
    if (!isLoopbackHostname(hostOf(request.headers.host))) {
      response.status(403).json({ error: 'The status API answers only to a loopback Host such as localhost.' });
      return;
    }
    response.set('Cache-Control', 'no-store').json(getStatus());
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
