/** Shapes the desktop window shares with the main process: settings, status, the bridge. */
import type { ClientConfig, Language } from './client-config';
import type { StationStatus } from './station-status';

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
  /** null follows the system. */
  language: Language | null;
}

/** The bridge's config: the page's ClientConfig plus what the host panels show. */
export interface DesktopConfig extends ClientConfig {
  /** Addresses other machines can use, as ws:// endpoint URLs (token included when on). */
  lanUrls: string[];
  /** The same addresses as http:// page URLs, for browsers and phones. */
  lanPageUrls: string[];
  token: string | null;
  appVersion: string;
  /** Set when the station could not start; the page then shows it and the settings. */
  stationError: string | null;
  /** Something the person should know, such as a settings file that had to be set aside. */
  notice: string | null;
}

export type DesktopStatus = { running: true; status: StationStatus } | { running: false; error: string };

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

/** A message from the window to one peer (its id) or to every peer. */
export interface PeerSendRequest {
  target: number | 'all';
  message: { binary: false; text: string } | { binary: true; bytes: Uint8Array };
}

export interface PeerCloseRequest {
  peerId: number;
  code: number;
  reason: string;
}

export type HostActionResult =
  { ok: true; reached: number; skipped: number } | { ok: false; refusal: HostRefusal; message: string };
