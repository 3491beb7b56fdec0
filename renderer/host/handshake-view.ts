/**
 * A peer's Handshake tab in its console: the round trip, the subprotocol and extensions offered
 * and settled, the exchange as two blocks of header lines, and the accept worked through.
 */
import { headerLine } from '../../common/head-text';
import { HANDSHAKES_KEPT, type HeaderLines, type PeerDetail, type PeerSnapshot } from '../../common/station-status';
import { byId } from '../dom';
import { requestText } from './head-text-block';
import type { Translate } from '../i18n';

const element = (id: string) => byId(id, HTMLElement);

/** The detail of a peer as fetched: undefined while it is being asked for. */
export type FetchedDetail = PeerDetail | null | undefined;

export function renderRoundTrip(peer: PeerSnapshot, t: Translate): void {
  const rtt = peer.rttMs;
  element('peer-rtt').textContent = rtt
    ? t('roundTripValue', { last: rtt.last, median: rtt.median })
    : t('roundTripNone');
}

export function renderHandshake(detail: FetchedDetail, t: Translate): void {
  const handshake = detail?.handshake;
  const missing = element('handshake-missing');
  missing.hidden = detail === undefined || handshake != null;
  missing.textContent =
    detail === null ? t('handshakeGone') : handshake === null ? t('handshakeNotKept', { count: HANDSHAKES_KEPT }) : '';
  element('handshake-exchange').hidden = !handshake;
  if (!handshake) {
    for (const id of ['handshake-subprotocol', 'handshake-extensions']) element(id).textContent = t('none');
    return;
  }
  const { request, response, accept } = handshake;
  const offered = (name: string) => valueOf(request.headers, name) ?? t('none');
  const settled = (name: string) => valueOf(response.headers, name) ?? t('none');
  element('handshake-subprotocol').textContent = t('offeredChosen', {
    offered: offered('sec-websocket-protocol'),
    chosen: settled('sec-websocket-protocol'),
  });
  element('handshake-extensions').textContent = t('offeredAgreed', {
    offered: offered('sec-websocket-extensions'),
    agreed: settled('sec-websocket-extensions'),
  });
  element('handshake-request').textContent = requestText(request, t);
  element('handshake-response').textContent = [
    `HTTP/1.1 ${response.status} Switching Protocols`,
    ...response.headers.map(headerLine),
  ].join('\n');
  element('accept-key').textContent = accept.key;
  element('accept-joined').textContent = accept.key + accept.guid;
  element('accept-sha1').textContent = accept.sha1Hex;
  element('accept-value').textContent = accept.accept;
  const sent = valueOf(response.headers, 'sec-websocket-accept') ?? '';
  element('accept-check').textContent = sent === accept.accept ? t('acceptSame') : t('acceptDiffers', { sent });
}

/** A header's values (all lines of that name, joined as HTTP joins them); undefined when absent. */
function valueOf(headers: HeaderLines, name: string): string | undefined {
  const values = headers.filter(([header]) => header.toLowerCase() === name).map(([, value]) => value);
  return values.length > 0 ? values.join(', ') : undefined;
}
