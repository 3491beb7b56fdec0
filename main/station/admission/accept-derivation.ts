/**
 * Sec-WebSocket-Accept worked through from a key (RFC 6455 4.2.2), for a person to follow: ws
 * computes the same for the 101 it writes.
 */
import { createHash } from 'node:crypto';
import { WEBSOCKET_ACCEPT_GUID } from '../../../common/protocol';
import type { AcceptDerivation } from '../../../common/station-status';

export function deriveAccept(key: string): AcceptDerivation {
  const digest = createHash('sha1')
    .update(key + WEBSOCKET_ACCEPT_GUID)
    .digest();
  return { key, guid: WEBSOCKET_ACCEPT_GUID, sha1Hex: digest.toString('hex'), accept: digest.toString('base64') };
}
