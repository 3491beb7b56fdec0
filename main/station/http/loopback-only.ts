/**
 * The guard of the station's local APIs: requests from this computer only (loopback), naming a
 * loopback Host (otherwise a web page could rebind its own domain name to 127.0.0.1), and, where
 * they carry an Origin, one of the station's own pages (a web page in the host's own browser can
 * send simple requests to loopback without a preflight).
 */
import type { RequestHandler } from 'express';
import { isLoopbackAddress, isLoopbackHostname } from '../addresses';

export function loopbackOnly(isOwnOrigin: (origin: string) => boolean = () => true): RequestHandler {
  return (request, response, next) => {
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) {
      response.status(403).json({ error: 'This API answers this computer only (loopback).' });
      return;
    }
    if (!isLoopbackHostname(hostOf(request.headers.host))) {
      response.status(403).json({ error: 'This API answers only to a loopback Host such as localhost.' });
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin)) {
      response.status(403).json({ error: `Requests from pages at ${origin} are not accepted.` });
      return;
    }
    response.set('Cache-Control', 'no-store');
    next();
  };
}

function hostOf(hostHeader: string | undefined): string {
  try {
    return new URL(`http://${hostHeader ?? ''}`).hostname;
  } catch {
    return '';
  }
}
