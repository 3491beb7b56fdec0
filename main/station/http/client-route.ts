/**
 * Serves the built client page (dist/renderer) at `/`, so a browser anywhere on the LAN opens
 * http://station:port/ and is connected. Its Content-Security-Policy allows only the page's own
 * scripts and styles, and WebSocket connections to this station.
 */
import express from 'express';
import { join } from 'node:path';

/** Where the build puts the client, relative to this file in dist/main/station. */
export const CLIENT_DIR = join(__dirname, '..', '..', '..', 'renderer');

/** Host header values safe to repeat inside a CSP source (host, IPv4, [IPv6], port). */
const HOST_PATTERN = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  const station = host !== undefined && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${station}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createClientRouter(clientDir = CLIENT_DIR): express.Router {
  const router = express.Router();
  router.use((request, response, next) => {
    response.set({
      'Content-Security-Policy': contentSecurityPolicy(request.headers.host),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    next();
  });
  router.use(express.static(clientDir, { index: 'index.html', maxAge: 0 }));
  return router;
}
