/**
 * GET STATUS_API_PATH: the station and its peers as JSON, for this computer only. Peer
 * addresses and user agents are nobody else's business on a shared network. GET
 * STATION_PROBE_PATH: a nonce noted for the desktop app's check that the station is its own.
 */
import express from 'express';
import { STATION_PROBE_PATH, STATUS_API_PATH } from '../../../common/protocol';
import type { StationStatus } from '../../../common/station-status';
import { loopbackOnly } from './loopback-only';

const NONCE_PATTERN = /^[0-9a-f]{32}$/;

export function createStatusRouter(getStatus: () => StationStatus, onProbe: (nonce: string) => void): express.Router {
  const router = express.Router();
  router.use([STATUS_API_PATH, STATION_PROBE_PATH], loopbackOnly());
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
