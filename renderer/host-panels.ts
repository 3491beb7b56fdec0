/**
 * The desktop window's own panels (Share, Peers, Settings), shown only when the preload bridge
 * is there: LAN browsers never see them. Everything they do goes through the bridge.
 */
import { renderSVG } from 'uqr';
import type { StationBridge } from '../common/client-config';
import type { DesktopSettings, DesktopStatus } from '../common/desktop';
import type { PeerSnapshot } from '../common/station-status';
import { byId } from './dom';
import { isLanguage, isMessageKey, type MessageKey, type Translate } from './i18n';
import { PeerConsole } from './peer-console';

const element = (id: string) => byId(id, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);
const select = (id: string) => byId(id, HTMLSelectElement);

const HOST_TABS = ['share', 'peers', 'settings'] as const;
type HostTab = (typeof HOST_TABS)[number];

export class HostPanels {
  #t: Translate;
  #peers: PeerSnapshot[] = [];
  #status: DesktopStatus | undefined;
  #settings: DesktopSettings | undefined;
  readonly #console: PeerConsole;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    this.#console = new PeerConsole(bridge, t);
    element('peers-body').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-peer]');
      const peer = this.#peers.find((candidate) => String(candidate.id) === button?.dataset.peer);
      if (peer) this.#console.open(peer);
    });
    element('host-panels').hidden = false;
    for (const tab of HOST_TABS) element(`tab-${tab}`).addEventListener('click', () => this.#select(tab));
    element('settings-panel').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#apply();
    });
    element('generate-token').addEventListener('click', () => {
      input('setting-token').value = randomToken();
      input('setting-token-enabled').checked = true;
    });
    element('share-list').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-copy]');
      if (!button?.dataset.copy) return;
      bridge.copyText(button.dataset.copy).then(
        () => (button.textContent = this.#t('copied')),
        () => (button.textContent = this.#t('copyFailed')),
      );
    });
    bridge.onStatus((status) => {
      this.#status = status;
      this.#peers = status.running ? status.status.peers : [];
      this.#renderPeers();
      this.#console.update(this.#peers);
    });
    void bridge.getSettings().then((settings) => {
      this.#settings = settings;
      this.#fillSettings(settings);
    });
    this.#renderShare();
    this.#renderBanner();
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#console.setTranslator(t);
    this.#renderShare();
    this.#renderPeers();
    this.#renderBanner();
  }

  #select(selected: HostTab): void {
    for (const tab of HOST_TABS) {
      element(`tab-${tab}`).setAttribute('aria-selected', String(tab === selected));
      element(`${tab}-panel`).hidden = tab !== selected;
    }
  }

  #renderBanner(): void {
    const { stationError, notice } = this.bridge.config;
    const banner = element('banner');
    const text = [stationError && this.#t('stationDown', { error: stationError }), notice].filter(Boolean).join(' ');
    banner.hidden = text === '';
    banner.textContent = text;
  }

  #renderShare(): void {
    const { lanUrls, lanPageUrls } = this.bridge.config;
    element('share-intro').textContent = this.#t(lanPageUrls.length > 0 ? 'shareIntro' : 'shareNone');
    const list = element('share-list');
    list.replaceChildren(
      ...[...lanPageUrls, ...lanUrls].map((url) => {
        const item = document.createElement('li');
        const text = document.createElement('code');
        text.textContent = url;
        const copy = document.createElement('button');
        copy.type = 'button';
        copy.dataset.copy = url;
        copy.textContent = this.#t('copy');
        item.append(text, copy);
        return item;
      }),
    );
    const firstPage = lanPageUrls[0];
    const qr = element('share-qr');
    qr.hidden = firstPage === undefined;
    // uqr returns an SVG of rects and paths only; no script or style can come from it.
    qr.innerHTML = firstPage === undefined ? '' : renderSVG(firstPage);
    qr.setAttribute('aria-label', firstPage ?? '');
  }

  /** What was refused and why, so a person notices an attack on the LAN. */
  #renderRefusals(): void {
    const totals = this.#status?.running ? this.#status.status.totals : undefined;
    const byReason = { ...totals?.rejected, ...totals?.refusedConnections };
    const parts = Object.entries(byReason)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => this.#t(refusalKey(reason), { count, reason }));
    const lockouts = totals?.tokenLockouts ?? 0;
    element('refusals').textContent = [
      parts.length > 0 ? this.#t('refusals', { list: parts.join(', ') }) : this.#t('refusalsNone'),
      lockouts > 0 ? this.#t('tokenLockouts', { count: lockouts }) : '',
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
        const cells = [
          String(peer.id),
          `${peer.remoteAddress}:${peer.remotePort}`,
          peer.origin ?? '—',
          peer.userAgent ?? '—',
          new Date(peer.connectedAt).toLocaleTimeString(),
          `${peer.messagesIn} / ${peer.bytesIn}`,
          `${peer.messagesOut} / ${peer.bytesOut}`,
          String(peer.ticksSkipped),
        ];
        row.append(
          ...cells.map((text, i) => {
            const cell = document.createElement('td');
            cell.textContent = text;
            if (i === 3) {
              cell.className = 'agent';
              cell.title = text;
            }
            return cell;
          }),
        );
        const open = document.createElement('button');
        open.type = 'button';
        open.dataset.peer = String(peer.id);
        open.textContent = this.#t('peerOpen');
        open.setAttribute('aria-pressed', String(this.#console.selectedId === peer.id));
        const action = document.createElement('td');
        action.append(open);
        row.append(action);
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
    input('setting-deflate').checked = settings.deflate;
    input('setting-token-enabled').checked = settings.tokenEnabled;
    input('setting-token').value = settings.token ?? '';
    select('setting-language').value = settings.language ?? '';
  }

  async #apply(): Promise<void> {
    const language = select('setting-language').value;
    const token = input('setting-token').value.trim();
    // Numbers go as typed; the main process checks them with the command line's rules.
    const settings = {
      ...this.#settings,
      port: Number(input('setting-port').value),
      lanAccess: input('setting-lan').checked,
      tickMs: Number(input('setting-tick-ms').value),
      maxConnectionsPerAddress: Number(input('setting-max-connections').value),
      maxPendingPerAddress: Number(input('setting-max-pending').value),
      deflate: input('setting-deflate').checked,
      tokenEnabled: input('setting-token-enabled').checked,
      token: token === '' ? null : token,
      language: isLanguage(language) ? language : null,
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
