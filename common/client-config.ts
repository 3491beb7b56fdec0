/**
 * The one settings object the client page runs with. In the desktop window the preload bridge
 * provides it; in a LAN browser the page derives it from its own address. Either way the page
 * gets this shape and never asks where it runs.
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
import type { JSON_SUBPROTOCOL } from './protocol';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface ClientConfig {
  /** The endpoint to connect to, token included when one is needed. */
  websocketUrl: string;
  /** Offered on connect; the client also copes when the station declines it. */
  subprotocol: typeof JSON_SUBPROTOCOL;
  /** The language to start in, or null to follow the browser. */
  language: Language | null;
}

/**
 * What the desktop window's preload exposes on `window` (see renderer/bridge.d.ts): one frozen
 * object, the config and the few functions the host panels need. LAN browsers have none.
 */
export interface StationBridge {
  readonly config: Readonly<DesktopConfig>;
  /** Calls `listener` with every status update; returns the function that stops it. */
  onStatus(listener: (status: DesktopStatus) => void): () => void;
  getSettings(): Promise<DesktopSettings>;
  saveSettings(settings: DesktopSettings): Promise<SettingsSaveResult>;
  /**
   * The system's file dialog, titled `title`, for the wss:// certificate or its key: the path
   * chosen, or null when the person cancelled. Only paths chosen here can be saved as settings.
   */
  chooseTlsFile(kind: TlsFileKind, title: string): Promise<string | null>;
  copyText(text: string): Promise<void>;
  /** One peer's recent traffic, from the station's record, oldest first. */
  peerTraffic(peerId: number): Promise<TrafficEntry[]>;
  /** One connected peer in full, with its handshake when the station kept it; null once it has left. */
  peerDetail(peerId: number): Promise<PeerDetail | null>;
  /** The refused upgrades after `afterSeq` (0: all kept), oldest first. */
  refusals(afterSeq: number): Promise<RefusalEntry[]>;
  sendToPeers(request: PeerSendRequest): Promise<HostActionResult>;
  closePeer(request: PeerCloseRequest): Promise<HostActionResult>;
  /** The scripted endpoints served now, one JSON text each. */
  getEndpoints(): Promise<string[]>;
  checkEndpoints(texts: string[]): Promise<EndpointsCheck>;
  /** Checks, serves and saves; peers of unchanged endpoints stay connected. */
  applyEndpoints(texts: string[]): Promise<EndpointsCheck>;
  tryEndpoint(request: EndpointTryRequest): Promise<EndpointTryResult>;
}

export const BRIDGE_GLOBAL = 'wsStation';
