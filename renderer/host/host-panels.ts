/**
 * The desktop window's own panels (Share, Peers, Endpoints, Settings), shown only when the preload bridge
 * is there: LAN browsers never see them. Everything they do goes through the bridge.
 */
import type { Language, StationBridge } from '../../common/client-config';
import type { DesktopSettings, DesktopStatus } from '../../common/desktop';
import { SETTING_RANGES, TOKEN_MIN_LENGTH, TOKEN_PATTERN } from '../../common/setting-ranges';
import type { PeerSnapshot } from '../../common/station-status';
import { describeDevice } from './device';
import { byId } from '../dom';
import { isMessageKey, type MessageKey, type Translate } from '../i18n';
import { EndpointsPanel } from './endpoints-panel';
import { PeerConsole } from './peer-console';
import { RefusalList } from './refusal-list';
import { SharePanel } from './share-panel';
import { TabList } from './tab-list';

const element = (id: string) => byId(id, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);

const HOST_TABS = ['share', 'peers', 'endpoints', 'settings'] as const;

/** The settings typed as numbers: their field and the range they must be in. */
const NUMBER_FIELDS = [
  ['port', 'setting-port'],
  ['tlsPort', 'setting-tls-port'],
  ['tickMs', 'setting-tick-ms'],
  ['maxConnectionsPerAddress', 'setting-max-connections'],
  ['maxPendingPerAddress', 'setting-max-pending'],
  ['maxMessagesPerSecond', 'setting-max-message-rate'],
] as const satisfies readonly (readonly [keyof typeof SETTING_RANGES, string])[];

export class HostPanels {
  #t: Translate;
  #peers: PeerSnapshot[] = [];
  #status: DesktopStatus | undefined;
  #settings: DesktopSettings | undefined;
  #ownPeerId: number | undefined;
  readonly #console: PeerConsole;
  readonly #endpoints: EndpointsPanel;
  readonly #refusalList: RefusalList;
  readonly #share: SharePanel;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    this.#console = new PeerConsole(bridge, t);
    this.#endpoints = new EndpointsPanel(bridge, t);
    this.#refusalList = new RefusalList(bridge, t);
    this.#share = new SharePanel(bridge, t);
    element('peers-body').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-peer]');
      const peer = this.#peers.find((candidate) => String(candidate.id) === button?.dataset.peer);
      if (peer) this.#console.open(peer);
    });
    element('host-panels').hidden = false;
    new TabList(
      HOST_TABS,
      (tab) => ({ tab: `tab-${tab}`, panel: `${tab}-panel` }),
      (tab) => {
        if (tab === 'endpoints') this.#endpoints.shown();
      },
    );
    element('settings-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#askToApply();
    });
    element('confirm-restart').addEventListener('click', () => void this.#apply());
    element('cancel-restart').addEventListener('click', () => (element('settings-confirm').hidden = true));
    for (const [, id] of NUMBER_FIELDS) input(id).addEventListener('input', () => this.#validate());
    input('setting-token').addEventListener('input', () => this.#validate());
    input('setting-token-enabled').addEventListener('change', () => this.#validate());
    input('setting-tls').addEventListener('change', () => this.#validate());
    element('generate-token').addEventListener('click', () => {
      input('setting-token').value = randomToken();
      input('setting-token-enabled').checked = true;
      this.#validate();
    });
    bridge.onStatus((status) => {
      this.#status = status;
      this.#peers = status.running ? status.status.peers : [];
      this.#refusalList.follow(status.running ? status.status : undefined);
      // The console first: whether its peer is still there marks that peer's row.
      this.#console.update(this.#peers);
      this.#renderPeers();
    });
    void bridge.getSettings().then((settings) => {
      this.#settings = settings;
      this.#fillSettings(settings);
    });
    this.#renderBanner();
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#console.setTranslator(t);
    this.#endpoints.setTranslator(t);
    this.#refusalList.setTranslator(t);
    this.#share.setTranslator(t);
    this.#renderPeers();
    this.#renderBanner();
    this.#validate();
  }

  /** This window's own connection, so the Peers table can mark it. */
  setOwnPeer(id: number): void {
    this.#ownPeerId = id;
    this.#renderPeers();
  }

  /**
   * The header's language switch is the app's language setting too. Only the language changes,
   * so the station is not restarted for it.
   */
  saveLanguage(language: Language): void {
    const settings = this.#settings;
    if (!settings || settings.language === language) return;
    void this.bridge.saveSettings({ ...settings, language }).then((outcome) => {
      if (outcome.ok) this.#settings = outcome.settings;
    });
  }

  #renderBanner(): void {
    const { stationError, notice } = this.bridge.config;
    const banner = element('banner');
    const text = [stationError && this.#t('stationDown', { error: stationError }), notice].filter(Boolean).join(' ');
    banner.hidden = text === '';
    banner.textContent = text;
  }

  /** What was refused and why, so a person notices an attack on the LAN. */
  #renderRefusals(): void {
    const totals = this.#status?.running ? this.#status.status.totals : undefined;
    const byReason = { ...totals?.rejected, ...totals?.refusedConnections };
    const parts = Object.entries(byReason)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => this.#t(refusalKey(reason), { count, reason }));
    const lockouts = totals?.tokenLockouts ?? 0;
    const slowed = totals?.slowedForMessageRate ?? 0;
    element('refusals').textContent = [
      parts.length > 0 ? this.#t('refusals', { list: parts.join(', ') }) : this.#t('refusalsNone'),
      lockouts > 0 ? this.#t('tokenLockouts', { count: lockouts }) : '',
      slowed > 0 ? this.#t('slowedForMessageRate', { count: slowed }) : '',
    ]
      .filter(Boolean)
      .join(' ');
  }

  #renderPeers(): void {
    this.#renderRefusals();
    const count = this.#peers.length;
    element('tab-peers').textContent = this.#t('peers', { count });
    document.title = this.#t('windowTitle', { count });
    element('no-peers').hidden = count > 0;
    element('peers-body').replaceChildren(
      ...this.#peers.map((peer) => {
        const row = document.createElement('tr');
        const own = peer.id === this.#ownPeerId;
        row.classList.toggle('own', own);
        const device = document.createElement('td');
        device.className = 'device';
        device.textContent = describeDevice(peer.userAgent, this.#t);
        device.title = peer.userAgent ?? '';
        if (own) {
          const mark = document.createElement('span');
          mark.className = 'own-mark';
          mark.textContent = this.#t('thisWindow');
          device.append(' ', mark);
        }
        const cell = (text: string, className = '') => {
          const td = document.createElement('td');
          td.textContent = text;
          td.className = className;
          return td;
        };
        // The endpoint under the address: one more column would not fit the panel.
        const addressCell = cell(`${peer.remoteAddress}:${peer.remotePort}`, 'address');
        const endpoint = document.createElement('span');
        endpoint.className = 'peer-endpoint';
        const said = document.createElement('span');
        said.className = 'visually-hidden';
        said.textContent = `${this.#t('peerEndpoint')} `;
        endpoint.append(said, peer.endpoint);
        addressCell.append(endpoint);
        const open = document.createElement('button');
        open.type = 'button';
        open.dataset.peer = String(peer.id);
        open.textContent = this.#t('peerOpen');
        open.setAttribute('aria-pressed', String(this.#console.selectedId === peer.id));
        const action = document.createElement('td');
        action.append(open);
        row.append(
          cell(String(peer.id)),
          device,
          addressCell,
          cell(`${peer.messagesIn} / ${peer.messagesOut}`),
          action,
        );
        return row;
      }),
    );
    if (this.#status && !this.#status.running) element('settings-result').textContent = this.#status.error;
  }

  #fillSettings(settings: DesktopSettings): void {
    input('setting-port').value = String(settings.port);
    input('setting-lan').checked = settings.lanAccess;
    input('setting-tick-ms').value = String(settings.tickMs);
    input('setting-max-connections').value = String(settings.maxConnectionsPerAddress);
    input('setting-max-pending').value = String(settings.maxPendingPerAddress);
    input('setting-max-message-rate').value = String(settings.maxMessagesPerSecond);
    input('setting-deflate').checked = settings.deflate;
    input('setting-tls').checked = settings.tls;
    input('setting-tls-port').value = String(settings.tlsPort);
    input('setting-token-enabled').checked = settings.tokenEnabled;
    input('setting-token').value = settings.token ?? '';
    this.#validate();
  }

  /** Marks each field that cannot be applied, in words; true when all can. */
  #validate(): boolean {
    let valid = true;
    for (const [name, id] of NUMBER_FIELDS) {
      const field = input(id);
      const { min, max } = SETTING_RANGES[name];
      const value = Number(field.value.trim());
      const ok = /^\d+$/.test(field.value.trim()) && value >= min && value <= max;
      valid &&= ok;
      field.setAttribute('aria-invalid', String(!ok));
      element(`${id}-error`).textContent = ok ? '' : this.#t('invalidWholeNumber', { min, max });
    }
    // The TLS port is kept while TLS is off, but cannot be edited then.
    input('setting-tls-port').disabled = !input('setting-tls').checked;
    const tokenOn = input('setting-token-enabled').checked;
    const token = input('setting-token');
    // The token is kept while off (turning it on restores it), but cannot be edited then.
    token.disabled = !tokenOn;
    const tokenOk = !tokenOn || TOKEN_PATTERN.test(token.value.trim());
    valid &&= tokenOk;
    token.setAttribute('aria-invalid', String(!tokenOk));
    const tokenProblem = tokenOk ? '' : this.#t('tokenNeeded', { min: TOKEN_MIN_LENGTH });
    token.setCustomValidity(tokenProblem);
    token.title = tokenProblem;
    return valid;
  }

  /** Applying drops every peer: with peers connected, the person confirms first. */
  #askToApply(): void {
    const result = element('settings-result');
    if (!this.#validate()) {
      result.textContent = this.#t('settingsHaveErrors');
      return;
    }
    result.textContent = '';
    const count = this.#peers.length;
    if (count === 0) {
      void this.#apply();
      return;
    }
    element('settings-confirm-text').textContent = this.#t('restartConfirm', { count });
    element('settings-confirm').hidden = false;
    element('confirm-restart').focus();
  }

  async #apply(): Promise<void> {
    element('settings-confirm').hidden = true;
    const token = input('setting-token').value.trim();
    const settings = {
      ...this.#settings,
      port: Number(input('setting-port').value),
      lanAccess: input('setting-lan').checked,
      tickMs: Number(input('setting-tick-ms').value),
      maxConnectionsPerAddress: Number(input('setting-max-connections').value),
      maxPendingPerAddress: Number(input('setting-max-pending').value),
      maxMessagesPerSecond: Number(input('setting-max-message-rate').value),
      deflate: input('setting-deflate').checked,
      tls: input('setting-tls').checked,
      tlsPort: Number(input('setting-tls-port').value),
      tokenEnabled: input('setting-token-enabled').checked,
      token: token === '' ? null : token,
      language: this.#settings?.language ?? null,
    };
    const result = element('settings-result');
    result.textContent = this.#t('applying');
    const outcome = await this.bridge.saveSettings(settings);
    result.textContent = outcome.ok
      ? this.#t('applied', { urls: outcome.urls.join('  ') })
      : this.#t('notApplied', { message: outcome.message });
    if (outcome.ok) this.#settings = outcome.settings;
  }
}

/** The message for a refusal reason: an HTTP status or a per-address limit. */
function refusalKey(reason: string): MessageKey {
  const key = /^\d+$/.test(reason) ? `refusal${reason}` : `refusal${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}`;
  return isMessageKey(key) ? key : 'refusalOther';
}

/** 24 URL-safe characters from the browser's CSPRNG, like the station's own generated tokens. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
