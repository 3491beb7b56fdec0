/**
 * A stand-in for the desktop preload's bridge, injected into a page before it loads, shaped as
 * contextBridge leaves it (a frozen object on window). A mock: it records the page's calls in
 * window.__bridgeCalls and lets the test push status with window.__pushStatus(status).
 */
import type { DesktopConfig, DesktopSettings, HostActionResult, SettingsSaveResult } from '../../common/desktop';
import type { TrafficEntry } from '../../common/station-status';

export interface MockBridgeOptions {
  config: DesktopConfig;
  settings: DesktopSettings;
  /** What saveSettings answers. */
  saveResult: SettingsSaveResult;
  /** What peerTraffic answers, whatever the peer. */
  traffic?: TrafficEntry[];
  /** What sendToPeers and closePeer answer. */
  hostResult?: HostActionResult;
}

export function mockBridgeScript(options: MockBridgeOptions): string {
  return `{
    const options = ${JSON.stringify(options)};
    const listeners = new Set();
    window.__bridgeCalls = [];
    window.__pushStatus = (status) => { for (const listener of listeners) listener(status); };
    Object.defineProperty(window, 'wsStation', {
      value: Object.freeze({
        config: Object.freeze(options.config),
        onStatus(listener) { listeners.add(listener); return () => listeners.delete(listener); },
        async getSettings() { window.__bridgeCalls.push(['getSettings']); return options.settings; },
        async saveSettings(settings) { window.__bridgeCalls.push(['saveSettings', settings]); return options.saveResult; },
        async copyText(text) { window.__bridgeCalls.push(['copyText', text]); },
        async peerTraffic(peerId) { window.__bridgeCalls.push(['peerTraffic', peerId]); return options.traffic ?? []; },
        async sendToPeers(request) {
          window.__bridgeCalls.push(['sendToPeers', request.target, request.message.binary ? Array.from(request.message.bytes) : request.message.text]);
          return options.hostResult ?? { ok: true, reached: 1, skipped: 0 };
        },
        async closePeer(request) { window.__bridgeCalls.push(['closePeer', request]); return options.hostResult ?? { ok: true, reached: 1, skipped: 0 }; },
      }),
    });
  }`;
}
