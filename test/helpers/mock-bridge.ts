/**
 * A stand-in for the desktop preload's bridge, injected into a page before it loads, shaped as
 * contextBridge leaves it (a frozen object on window). A mock: it records the page's calls in
 * window.__bridgeCalls and lets the test push status with window.__pushStatus(status). Its
 * endpoint, peer detail and refusal functions are answered by a real StationHost in the test
 * process when the page is opened with `expose: stationHostFunctions(host)`; without one, there
 * are no endpoints, no peer details and no refusals.
 */
import type { DesktopConfig, DesktopSettings, HostActionResult, SettingsSaveResult } from '../../common/desktop';
import type { TlsFileKind, TrafficEntry } from '../../common/station-status';
import type { StationHost } from '../../main/desktop/station-host';

/** The name of the exposed function the mock's endpoint functions call. */
const HOST_FUNCTION = '__stationHost';

/**
 * What the page calls to reach `host`, for openPage's `expose`. Bytes cross as arrays of numbers
 * (Playwright's bindings carry JSON), and are turned back into Uint8Arrays on each side.
 */
export function stationHostFunctions(host: StationHost): Record<string, (name: string, argument: unknown) => unknown> {
  return {
    [HOST_FUNCTION]: (name, argument) => {
      if (name === 'peerDetail') return host.peerDetail(argument);
      if (name === 'refusals') return host.refusals(argument);
      if (name === 'getEndpoints') return host.endpointTexts();
      if (name === 'checkEndpoints') return host.checkEndpoints(argument);
      if (name === 'applyEndpoints') return host.applyEndpoints(argument);
      const request = argument as { message: { binary: boolean; bytes?: number[] } };
      const message = request.message.binary
        ? { binary: true, bytes: Uint8Array.from(request.message.bytes ?? []) }
        : request.message;
      const result = host.tryEndpoint({ ...request, message });
      if (!result.ok) return result;
      return {
        ...result,
        sends: result.sends.map((send) => ('bytes' in send ? { ...send, bytes: [...send.bytes] } : send)),
      };
    },
  };
}

export interface MockBridgeOptions {
  config: DesktopConfig;
  settings: DesktopSettings;
  /** What saveSettings answers. */
  saveResult: SettingsSaveResult;
  /** What the file dialog gives for each kind of file; null (cancelled) for a kind not named. */
  chosenFiles?: Partial<Record<TlsFileKind, string>>;
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
    const host = window.${HOST_FUNCTION} && ((name, argument) => window.${HOST_FUNCTION}(name, argument));
    Object.defineProperty(window, 'wsStation', {
      value: Object.freeze({
        config: Object.freeze(options.config),
        onStatus(listener) { listeners.add(listener); return () => listeners.delete(listener); },
        async getSettings() { window.__bridgeCalls.push(['getSettings']); return options.settings; },
        async saveSettings(settings) { window.__bridgeCalls.push(['saveSettings', settings]); return options.saveResult; },
        async chooseTlsFile(kind, title) {
          window.__bridgeCalls.push(['chooseTlsFile', kind, title]);
          return options.chosenFiles?.[kind] ?? null;
        },
        async copyText(text) { window.__bridgeCalls.push(['copyText', text]); },
        async peerTraffic(peerId) { window.__bridgeCalls.push(['peerTraffic', peerId]); return options.traffic ?? []; },
        async peerDetail(peerId) { return host ? host('peerDetail', peerId) : null; },
        async refusals(afterSeq) {
          window.__bridgeCalls.push(['refusals', afterSeq]);
          return host ? host('refusals', afterSeq) : [];
        },
        async sendToPeers(request) {
          window.__bridgeCalls.push(['sendToPeers', request.target, request.message.binary ? Array.from(request.message.bytes) : request.message.text]);
          return options.hostResult ?? { ok: true, reached: 1, skipped: 0 };
        },
        async closePeer(request) { window.__bridgeCalls.push(['closePeer', request]); return options.hostResult ?? { ok: true, reached: 1, skipped: 0 }; },
        async getEndpoints() { return host ? host('getEndpoints') : []; },
        async checkEndpoints(texts) { return host ? host('checkEndpoints', texts) : { ok: true, paths: [] }; },
        async applyEndpoints(texts) {
          window.__bridgeCalls.push(['applyEndpoints', texts]);
          return host ? host('applyEndpoints', texts) : { ok: true, paths: [] };
        },
        async tryEndpoint(request) {
          if (!host) return { ok: false, message: 'No station host answers this mock' };
          const message = request.message.binary ? { binary: true, bytes: Array.from(request.message.bytes) } : request.message;
          const result = await host('tryEndpoint', { ...request, message });
          if (result.ok) result.sends = result.sends.map((send) => 'bytes' in send ? { ...send, bytes: new Uint8Array(send.bytes) } : send);
          return result;
        },
      }),
    });
  }`;
}
