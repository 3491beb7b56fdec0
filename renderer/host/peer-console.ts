/**
 * The host's console for one peer, in the desktop window's Peers panel. Traffic: that peer's
 * traffic from the station's record (live, in the same virtual log as the page's own), a send box
 * (text, JSON or hex; to this peer or to every peer) and Close with a code and reason; input is
 * checked here for words in the person's language, and again in the main process, which decides.
 * Handshake: how it connected (handshake-view.ts).
 */
import type { StationBridge } from '../../common/client-config';
import type { HostActionResult } from '../../common/desktop';
import type { PeerSnapshot, TrafficEntry } from '../../common/station-status';
import { byId } from '../dom';
import { renderHandshake, renderRoundTrip, type FetchedDetail } from './handshake-view';
import type { MessageKey, Translate } from '../i18n';
import { LogStore, type EntryKind } from '../log/log-store';
import { LogView } from '../log/log-view';
import { parseCloseRequest, parseOutgoing, type SendMode } from '../send-input';
import { TabList } from './tab-list';

const element = (id: string) => byId(id, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);
const select = (id: string) => byId(id, HTMLSelectElement);

/** How each record entry is shown in the log. */
const KIND_OF: Record<TrafficEntry['kind'], EntryKind> = {
  greeting: 'greeting',
  echo: 'echo',
  // A scripted endpoint's answer, shown as the seed's counterpart: its echo.
  reply: 'echo',
  host: 'host',
  message: 'message',
  notice: 'notice',
  close: 'state',
};

const REFUSAL_KEY: Record<Extract<HostActionResult, { ok: false }>['refusal'], MessageKey> = {
  'too-large': 'hostTooLarge',
  'not-utf8': 'hostNotUtf8',
  'invalid-json': 'hostInvalidJson',
  'bad-type': 'hostBadType',
  'unknown-peer': 'hostUnknownPeer',
  'bad-close-code': 'invalidCloseCode',
  'long-reason': 'reasonTooLong',
  'not-running': 'hostNotRunning',
};

export class PeerConsole {
  readonly #store = new LogStore();
  readonly #view: LogView;
  #peer: PeerSnapshot | undefined;
  #present = false;
  /** The newest record entry shown, so each refresh adds only what is new. */
  #lastSeq = 0;
  /** Its handshake, asked for once when the console opens on it. */
  #detail: FetchedDetail;

  constructor(
    private readonly bridge: StationBridge,
    private t: Translate,
  ) {
    this.#view = new LogView(
      this.#store,
      { viewport: element('peer-log-viewport'), jumpButton: byId('peer-log-jump', HTMLButtonElement) },
      t,
      () => undefined,
    );
    element('peer-send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#send('one');
    });
    element('peer-send-all').addEventListener('click', () => void this.#send('all'));
    new TabList(['traffic', 'handshake'] as const, (view) => ({
      tab: `peer-tab-${view}`,
      panel: `peer-${view}-panel`,
    }));
    element('peer-close-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#close();
    });
  }

  setTranslator(t: Translate): void {
    this.t = t;
    this.#view.setTranslator(t);
    this.#renderTitle();
    if (this.#peer) renderHandshake(this.#detail, t);
  }

  /** Shows this peer's console, replacing any other's. */
  open(peer: PeerSnapshot): void {
    this.#peer = peer;
    this.#present = true;
    this.#lastSeq = 0;
    this.#store.clear();
    element('peer-console').hidden = false;
    element('peer-result').textContent = '';
    this.#detail = undefined;
    renderHandshake(undefined, this.t);
    this.#renderTitle();
    void this.#refresh();
    void this.#fetchDetail(peer.id);
  }

  /**
   * The station's peers changed or a second passed: follow the selected peer's traffic while it
   * is connected. A peer is its id and when it connected: a restarted station numbers from 1 again.
   */
  update(peers: readonly PeerSnapshot[]): void {
    const peer = this.#peer;
    if (!peer) return;
    const now = peers.find((candidate) => candidate.id === peer.id && candidate.connectedAt === peer.connectedAt);
    this.#present = now !== undefined;
    if (now) this.#peer = now;
    this.#renderTitle();
    if (now) void this.#refresh();
  }

  /** The peer shown, while it is connected. */
  get selectedId(): number | undefined {
    return this.#present ? this.#peer?.id : undefined;
  }

  async #refresh(): Promise<void> {
    const peer = this.#peer;
    if (!peer) return;
    const entries = await this.bridge.peerTraffic(peer.id);
    if (this.#peer?.id !== peer.id) return;
    for (const entry of entries) {
      if (entry.seq <= this.#lastSeq) continue;
      this.#lastSeq = entry.seq;
      this.#store.add({
        time: entry.time,
        direction: entry.direction,
        kind: KIND_OF[entry.kind],
        text: entry.preview + (entry.truncated && !entry.binary ? '…' : ''),
        bytes: entry.size,
        binary: entry.binary,
      });
    }
    this.#view.refresh();
  }

  async #fetchDetail(peerId: number): Promise<void> {
    const detail = await this.bridge.peerDetail(peerId);
    if (this.#peer?.id !== peerId) return;
    this.#detail = detail;
    renderHandshake(detail, this.t);
  }

  #renderTitle(): void {
    const peer = this.#peer;
    if (!peer) return;
    renderRoundTrip(peer, this.t);
    const address = `${peer.remoteAddress}:${peer.remotePort}`;
    element('peer-console-title').textContent = this.#present
      ? this.t('peerConsoleTitle', { id: peer.id, address })
      : this.t('peerLeft', { id: peer.id, address });
    element('peer-facts').textContent = this.t('peerFacts', {
      since: new Date(peer.connectedAt).toLocaleTimeString(document.documentElement.lang, { hourCycle: 'h23' }),
      origin: peer.origin ?? this.t('none'),
      agent: peer.userAgent ?? this.t('none'),
    });
    for (const id of ['peer-send-one', 'peer-close']) byId(id, HTMLButtonElement).disabled = !this.#present;
  }

  async #send(to: 'one' | 'all'): Promise<void> {
    const peer = this.#peer;
    if (!peer) return;
    const mode = select('peer-send-mode').value as SendMode;
    const parsed = parseOutgoing(mode, input('peer-send-input').value);
    if (!parsed.ok) {
      this.#say(this.t(parsed.error, { detail: parsed.detail ?? '' }));
      return;
    }
    const message =
      typeof parsed.value === 'string'
        ? ({ binary: false, text: parsed.value } as const)
        : ({ binary: true, bytes: parsed.value } as const);
    const result = await this.bridge.sendToPeers({ target: to === 'all' ? 'all' : peer.id, message });
    this.#say(
      result.ok
        ? this.t(result.skipped > 0 ? 'sentSkipped' : 'sentTo', { reached: result.reached, skipped: result.skipped })
        : this.t(REFUSAL_KEY[result.refusal], { detail: result.message }),
    );
    void this.#refresh();
  }

  async #close(): Promise<void> {
    const peer = this.#peer;
    if (!peer) return;
    const parsed = parseCloseRequest(input('peer-close-code').value, input('peer-close-reason').value);
    if (!parsed.ok) {
      this.#say(this.t(parsed.error));
      return;
    }
    const code = parsed.value.code ?? 1000;
    const result = await this.bridge.closePeer({ peerId: peer.id, code, reason: parsed.value.reason ?? '' });
    this.#say(
      result.ok ? this.t('peerClosed', { code }) : this.t(REFUSAL_KEY[result.refusal], { detail: result.message }),
    );
  }

  #say(text: string): void {
    element('peer-result').textContent = text;
  }
}
