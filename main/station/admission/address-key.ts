/**
 * The key a per-address limit (token lockout, connection caps) counts a remote address under.
 *
 * One IPv6 host is routinely given a whole /64 (SLAAC, privacy addresses) and can speak from any
 * of its 2^64 addresses, so a limit keyed on the exact address would hand it a fresh bucket per
 * connection: IPv6 is counted by its /64, as rate limiters do. A dual-stack listener (`::`) sees
 * IPv4 peers as IPv4-mapped IPv6 (`::ffff:198.18.0.2`): those count as the IPv4 address they
 * carry, each on its own, or every IPv4 peer would share `::/64`.
 */
import { isIPv4 } from 'node:net';
import { IPv6 } from 'ipaddr.js';

const IPV4_MAPPED = IPv6.parseCIDR('::ffff:0:0/96');

/**
 * `198.18.0.2` and `::ffff:198.18.0.2` → `198.18.0.2`; any IPv6 address, however spelled (case,
 * `::` or not, a `%zone`) → its /64 in RFC 5952 form, `2001:db8:1:2::/64`; anything unparseable
 * (an empty string for a socket already gone) → itself.
 */
export function addressKey(address: string): string {
  if (isIPv4(address) || !address.includes(':')) return address;
  // How Node reports an IPv4 peer of a dual-stack listener: every such connection, so no parse.
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  let parsed: IPv6;
  try {
    parsed = IPv6.parse(address);
  } catch {
    return address;
  }
  // ipaddr.js reads the deprecated IPv4-compatible form `::a.b.c.d` (Node prints addresses in
  // ::/96 so) as IPv4-mapped; a truly mapped address spells its ffff group, so it has a colon
  // after the leading `::`. IPv4-compatible addresses fall through to ::/64, as they should.
  if (parsed.match(IPV4_MAPPED) && !/^::[^:]*$/.test(address)) return parsed.toIPv4Address().toString();
  return `${new IPv6([...parsed.parts.slice(0, 4), 0, 0, 0, 0]).toRFC5952String()}/64`;
}
