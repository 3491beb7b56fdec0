/** A desktop config as the main process would hand the window, for tests of the bridge and panels. */
import type { Language } from '../../common/client-config';
import type { DesktopConfig } from '../../common/desktop';

export function sampleDesktopConfig(
  websocketUrl = 'ws://127.0.0.1:3000/websocket/test',
  language: Language | null = null,
): DesktopConfig {
  return {
    websocketUrl,
    subprotocol: 'station.v1.json',
    language,
    lanUrls: ['ws://192.168.1.20:3000/websocket/test'],
    lanPageUrls: ['http://192.168.1.20:3000/'],
    tls: null,
    token: null,
    appVersion: '0.1.0',
    stationError: null,
    notice: null,
  };
}

/** What the preload puts on window.wsStation, sorted: the bridge's whole surface. */
export const BRIDGE_KEYS = [
  'applyEndpoints',
  'checkEndpoints',
  'chooseTlsFile',
  'closePeer',
  'config',
  'copyText',
  'getEndpoints',
  'getSettings',
  'onStatus',
  'peerDetail',
  'peerTraffic',
  'refusals',
  'saveSettings',
  'sendToPeers',
  'tryEndpoint',
];
