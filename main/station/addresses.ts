/**
 * Which addresses the station can be reached on, and which of them are this computer only.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import { TOKEN_QUERY_PARAMETER } from '../../common/protocol';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** This computer's IPv4 loopback: where the desktop window meets its own station. */
export const LOOPBACK_IPV4 = '127.0.0.1';

export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped form, as seen in a socket's remoteAddress. */
export function isLoopbackAddress(address: string): boolean {
  const unmapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  return unmapped === '::1' || (isIPv4(unmapped) && unmapped.startsWith('127.'));
}

/** Host names and literals a browser may use for this computer's loopback. */
export function isLoopbackHostname(name: string): boolean {
  const host = name.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || isLoopbackAddress(unbracket(host));
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** An address as it goes in a URL: IPv6 in brackets. */
export function urlHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/** A URL of the station at `address`, carrying `token` when one is given (for peers not on loopback). */
export function stationUrl(
  scheme: 'ws' | 'wss' | 'http' | 'https',
  address: string,
  port: number,
  path: string,
  token: string | null = null,
): string {
  const query = token === null ? '' : `?${TOKEN_QUERY_PARAMETER}=${encodeURIComponent(token)}`;
  return `${scheme}://${urlHost(address)}:${port}${path}${query}`;
}

/**
 * The addresses a station bound to `boundAddress` answers on, loopback first. A wildcard
 * expands to the interfaces' addresses as they are now (a laptop may join a network later,
 * so callers ask again rather than keep the list). IPv6 link-local addresses are left out:
 * they need a zone id that URLs and browsers do not carry well.
 */
export function reachableAddresses(boundAddress: string): string[] {
  if (!isWildcardHost(boundAddress)) return [boundAddress];
  const withIPv6 = boundAddress === '::';
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv6' && (!withIPv6 || entry.address.startsWith('fe80:'))) continue;
      addresses.push(entry.address);
    }
  }
  const loopbackFirst = (address: string) => (isLoopbackAddress(address) ? 0 : 1);
  return addresses.sort((a, b) => loopbackFirst(a) - loopbackFirst(b));
}

/** Names other machines may know this computer by, lower case: `name` and `name.local`. */
export function ownHostnames(): string[] {
  const name = hostname().toLowerCase();
  return name.endsWith('.local') ? [name] : [name, `${name}.local`];
}
