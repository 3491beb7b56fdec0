/** Shapes the desktop window shares with the main process: settings, status, the bridge. */
import type { ClientConfig, Language } from './client-config';
import type { StationStatus, TlsFileKind, TlsSource } from './station-status';

/** What a person can change in the window; persisted in the user-data folder. */
export interface DesktopSettings {
  port: number;
  /** true: every network (0.0.0.0); false: this computer only (127.0.0.1). */
  lanAccess: boolean;
  tickMs: number;
  /** Per other computer: connections open at once, and of those not yet WebSockets. */
  maxConnectionsPerAddress: number;
  maxPendingPerAddress: number;
  /** Per peer; 0: no limit. A faster peer is slowed, not closed. */
  maxMessagesPerSecond: number;
  tokenEnabled: boolean;
  /** Kept while the token is off, so turning it on again restores it. */
  token: string | null;
  deflate: boolean;
  /**
   * Also serve wss:// and https:// on tlsPort, with a certificate from the local CA (made in the
   * user-data folder on first use); the window then uses wss:// itself. Plain ws:// stays on.
   */
  tls: boolean;
  tlsPort: number;
  /** Where the wss:// certificate comes from: the local CA, or the files below (the CLI's --tls-cert/--tls-key). */
  tlsSource: TlsSource;
  /** PEM files (a chain allowed), absolute paths the person chose; kept while the local CA is in use. */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  /** null follows the system. */
  language: Language | null;
}

/** The setting that names each file of a given certificate. */
export const TLS_FILE_SETTINGS = { certificate: 'tlsCertFile', key: 'tlsKeyFile' } as const satisfies Record<
  TlsFileKind,
  keyof DesktopSettings
>;

/** The bridge's config: the page's ClientConfig plus what the host panels show. */
export interface DesktopConfig extends ClientConfig {
  /** Addresses other machines can use, as ws:// endpoint URLs (token included when on). */
  lanUrls: string[];
  /** The same addresses as http:// page URLs, for browsers and phones. */
  lanPageUrls: string[];
  /** While the station serves TLS: the wss:// and https:// addresses, and its CA for devices to install. */
  tls: DesktopTlsConfig | null;
  token: string | null;
  appVersion: string;
  /** Set when the station could not start; the page then shows it and the settings. */
  stationError: string | null;
  /** Something the person should know, such as a settings file that had to be set aside. */
  notice: string | null;
}

export interface DesktopTlsConfig {
  lanUrls: string[];
  lanPageUrls: string[];
  source: TlsSource;
  /** http:// URLs of the local CA's certificate (GET /ca.crt), one per LAN address; none for a given certificate. */
  caUrls: string[];
  /** SHA-256 of the CA certificate, as a device shows it before it is trusted. */
  caFingerprint256: string | null;
  /** The names and addresses the station's certificate is valid for. */
  names: string[];
  /** When the station's certificate runs out (the local CA's is issued anew at every start). */
  notAfter: string;
}

/** When the station is not running: why, and the setting that is about (for the Settings form to mark). */
export type DesktopStatus =
  { running: true; status: StationStatus } | { running: false; error: string; setting: string };

/** restarted: false when only the window's language changed, which the station does not use. */
export type SettingsSaveResult =
  | { ok: true; settings: DesktopSettings; urls: string[]; restarted: boolean }
  | { ok: false; setting: string; message: string };

/** Why the host's action was refused; the window says it in its language. */
export type HostRefusal =
  | 'too-large'
  | 'not-utf8'
  | 'invalid-json'
  | 'bad-type'
  | 'unknown-peer'
  | 'bad-close-code'
  | 'long-reason'
  | 'not-running';

/** A message the window composed: text, or bytes sent as binary. */
export type ComposedMessage = { binary: false; text: string } | { binary: true; bytes: Uint8Array };

/** A message from the window to one peer (its id) or to every peer. */
export interface PeerSendRequest {
  target: number | 'all';
  message: ComposedMessage;
}

export interface PeerCloseRequest {
  peerId: number;
  code: number;
  reason: string;
}

export type HostActionResult =
  { ok: true; reached: number; skipped: number } | { ok: false; refusal: HostRefusal; message: string };

/**
 * Scripted endpoints (docs/ENDPOINTS.md) as the window edits them: one JSON text per endpoint,
 * checked and applied as the definitions file they make together.
 */
export type EndpointsCheck =
  | { ok: true; paths: string[] }
  | {
      ok: false;
      /** The endpoint whose text has the problem, or null for the list as a whole. */
      part: number | null;
      /** Where in that text, for the editor to mark. */
      offset: number;
      length: number;
      message: string;
    };

/** A message tried on one endpoint's definition, from a peer in `state`. */
export interface EndpointTryRequest {
  text: string;
  message: ComposedMessage;
  state: string;
}

/** One payload a tried message would send, or why it could not be sent. */
export type TriedSend = { binary: boolean; bytes: Uint8Array } | { binary: boolean; problem: string };

export type EndpointTryResult =
  | {
      ok: true;
      /** The index of the rule that fires; null when none does and the fallback answers. */
      rule: number | null;
      fallback: 'echo' | 'none';
      sends: TriedSend[];
      to: 'sender' | 'all' | 'others';
      /** [min, max] milliseconds, or null when it is sent at once. */
      delayMs: readonly [number, number] | null;
      setState: string | null;
      close: { code: number; reason: string } | null;
    }
  | { ok: false; message: string };
