/**
 * The scripted endpoints over HTTP, on this computer only (see loopback-only.ts):
 *   GET /api/endpoints   the definitions served now
 *   PUT /api/endpoints   checks a definitions file (the body, JSON) and serves it, or answers 400
 *                        with the same one-line message the command line gives, and changes nothing
 */
import express, { type ErrorRequestHandler } from 'express';
import { ENDPOINTS_API_PATH } from '../../../common/protocol';
import { DefinitionsError } from '../endpoints/definitions';
import type { EndpointSet } from '../endpoints/endpoint-set';
import { loopbackOnly } from './loopback-only';

/** A definitions file larger than this is refused (413): it is a script, not data. */
const MAX_DEFINITIONS_BYTES = 1024 * 1024;

export function createEndpointsRouter(
  endpoints: EndpointSet,
  isOwnOrigin: (origin: string) => boolean,
): express.Router {
  const router = express.Router();
  router.use(ENDPOINTS_API_PATH, loopbackOnly(isOwnOrigin));
  router.get(ENDPOINTS_API_PATH, (_request, response) => {
    response.json(endpoints.definitions());
  });
  router.put(
    ENDPOINTS_API_PATH,
    express.text({ type: () => true, limit: MAX_DEFINITIONS_BYTES }),
    (request, response) => {
      endpoints.applyText(typeof request.body === 'string' ? request.body : '');
      response.json(endpoints.definitions());
    },
  );
  router.use(ENDPOINTS_API_PATH, definitionErrors);
  return router;
}

const definitionErrors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (error instanceof DefinitionsError) {
    response.status(400).json({ error: error.message });
    return;
  }
  const status = (error as { status?: unknown }).status;
  if (status === 413) {
    response.status(413).json({ error: `Definitions are at most ${MAX_DEFINITIONS_BYTES} bytes` });
    return;
  }
  if (status === 400) {
    response.status(400).json({ error: 'The body is not UTF-8 text' });
    return;
  }
  next(error);
};
