/**
 * The desktop window's own panels (Share, Peers, Endpoints, Settings), shown only when the preload bridge
 * is there: LAN browsers never see them. Everything they do goes through the bridge.
 */
import type { Language, StationBridge } from '../../common/client-config';
import type { DesktopStatus } from '../../common/desktop';
import type { PeerSnapshot } from '../../common/station-status';
import { describeDevice } from './device';
import { byId } from '../dom';
import { isMessageKey, type MessageKey, type Translate } from '../i18n';
import { EndpointsPanel } from './endpoints-panel';
import { PeerConsole } from './peer-console';
import { RefusalList } from './refusal-list';
import { SettingsPanel } from './settings-panel';
import { SharePanel } from './share-panel';
import { TabList } from './tab-list';

const element = (id: string) => byId(id, HTMLElement);

const HOST_TABS = ['share', 'peers', 'endpoints', 'settings'] as const;

export class HostPanels {
  #t: Translate;
  #peers: PeerSnapshot[] = [];
  #status: DesktopStatus | undefined;
  #ownPeerId: number | undefined;
  readonly #console: PeerConsole;
  readonly #endpoints: EndpointsPanel;
  readonly #refusalList: RefusalList;
  readonly #share: SharePanel;
  readonly #settings: SettingsPanel;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    this.#console = new PeerConsole(bridge, t);
    this.#endpoints = new EndpointsPanel(bridge, t);
    this.#refusalList = new RefusalList(bridge, t);
    this.#share = new SharePanel(bridge, t);
    this.#settings = new SettingsPanel(bridge, t);
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
        if (tab === 'settings') this.#settings.shown();
      },
    );
    bridge.onStatus((status) => {
      this.#status = status;
      this.#peers = status.running ? status.status.peers : [];
      this.#refusalList.follow(status.running ? status.status : undefined);
      this.#settings.follow(status);
      // The console first: whether its peer is still there marks that peer's row.
      this.#console.update(this.#peers);
      this.#renderPeers();
    });
    this.#renderBanner();
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#console.setTranslator(t);
    this.#endpoints.setTranslator(t);
    this.#refusalList.setTranslator(t);
    this.#share.setTranslator(t);
    this.#settings.setTranslator(t);
    this.#renderPeers();
    this.#renderBanner();
  }

  /** This window's own connection, so the Peers table can mark it. */
  setOwnPeer(id: number): void {
    this.#ownPeerId = id;
    this.#renderPeers();
  }

  /** The header's language switch is the app's language setting too. */
  saveLanguage(language: Language): void {
    this.#settings.saveLanguage(language);
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
  }
}

/** The message for a refusal reason: an HTTP status or a per-address limit. */
function refusalKey(reason: string): MessageKey {
  const key = /^\d+$/.test(reason) ? `refusal${reason}` : `refusal${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}`;
  return isMessageKey(key) ? key : 'refusalOther';
}
