/**
 * The desktop app's station: started from the settings, restarted when they change, reported to
 * the window. Plain Node (no electron), so it is tested for real.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { connect as connectTls } from 'node:tls';
import { CA_CERTIFICATE_PATH, JSON_SUBPROTOCOL, STATION_PROBE_PATH, TEST_ENDPOINT_PATH } from '../../common/protocol';
import {
  TLS_FILE_SETTINGS,
  type DesktopConfig,
  type DesktopSettings,
  type DesktopStatus,
  type EndpointsCheck,
  type EndpointTryRequest,
  type EndpointTryResult,
  type HostActionResult,
  type PeerCloseRequest,
  type PeerSendRequest,
  type SettingsSaveResult,
} from '../../common/desktop';
import {
  TLS_FILE_KINDS,
  type PeerDetail,
  type RefusalEntry,
  type TlsFileKind,
  type TrafficEntry,
} from '../../common/station-status';
import { APP_NAME } from '../app-info';
import { isLoopbackAddress, LOOPBACK_IPV4, stationUrl } from '../station/addresses';
import { ConfigError } from '../station/config';
import { closeFromHost, hostMessage, HostActionError, peerById, sendToPeers } from '../station/peers/host-actions';
import { ListenError, servesPlain, startStation, type PlainStation, type Station } from '../station/station';
import type { LoadedDefinitions } from '../station/endpoints/definitions';
import { EndpointTextError, loadEndpointTexts } from '../station/endpoints/endpoint-texts';
import { tryMessage } from '../station/endpoints/try-message';
import { givenTls, localCaTls, TlsSetupError, type StationTls } from '../station/tls/station-tls';
import { NO_ENDPOINTS, type StoredEndpoints } from './endpoints-store';
import { stationConfigFor, validateSettings } from './settings';

/** How often the window hears about the station when nothing else happens (traffic counters move). */
const STATUS_INTERVAL_MS = 1000;
/** How long connects and disconnects are gathered into one status update. */
const STATUS_COALESCE_MS = 50;
/** How long the probe of the station's own loopback page may take. */
const PROBE_TIMEOUT_MS = 3000;
/** The setting a TLS problem is about, for the Settings form to mark. */
const TLS_ERROR_SETTING: Record<TlsSetupError['file'], keyof DesktopSettings> = {
  ...TLS_FILE_SETTINGS,
  'ca-folder': 'tls',
};

export interface StationHostOptions {
  /** Shown once in the window, e.g. that the settings file was set aside. */
  notice?: string | null;
  /** Served by every station this host starts, until the window applies others. */
  endpoints?: StoredEndpoints;
  /** Where the local CA is made and kept, for TLS (the user-data folder's tls/). */
  caFolder?: string;
}

export class StationHost {
  /** Always plain (devices fetch the CA there), so its port is a number. */
  #station: PlainStation | undefined;
  #error: string | null = null;
  /** The setting the error is about, for the Settings form to mark. */
  #errorSetting = 'port';
  /** Whether 127.0.0.1 on the station's port is this station, so the window may show it. */
  #ownsLoopbackPage = false;
  readonly #listeners = new Set<(status: DesktopStatus) => void>();
  #ticker: NodeJS.Timeout | undefined;
  #notifyQueued = false;
  /** The paths picked in the file dialog, for each kind of file. */
  readonly #chosenFiles: Record<TlsFileKind, Set<string>> = { certificate: new Set(), key: new Set() };

  private readonly notice: string | null;
  private endpoints: StoredEndpoints;
  private readonly caFolder: string | undefined;

  constructor(
    private settings: DesktopSettings,
    private readonly appVersion: string,
    options: StationHostOptions = {},
  ) {
    this.notice = options.notice ?? null;
    this.endpoints = options.endpoints ?? NO_ENDPOINTS;
    this.caFolder = options.caFolder;
  }

  get station(): Station | undefined {
    return this.#station;
  }

  get currentSettings(): DesktopSettings {
    return this.settings;
  }

  /** Starts the station; a port in use or a CA folder that cannot be used is kept as the error to show, not thrown. */
  async start(): Promise<void> {
    try {
      const config = stationConfigFor(this.settings);
      const tls = this.settings.tls ? await this.#prepareTls(config.host) : undefined;
      const station = await startStation(config, { tls });
      if (!servesPlain(station)) throw new Error('the desktop station always serves plain');
      this.#station = station;
      station.endpoints.apply(this.endpoints.loaded);
      station.peers.on('connect', this.#notifySoon).on('disconnect', this.#notifySoon);
      // The page is on the TLS port while TLS is on: that port must be this station's too.
      const notOurs = !(await answersOnLoopback(station, station.port))
        ? { port: station.port, setting: 'port' }
        : station.tlsPort !== null && !(await answersOnLoopback(station, station.tlsPort, tls?.certificatePem))
          ? { port: station.tlsPort, setting: 'tlsPort' }
          : null;
      this.#ownsLoopbackPage = notOurs === null;
      // The station still serves the LAN; the window only refuses to show (and trust) another program.
      this.#errorSetting = notOurs?.setting ?? 'port';
      this.#error =
        notOurs === null
          ? null
          : `Another program answers on ${LOOPBACK_IPV4}:${notOurs.port}, so this window will not show it. ` +
            'Choose another port in Settings.';
    } catch (error) {
      this.#station = undefined;
      if (error instanceof ListenError) {
        this.#errorSetting = error.listener === 'tls' ? 'tlsPort' : 'port';
        const which = error.listener === 'tls' ? 'the wss:// port' : 'another port';
        this.#error = `${error.message} Choose ${which} in Settings, or 0 for any free port.`;
      } else if (error instanceof TlsSetupError) {
        this.#errorSetting = TLS_ERROR_SETTING[error.file];
        this.#error = tlsProblem(error);
      } else if (error instanceof ConfigError) {
        this.#errorSetting = error.setting;
        this.#error = error.message;
      } else {
        throw error;
      }
    }
    this.#notify();
  }

  async #prepareTls(host: string): Promise<StationTls> {
    const { tlsSource, tlsCertFile, tlsKeyFile } = this.settings;
    if (tlsSource === 'given') {
      // validateSettings asks for both files while TLS is on.
      if (tlsCertFile === null || tlsKeyFile === null)
        throw new TlsSetupError('no certificate file chosen', 'certificate');
      return givenTls(tlsCertFile, tlsKeyFile);
    }
    if (this.caFolder === undefined) throw new TlsSetupError('this app has no folder to keep its local CA in');
    return localCaTls(this.caFolder, host, APP_NAME);
  }

  /**
   * A path the person picked in the system's file dialog, which settings may now name. Settings
   * from the page may name no other file, so a page that went wrong cannot make the station
   * serve some other program's certificate and key.
   */
  allowChosenFile(kind: TlsFileKind, path: string): void {
    this.#chosenFiles[kind].add(path);
  }

  /**
   * With the person's own certificate in use: whether its files now hold another certificate
   * than the one served (renewed in place, as mkcert does), or why they cannot be used.
   */
  #givenFilesOnDisk(settings: DesktopSettings): 'served' | 'renewed' | Extract<SettingsSaveResult, { ok: false }> {
    const { tls, tlsSource, tlsCertFile, tlsKeyFile } = settings;
    if (!tls || tlsSource !== 'given' || tlsCertFile === null || tlsKeyFile === null) return 'served';
    try {
      const onDisk = givenTls(tlsCertFile, tlsKeyFile).certificatePem;
      return onDisk === this.#station?.servedCertificate() ? 'served' : 'renewed';
    } catch (error) {
      if (!(error instanceof TlsSetupError)) throw error;
      return { ok: false, setting: TLS_ERROR_SETTING[error.file], message: tlsProblem(error) };
    }
  }

  /**
   * SHA-256 of the certificate the station serves over TLS now (colon-separated hex, as
   * X509Certificate gives it); null while it serves none. The window trusts this one only.
   */
  servedCertificateFingerprint(): string | null {
    const served = this.#station?.servedCertificate() ?? null;
    return served === null ? null : new X509Certificate(served).fingerprint256;
  }

  /** Closes every peer with 1001 and stops. */
  async stop(): Promise<void> {
    const station = this.#station;
    this.#station = undefined;
    await station?.close();
  }

  /**
   * Validates and applies new settings by restarting the station (unless only the language
   * changed). When the new ones cannot listen, the previous settings are started again and the
   * error is returned.
   */
  async apply(input: unknown): Promise<SettingsSaveResult> {
    let next: DesktopSettings;
    try {
      next = validateSettings(input);
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, setting: error.setting, message: error.message };
      throw error;
    }
    const previous = this.settings;
    for (const kind of TLS_FILE_KINDS) {
      const name = TLS_FILE_SETTINGS[kind];
      const file = next[name];
      if (file !== null && file !== previous[name] && !this.#chosenFiles[kind].has(file)) {
        return { ok: false, setting: name, message: `${file} was not chosen with the Choose… button` };
      }
    }
    // The window's language is the only setting the station does not use: no restart for it,
    // unless the person's certificate was renewed in its files (applying is how they say so).
    if (this.#station && sameStationSettings(previous, next)) {
      const files = this.#givenFilesOnDisk(next);
      if (typeof files === 'object') return files;
      if (files === 'served') {
        this.settings = next;
        return { ok: true, settings: next, urls: this.#station.websocketUrls(), restarted: false };
      }
    }
    await this.stop();
    this.settings = next;
    await this.start();
    if (this.#station) return { ok: true, settings: next, urls: this.#station.websocketUrls(), restarted: true };
    const message = this.#error ?? 'The station did not start.';
    const setting = this.#errorSetting;
    this.settings = previous;
    await this.start();
    return { ok: false, setting, message };
  }

  /**
   * The page the window shows: this station's own, on loopback; null when it is not running or
   * when another program answers there instead.
   */
  pageUrl(): string | null {
    const station = this.#station;
    if (!station || !this.#ownsLoopbackPage) return null;
    // Over TLS when it is on: the window then speaks wss:// as the person's devices do.
    return station.tlsPort === null
      ? stationUrl('http', LOOPBACK_IPV4, station.port, '/')
      : stationUrl('https', LOOPBACK_IPV4, station.tlsPort, '/');
  }

  /** One peer's entries in the traffic record (none for an id that is not a number). */
  peerTraffic(peerId: unknown): TrafficEntry[] {
    return Number.isInteger(peerId) ? (this.#station?.peers.record.forPeer(peerId as number) ?? []) : [];
  }

  /** One connected peer with its handshake; null for one that is not (or an id that is not a number). */
  peerDetail(peerId: unknown): PeerDetail | null {
    const station = this.#station;
    const peer = Number.isInteger(peerId) ? station?.peers.get(peerId as number) : undefined;
    return station && peer ? station.handshakes.detail(peer) : null;
  }

  /** The refused upgrades after `afterSeq` (all kept for anything but a whole number). */
  refusals(afterSeq: unknown): RefusalEntry[] {
    const after = Number.isSafeInteger(afterSeq) && (afterSeq as number) > 0 ? (afterSeq as number) : 0;
    return this.#station?.refusals.list(after) ?? [];
  }

  /** Sends from the host, with the same rules as the host API; input is checked as untrusted. */
  sendToPeers(request: unknown): HostActionResult {
    return this.#hostAction((station) => {
      const { target, message } = (request ?? {}) as Partial<PeerSendRequest>;
      const data = composedBytes(message);
      if (data === undefined) throw new HostActionError(400, 'bad-type', 'A message is text or bytes');
      const checked = hostMessage(message?.binary ? 'binary' : 'text', data, station.config.maxPayload);
      const peers = target === 'all' ? station.peers : [peerById(station.peers, target)];
      return sendToPeers(peers, checked);
    });
  }

  /** Closes one peer with the host's code and reason (1000 or 3000–4999, at most 123 bytes). */
  closePeer(request: unknown): HostActionResult {
    return this.#hostAction((station) => {
      const { peerId, code, reason } = (request ?? {}) as Partial<PeerCloseRequest>;
      closeFromHost(peerById(station.peers, peerId), code, reason);
      return { reached: 1, skipped: 0 };
    });
  }

  /** The scripted endpoints served, one text each. */
  endpointTexts(): string[] {
    return [...this.endpoints.texts];
  }

  /** Whether these endpoint texts load; where the first problem is when they do not. */
  checkEndpoints(texts: unknown): EndpointsCheck {
    const checked = checkTexts(texts);
    return 'loaded' in checked ? { ok: true, paths: pathsOf(checked.loaded) } : checked;
  }

  /**
   * Serves these endpoint texts from now on, in this station and the next ones (settings
   * restart it); unchanged endpoints keep their peers. Saving them is the caller's.
   */
  applyEndpoints(texts: unknown): EndpointsCheck {
    const checked = checkTexts(texts);
    if (!('loaded' in checked)) return checked;
    this.endpoints = { texts: [...(texts as string[])], loaded: checked.loaded };
    this.#station?.endpoints.apply(checked.loaded);
    this.#notifySoon();
    return { ok: true, paths: pathsOf(checked.loaded) };
  }

  /** What one endpoint's definition would do with a message; nothing is sent. */
  tryEndpoint(request: unknown): EndpointTryResult {
    const { text, message, state } = (request ?? {}) as Partial<EndpointTryRequest>;
    const data = composedBytes(message);
    if (typeof text !== 'string' || typeof state !== 'string' || data === undefined) {
      return { ok: false, message: 'Try takes an endpoint text, a message and a state' };
    }
    const checked = checkTexts([text]);
    const endpoint = 'loaded' in checked ? checked.loaded.endpoints[0] : undefined;
    if (endpoint === undefined) return { ok: false, message: 'message' in checked ? checked.message : 'No endpoint' };
    const maxPayload = this.#station?.config.maxPayload ?? stationConfigFor(this.settings).maxPayload;
    const tried = tryMessage(endpoint, data, message?.binary === true, state, maxPayload);
    return {
      ok: true,
      rule: tried.rule,
      fallback: tried.fallback,
      sends: tried.sends.map((send) =>
        'frame' in send ? { binary: send.binary, bytes: new Uint8Array(send.frame) } : send,
      ),
      to: tried.to,
      delayMs: tried.delay,
      setState: tried.setState,
      close: tried.close,
    };
  }

  #hostAction(action: (station: Station) => { reached: number; skipped: number }): HostActionResult {
    const station = this.#station;
    if (!station) return { ok: false, refusal: 'not-running', message: 'The station is not running.' };
    try {
      return { ok: true, ...action(station) };
    } catch (error) {
      if (!(error instanceof HostActionError)) throw error;
      return { ok: false, refusal: error.refusal, message: error.message };
    }
  }

  config(): DesktopConfig {
    const station = this.#station;
    const token = this.settings.tokenEnabled ? this.settings.token : null;
    const lanAddresses = station?.addresses().filter((address) => !isLoopbackAddress(address)) ?? [];
    const lan = (scheme: 'ws' | 'http' | 'wss' | 'https', port: number, path: string, withToken = token) =>
      lanAddresses.map((address) => stationUrl(scheme, address, port, path, withToken));
    const tlsPort = station?.tlsPort ?? null;
    const ownUrl =
      tlsPort === null
        ? stationUrl('ws', LOOPBACK_IPV4, station?.port ?? 0, TEST_ENDPOINT_PATH)
        : stationUrl('wss', LOOPBACK_IPV4, tlsPort, TEST_ENDPOINT_PATH);
    const tlsInfo = station?.status().station.tls ?? null;
    return {
      websocketUrl: station && this.#ownsLoopbackPage ? ownUrl : '',
      subprotocol: JSON_SUBPROTOCOL,
      language: this.settings.language,
      lanUrls: station ? lan('ws', station.port, TEST_ENDPOINT_PATH) : [],
      lanPageUrls: station ? lan('http', station.port, '/') : [],
      tls:
        station && tlsPort !== null && tlsInfo !== null
          ? {
              lanUrls: lan('wss', tlsPort, TEST_ENDPOINT_PATH),
              lanPageUrls: lan('https', tlsPort, '/'),
              source: tlsInfo.source,
              // A given certificate's CA is the person's own: the station has none to hand out.
              caUrls: tlsInfo.source === 'local-ca' ? lan('http', station.port, CA_CERTIFICATE_PATH, null) : [],
              caFingerprint256: tlsInfo.caFingerprint256,
              names: tlsInfo.names,
              notAfter: tlsInfo.notAfter,
            }
          : null,
      token,
      appVersion: this.appVersion,
      stationError: this.#error,
      notice: this.notice,
    };
  }

  status(): DesktopStatus {
    return this.#station
      ? { running: true, status: this.#station.status() }
      : { running: false, error: this.#error ?? 'The station is stopped.', setting: this.#errorSetting };
  }

  /** Calls `listener` on every connect, disconnect and restart, and once a second; returns the stop function. */
  watchStatus(listener: (status: DesktopStatus) => void): () => void {
    this.#listeners.add(listener);
    this.#ticker ??= setInterval(this.#notify, STATUS_INTERVAL_MS);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    };
  }

  readonly #notify = (): void => {
    if (this.#listeners.size === 0) return;
    const status = this.status();
    for (const listener of this.#listeners) listener(status);
  };

  /**
   * Peers come and go in bursts (a hundred handshakes at once); the status lists every peer, so
   * one update per burst, not one per peer, or a burst of n costs n full lists.
   */
  readonly #notifySoon = (): void => {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    setTimeout(() => {
      this.#notifyQueued = false;
      this.#notify();
    }, STATUS_COALESCE_MS);
  };
}

/**
 * Whether 127.0.0.1:PORT reaches this very station: a fresh nonce sent there must arrive in this
 * process. Another program holding that address (possible beside a wildcard bind on macOS and
 * Windows) never passes it on, so it is never shown the window's settings or token. With
 * `pinnedCertificatePem`, over https to exactly that certificate (the one the station serves),
 * which no other program can present.
 */
export async function answersOnLoopback(
  station: Pick<Station, 'answeredProbe'>,
  port: number,
  pinnedCertificatePem?: string,
): Promise<boolean> {
  const nonce = randomBytes(16).toString('hex');
  const path = `${STATION_PROBE_PATH}?nonce=${nonce}`;
  try {
    if (pinnedCertificatePem === undefined) {
      await fetch(stationUrl('http', LOOPBACK_IPV4, port, path), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    } else {
      await pinnedGet(port, path, new X509Certificate(pinnedCertificatePem).fingerprint256);
    }
  } catch {
    // Nothing answered, or not with the station's certificate: not this station either.
  }
  return station.answeredProbe(nonce);
}

/**
 * GET over https on loopback, only to a server presenting the certificate with this SHA-256:
 * compared once the handshake is done, before the request exists. The handshake itself proves
 * the server holds that certificate's key, so no chain is needed, and a given certificate issued
 * by a CA this process does not know (or for names other than 127.0.0.1) passes as it should.
 */
function pinnedGet(port: number, path: string, fingerprint256: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // rejectUnauthorized: false lets the pin, not a CA list, decide; nothing is sent before it has.
    const socket = connectTls({ host: LOOPBACK_IPV4, port, rejectUnauthorized: false });
    // One deadline for the whole exchange: a server that trickles or stops mid-answer ends too.
    const deadline = setTimeout(() => socket.destroy(new Error('timed out')), PROBE_TIMEOUT_MS);
    socket.on('error', reject);
    socket.once('close', () => {
      clearTimeout(deadline);
      reject(new Error('closed before the answer ended'));
    });
    socket.once('secureConnect', () => {
      if (socket.getPeerCertificate().fingerprint256 !== fingerprint256) {
        socket.destroy();
        reject(new Error(`${LOOPBACK_IPV4}:${port} does not serve the station's certificate`));
        return;
      }
      const request = httpGet({ createConnection: () => socket, path, headers: { host: `${LOOPBACK_IPV4}:${port}` } });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          resolve();
          socket.destroy();
        });
      });
      request.on('error', reject);
    });
  });
}

/** A certificate, key or CA folder that cannot be used, as the window says it. */
function tlsProblem(error: TlsSetupError): string {
  return `wss:// could not start: ${error.message}.`;
}

/** A message composed in the window, as bytes; undefined when it is neither text nor bytes. */
function composedBytes(message: unknown): Buffer | undefined {
  const { binary, text, bytes } = (message ?? {}) as { binary?: unknown; text?: unknown; bytes?: unknown };
  if (binary === true) return bytes instanceof Uint8Array ? Buffer.from(bytes) : undefined;
  if (binary === false) return typeof text === 'string' ? Buffer.from(text) : undefined;
  return undefined;
}

const pathsOf = (loaded: LoadedDefinitions) => loaded.endpoints.map(({ path }) => path);

/** Endpoint texts from the window, loaded; or where the first problem is. */
function checkTexts(texts: unknown): { loaded: LoadedDefinitions } | Extract<EndpointsCheck, { ok: false }> {
  if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
    return { ok: false, part: null, offset: 0, length: 0, message: 'Endpoints are a list of JSON texts' };
  }
  try {
    return { loaded: loadEndpointTexts(texts) };
  } catch (error) {
    if (!(error instanceof EndpointTextError)) throw error;
    const { offset, length } = error.location ?? { offset: 0, length: 0 };
    return { ok: false, part: error.part, offset, length, message: error.message };
  }
}

function sameStationSettings(a: DesktopSettings, b: DesktopSettings): boolean {
  return (Object.keys(a) as (keyof DesktopSettings)[]).every((key) => key === 'language' || a[key] === b[key]);
}
