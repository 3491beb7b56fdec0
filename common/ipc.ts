/**
 * Every IPC channel between the desktop window and the main process, named once; both sides are
 * typed from IpcContract (the Electron Fiddle pattern).
 */
import type {
  DesktopConfig,
  DesktopSettings,
  DesktopStatus,
  EndpointsCheck,
  EndpointTryRequest,
  EndpointTryResult,
  HostActionResult,
  PeerCloseRequest,
  PeerSendRequest,
  SettingsSaveResult,
} from './desktop';
import type { PeerDetail, RefusalEntry, TlsFileKind, TrafficEntry } from './station-status';

export const IpcChannel = {
  /** Preload → main, synchronous, once at load: the frozen config the page starts with. */
  getConfig: 'station:get-config',
  /** Main → window: the station and its peers, about once a second and on every change. */
  status: 'station:status',
  /** Preload → main: the current settings. */
  getSettings: 'settings:get',
  /** Preload → main: validate, persist and apply settings (restarts the station). */
  saveSettings: 'settings:save',
  /** Preload → main: the system's file dialog for a TLS certificate or key; the path chosen, or null. */
  chooseTlsFile: 'settings:choose-tls-file',
  /** Preload → main: put text on the system clipboard. */
  copyText: 'clipboard:copy-text',
  /** Preload → main: one peer's entries in the station's traffic record. */
  peerTraffic: 'peers:traffic',
  /** Preload → main: one peer in full, with its handshake (null when it is not connected). */
  peerDetail: 'peers:detail',
  /** Preload → main: the refused upgrades after a seq, with their requests, newest last. */
  refusals: 'station:refusals',
  /** Preload → main: send a message from the host to one peer or to all. */
  sendToPeers: 'peers:send',
  /** Preload → main: close one peer with a code and reason. */
  closePeer: 'peers:close',
  /** Preload → main: the scripted endpoints served now, one text each. */
  getEndpoints: 'endpoints:get',
  /** Preload → main: whether these endpoint texts would load, and where the first problem is. */
  checkEndpoints: 'endpoints:check',
  /** Preload → main: check, serve and save these endpoint texts. */
  applyEndpoints: 'endpoints:apply',
  /** Preload → main: what one endpoint's definition would do with a message, sending nothing. */
  tryEndpoint: 'endpoints:try',
} as const;

export type IpcChannelName = (typeof IpcChannel)[keyof typeof IpcChannel];

/** Request and response of each invoke channel. */
export interface IpcInvokeContract {
  [IpcChannel.getSettings]: { request: []; response: DesktopSettings };
  [IpcChannel.saveSettings]: { request: [settings: DesktopSettings]; response: SettingsSaveResult };
  [IpcChannel.chooseTlsFile]: { request: [kind: TlsFileKind, title: string]; response: string | null };
  [IpcChannel.copyText]: { request: [text: string]; response: null };
  [IpcChannel.peerTraffic]: { request: [peerId: number]; response: TrafficEntry[] };
  [IpcChannel.peerDetail]: { request: [peerId: number]; response: PeerDetail | null };
  [IpcChannel.refusals]: { request: [afterSeq: number]; response: RefusalEntry[] };
  [IpcChannel.sendToPeers]: { request: [request: PeerSendRequest]; response: HostActionResult };
  [IpcChannel.closePeer]: { request: [request: PeerCloseRequest]; response: HostActionResult };
  [IpcChannel.getEndpoints]: { request: []; response: string[] };
  [IpcChannel.checkEndpoints]: { request: [texts: string[]]; response: EndpointsCheck };
  [IpcChannel.applyEndpoints]: { request: [texts: string[]]; response: EndpointsCheck };
  [IpcChannel.tryEndpoint]: { request: [request: EndpointTryRequest]; response: EndpointTryResult };
}

/** Synchronous channels: what the main process returns. */
export interface IpcSyncContract {
  [IpcChannel.getConfig]: DesktopConfig;
}

/** Channels the main process sends on, and their payload. */
export interface IpcEventContract {
  [IpcChannel.status]: DesktopStatus;
}
