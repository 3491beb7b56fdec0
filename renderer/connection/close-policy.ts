/**
 * What a person expects after the station closed an open connection (RFC 6455 7.4.1): to be
 * connected again when it went away for a while (a restart, a lost connection, an error of its
 * own), and to stay closed when it meant it (a normal close, the host's own code, or a rule the
 * page broke, which a new connection would break again).
 */
const MEANT = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010]);

export function reconnectsAfter(code: number): boolean {
  return !MEANT.has(code) && !(code >= 3000 && code <= 4999);
}
