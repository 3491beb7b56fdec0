/**
 * Which browser origins may open a WebSocket to the station. WebSocket has no same-origin
 * rule, so without this any page a person visits could talk to their station.
 */
import { reachableAddresses, isLoopbackHostname, isWildcardHost, ownHostnames, unbracket } from '../addresses';

export interface OriginPolicyOptions {
  /** The address the station is bound to (possibly a wildcard). */
  boundAddress: string;
  /** The plain (http) port and the TLS (https) port; null where that one is not served. */
  port: number | null;
  tlsPort: number | null;
  /** Exact origins accepted besides the station's own. */
  allowedOrigins: readonly string[];
}

/**
 * Accepts no Origin (scripts and CLI tools send none), the configured origins, and the
 * station's own served origins: http on its port and https on its TLS port at any of its addresses, with every
 * loopback alias (localhost, 127.x, [::1]) counted as one when it serves loopback.
 */
export function createOriginPolicy(options: OriginPolicyOptions): (origin: string | undefined) => boolean {
  const allowed = new Set(options.allowedOrigins);
  const wildcard = isWildcardHost(options.boundAddress);
  return (origin) => {
    if (origin === undefined) return true;
    if (allowed.has(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const servedPort = url.protocol === 'http:' ? options.port : url.protocol === 'https:' ? options.tlsPort : null;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (servedPort === null || port !== servedPort) return false;
    const host = unbracket(url.hostname);
    const addresses = reachableAddresses(options.boundAddress);
    if (isLoopbackHostname(host)) return addresses.some(isLoopbackHostname);
    return addresses.includes(host) || (wildcard && ownHostnames().includes(host));
  };
}
