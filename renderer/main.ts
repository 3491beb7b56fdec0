/** The client page: wires the connection, the log, the chart and the controls to the DOM. */
// First: the chart library reads the browser's language as it loads.
import './language-tag-guard';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { BRIDGE_GLOBAL, type Language } from '../common/client-config';
import { chooseClientConfig } from './connection/client-config';
import { isLanguage, pickLanguage, translator, type MessageKey, type Translate } from './i18n';
import { LogStore, type LogEntry, type LogFilter } from './log/log-store';
import { byId, download } from './dom';
import { HostPanels } from './host/host-panels';
import { formatTime, KIND_LABEL, LogView } from './log/log-view';
import { reconnectsAfter } from './connection/close-policy';
import { Outage } from './connection/outage';
import { probeStation } from './connection/station-probe';
import { MessageClassifier } from './log/message-classifier';
import { BINARY_HEX_KEPT_BYTES, parseCloseRequest, parseOutgoing, toHex, type SendMode } from './send-input';
import { StationConnection, type CloseInfo } from './connection/station-connection';
import { TickChart } from './tick-chart';

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;
const STATE_WORD: Record<number, MessageKey> = {
  0: 'stateConnecting',
  1: 'stateConnected',
  2: 'stateClosing',
  3: 'stateDisconnected',
};
const LANGUAGE_STORAGE_KEY = 'ws-station.language';
/** Touch screens have no Shift+Enter: there Enter starts a new line and the Send button sends. */
const touchScreen = matchMedia('(pointer: coarse)');
const wideScreen = matchMedia('(min-width: 1100px)');

const config = chooseClientConfig(window[BRIDGE_GLOBAL], location.href);
const storedLanguage = localStorage.getItem(LANGUAGE_STORAGE_KEY);
// An explicit choice (the desktop setting, or ?lang= in the address) first, then the last switch, then the browser.
let language: Language =
  config.language ?? (isLanguage(storedLanguage) ? storedLanguage : pickLanguage(navigator.languages));
let t: Translate = translator(language);

const ui = {
  statePill: byId('state-pill', HTMLElement),
  stateWord: byId('state-word', HTMLElement),
  stateCode: byId('state-code', HTMLElement),
  languageSelect: byId('language', HTMLSelectElement),
  outage: byId('outage', HTMLElement),
  outageText: byId('outage-text', HTMLElement),
  connectionDetails: byId('connection-details', HTMLDetailsElement),
  connectionSummary: byId('connection-summary', HTMLElement),
  readyState: byId('ready-state', HTMLElement),
  url: byId('url', HTMLElement),
  protocol: byId('protocol', HTMLElement),
  extensions: byId('extensions', HTMLElement),
  bufferedAmount: byId('buffered-amount', HTMLElement),
  binaryType: byId('binary-type', HTMLSelectElement),
  lastClose: byId('last-close', HTMLElement),
  lastError: byId('last-error', HTMLElement),
  reconnectText: byId('reconnect-text', HTMLElement),
  reconnectNow: byId('reconnect-now', HTMLButtonElement),
  closeForm: byId('close-form', HTMLFormElement),
  closeCode: byId('close-code', HTMLInputElement),
  closeReason: byId('close-reason', HTMLInputElement),
  closeError: byId('close-error', HTMLElement),
  connectButton: byId('connect', HTMLButtonElement),
  disconnectButton: byId('disconnect', HTMLButtonElement),
  tickValue: byId('tick-value', HTMLElement),
  tickCount: byId('tick-count', HTMLElement),
  tickChart: byId('tick-chart', HTMLElement),
  tickSummary: byId('tick-summary', HTMLElement),
  logSection: byId('log-title', HTMLElement).closest('section') as HTMLElement,
  logCount: byId('log-count', HTMLElement),
  logEmpty: byId('log-empty', HTMLElement),
  search: byId('log-search', HTMLInputElement),
  filterDirection: byId('filter-direction', HTMLSelectElement),
  filterKind: byId('filter-kind', HTMLSelectElement),
  hideTicks: byId('hide-ticks', HTMLInputElement),
  clearLog: byId('clear-log', HTMLButtonElement),
  exportJsonLines: byId('export-jsonl', HTMLButtonElement),
  exportText: byId('export-text', HTMLButtonElement),
  prettyJson: byId('pretty-json', HTMLInputElement),
  copyEntry: byId('copy-entry', HTMLButtonElement),
  resendEntry: byId('resend-entry', HTMLButtonElement),
  closeDetails: byId('close-details', HTMLButtonElement),
  detailsBody: byId('details-body', HTMLElement),
  detailsResult: byId('details-result', HTMLElement),
  sendForm: byId('send-form', HTMLFormElement),
  message: byId('message', HTMLTextAreaElement),
  sendButton: byId('send', HTMLButtonElement),
  sendHint: byId('send-hint', HTMLElement),
  announcer: byId('announcer', HTMLElement),
};

const store = new LogStore();
const classifier = new MessageClassifier();
const chart = new TickChart(ui.tickChart, ui.tickSummary, language, t);
let selected: LogEntry | undefined;
let ticksReceived = 0;
let lastTickAt = 0;
let lastClose: CloseInfo | undefined;
let lastErrorKey: MessageKey | undefined;
let reconnectDue: { at: number; attempt: number } | undefined;
let outage: Outage | undefined;
/** When the station closed the page's open connection, while the page is trying to get it back. */
let lostAt: number | undefined;

const logView = new LogView(
  store,
  { viewport: byId('log-viewport', HTMLElement), jumpButton: byId('jump-to-newest', HTMLButtonElement) },
  t,
  (entry) => {
    selected = entry;
    ui.detailsResult.textContent = '';
    renderDetails();
  },
);

const stateLabel = (readyState: number) => `${READY_STATE_NAMES[readyState] ?? '?'} ${readyState}`;
const stateWords = (readyState: number) => t(STATE_WORD[readyState] ?? 'stateDisconnected');

function log(entry: Omit<LogEntry, 'id' | 'truncated' | 'time' | 'binary'> & { binary?: boolean }): LogEntry {
  const stored = store.add({ binary: false, ...entry, time: Date.now() });
  logView.refresh();
  scheduleCounts();
  return stored;
}

let countsQueued = false;
function scheduleCounts(): void {
  if (countsQueued) return;
  countsQueued = true;
  requestAnimationFrame(() => {
    countsQueued = false;
    renderCounts();
  });
}

function renderCounts(): void {
  const shown = store.visible().length;
  ui.logCount.textContent = store.filtering
    ? t('logShown', { shown, count: store.size })
    : t('logCount', { count: shown, capacity: store.capacity });
  ui.logEmpty.hidden = shown > 0 || !store.filtering;
  renderTicks();
}

/** The tick value and count; dimmed, with the time of the last one, while not connected. */
function renderTicks(): void {
  const stale = ticksReceived > 0 && connection.readyState !== WebSocket.OPEN;
  ui.tickValue.classList.toggle('muted', ticksReceived === 0);
  ui.tickValue.classList.toggle('stale', stale);
  ui.tickChart.classList.toggle('stale', stale);
  setText(
    ui.tickCount,
    ticksReceived === 0
      ? t('waitingForTicks')
      : stale
        ? t('staleTick', { time: formatTime(lastTickAt) })
        : ticksReceived === 1
          ? t('oneTickReceived')
          : t('ticksReceived', { count: ticksReceived }),
  );
}

const connection = new StationConnection(config, {
  onStateChange(readyState) {
    renderState();
    if (readyState === WebSocket.OPEN) {
      classifier.reset(connection.socket?.protocol ?? '', config.subprotocol);
      lastErrorKey = undefined;
      reconnectDue = undefined;
      lostAt = undefined;
      if (outage) {
        log({ direction: 'local', kind: 'state', text: t('outageEnded', { attempts: outage.attempts }), bytes: 0 });
        outage = undefined;
        renderState();
      }
    }
    // During an outage its one row and the banner say it all: no rows per attempt.
    if (outage) return;
    log({ direction: 'local', kind: 'state', text: `${stateWords(readyState)} (${stateLabel(readyState)})`, bytes: 0 });
    ui.announcer.textContent = stateWords(readyState);
  },
  onText(text) {
    const message = classifier.classify(text);
    // The station's id for this page's connection, so the Peers panel can mark "this window".
    if (message.peerId !== undefined) hostPanels?.setOwnPeer(message.peerId);
    if (message.tickValue !== undefined) {
      ticksReceived += 1;
      lastTickAt = Date.now();
      ui.tickValue.textContent = message.text;
      chart.add(message.tickTime ?? Date.now(), message.tickValue);
    }
    // The size of what is shown (an echo's text, not its JSON envelope), comparable with what was sent.
    const bytes = new TextEncoder().encode(message.text).length;
    log({ direction: 'in', kind: message.kind, text: message.text, bytes });
  },
  onBinary(bytes) {
    const echo = classifier.classifyBinary(bytes);
    if (echo) log({ direction: 'in', kind: echo.kind, text: echo.text, bytes: bytes.length, binary: echo.binary });
    else
      log({
        direction: 'in',
        kind: 'binary',
        text: toHex(bytes, BINARY_HEX_KEPT_BYTES),
        bytes: bytes.length,
        binary: true,
      });
  },
  onError() {
    if (!outage) lastErrorKey = 'errorEvent';
    renderState();
  },
  onClose(info, opened) {
    // A failed attempt closes nothing the person had: the close they saw stays the last one.
    if (opened || connection.closedByPerson) lastClose = info;
    if (connection.closedByPerson) {
      log({ direction: 'local', kind: 'state', text: describeClose(info), bytes: 0 });
      renderState();
      return;
    }
    if (opened) {
      // Not an outage (yet): the station closed it, and said why. One comes only if trying again fails.
      lostAt = Date.now();
      const meant = !reconnectsAfter(info.code);
      const text = meant ? t('closedByStation', { code: info.code, reason: info.reason }) : describeClose(info);
      log({ direction: 'local', kind: 'state', text, bytes: 0 });
      if (meant) ui.announcer.textContent = text;
      renderState();
      return;
    }
    // The retries are counted in the outage's one row, which says since when the station is gone.
    outage ??= new Outage(lostAt ?? Date.now());
    const current = outage;
    current.attempts += 1;
    renderOutageRow(current);
    renderState();
    void probeStation(config.websocketUrl, location.origin).then((reach) => {
      if (outage !== current) return;
      current.reach = reach;
      // Only a station that is up yet refused the handshake may be asking for a token.
      const tokenMissing = !new URL(config.websocketUrl).searchParams.has('token');
      lastErrorKey = current.refused ? (tokenMissing ? 'tokenHint' : 'errorEvent') : undefined;
      renderOutageRow(current);
      renderState();
    });
  },
  onReconnectScheduled(at, attempt) {
    reconnectDue = { at, attempt };
    renderState();
  },
});

function renderOutageRow(current: Outage): void {
  const text = t(current.refused ? 'outageRowRefused' : 'outageRow', {
    time: formatTime(current.since),
    attempts: current.attempts,
  });
  if (current.entryId === undefined || !store.update(current.entryId, text)) {
    current.entryId = log({ direction: 'local', kind: 'state', text, bytes: 0 }).id;
  }
  logView.entryChanged(current.entryId);
  scheduleCounts();
}

function describeClose(info: CloseInfo): string {
  return t('closeDescription', {
    code: info.code,
    reason: info.reason,
    clean: t(info.wasClean ? 'closeClean' : 'closeUnclean'),
  });
}

/** Sets a text only when it changes, so a live region does not repeat itself. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Everything in the connection panel and the controls that depends on the socket. */
function renderState(): void {
  const readyState = connection.readyState;
  const socket = connection.socket;
  const label = stateLabel(readyState);
  setText(ui.stateWord, stateWords(readyState));
  setText(ui.stateCode, label);
  ui.statePill.dataset.state = String(readyState);
  setText(ui.readyState, `${stateWords(readyState)} (${label})`);
  const url = socket?.url ?? config.websocketUrl;
  setText(ui.url, url);
  const protocol = readyState === WebSocket.OPEN ? socket?.protocol || t('none') : t('none');
  setText(ui.protocol, protocol);
  setText(ui.connectionSummary, readyState === WebSocket.OPEN && socket?.protocol ? `${url} · ${protocol}` : url);
  setText(ui.extensions, readyState === WebSocket.OPEN ? socket?.extensions || t('none') : t('none'));
  setText(ui.bufferedAmount, String(socket?.bufferedAmount ?? 0));
  ui.binaryType.value = connection.binaryType;
  setText(ui.lastClose, lastClose ? describeClose(lastClose) : t('none'));
  setText(ui.lastError, lastErrorKey ? t(lastErrorKey) : t('none'));

  const open = readyState === WebSocket.OPEN;
  ui.sendButton.disabled = !open;
  ui.message.setAttribute('aria-disabled', String(!open));
  if (!open) setText(ui.sendHint, t('notOpen', { state: stateWords(readyState) }));
  else if (ui.sendHint.dataset.reason === 'state') setText(ui.sendHint, '');
  ui.sendHint.dataset.reason = open ? '' : 'state';
  // One of the two at a time: Connect while closed for good, Disconnect otherwise (also to stop retrying).
  const closedForGood = readyState === WebSocket.CLOSED && !reconnectDue;
  ui.connectButton.hidden = !closedForGood;
  ui.disconnectButton.hidden = closedForGood;
  renderOutage();
  renderTicks();
  renderResend();
}

/** The one banner while reconnecting; its countdown is shown, not announced every second. */
function renderOutage(): void {
  const waiting = outage !== undefined && reconnectDue !== undefined && connection.readyState === WebSocket.CLOSED;
  ui.outage.hidden = !waiting;
  if (!waiting || !reconnectDue) return;
  setText(ui.outageText, t(outage?.refused ? 'outageRefused' : 'outageUnreachable'));
  const seconds = Math.max(0, Math.ceil((reconnectDue.at - Date.now()) / 1000));
  setText(ui.reconnectText, t('outageRetryIn', { seconds, attempt: reconnectDue.attempt }));
}

/** An entry can be sent again when it is something sent (or its echo) and kept whole. */
function resendable(entry: LogEntry | undefined): entry is LogEntry {
  return (
    entry !== undefined &&
    !entry.truncated &&
    (entry.kind === 'sent' || entry.kind === 'echo') &&
    !entry.text.endsWith(' …')
  );
}

function renderResend(): void {
  ui.resendEntry.disabled = !resendable(selected) || connection.readyState !== WebSocket.OPEN;
}

function renderDetails(): void {
  ui.logSection.dataset.selected = String(selected !== undefined);
  ui.copyEntry.disabled = selected === undefined;
  ui.copyEntry.hidden = !canCopy();
  renderResend();
  if (!selected) {
    ui.detailsBody.textContent = t('selectEntry');
    return;
  }
  const head = `${formatTime(selected.time)} · ${t(KIND_LABEL[selected.kind])} · ${selected.bytes} B`;
  let body = selected.text === '' && selected.direction !== 'local' ? t('emptyMessage') : selected.text;
  if (ui.prettyJson.checked) {
    try {
      body = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Not JSON: shown as it is.
    }
  }
  const note = selected.truncated ? `\n${t('truncated', { bytes: selected.bytes })}` : '';
  ui.detailsBody.textContent = `${head}\n\n${body}${note}`;
}

function applyLanguage(next: Language): void {
  language = next;
  t = translator(language);
  document.documentElement.lang = language;
  ui.languageSelect.value = language;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as MessageKey);
  }
  for (const element of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder as MessageKey);
  }
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel as MessageKey));
  }
  renderPlaceholder();
  chart.setLanguage(language, t);
  logView.setTranslator(t);
  hostPanels?.setTranslator(t);
  if (outage) renderOutageRow(outage);
  renderState();
  renderDetails();
  scheduleCounts();
}

function sendMode(): SendMode {
  return (ui.sendForm.elements.namedItem('mode') as RadioNodeList).value as SendMode;
}

function renderPlaceholder(): void {
  const mode = sendMode();
  ui.message.placeholder = t(
    mode === 'json'
      ? 'placeholderJson'
      : mode === 'binary'
        ? 'placeholderBinary'
        : touchScreen.matches
          ? 'placeholderTextTouch'
          : 'placeholderText',
  );
}

/** Sends what the composer holds; false when it could not (the hint says why). */
function send(mode: SendMode, input: string): boolean {
  if (connection.readyState !== WebSocket.OPEN) return false;
  const parsed = parseOutgoing(mode, input);
  if (!parsed.ok) {
    ui.sendHint.textContent = t(parsed.error, { detail: parsed.detail ?? '' });
    ui.sendHint.dataset.reason = 'input';
    return false;
  }
  const data = parsed.value;
  connection.send(data);
  // An empty message is legal and sometimes wanted: sent, but never silently.
  setText(ui.sendHint, data.length === 0 ? t('emptyMessageSent') : '');
  if (typeof data === 'string') {
    classifier.sent(data);
    log({ direction: 'out', kind: 'sent', text: data, bytes: new TextEncoder().encode(data).length });
  } else {
    classifier.sentBinary(data);
    log({ direction: 'out', kind: 'sent', text: toHex(data, BINARY_HEX_KEPT_BYTES), bytes: data.length, binary: true });
  }
  return true;
}

function sendComposer(): void {
  if (send(sendMode(), ui.message.value)) ui.message.value = '';
}

/**
 * The desktop window copies through its bridge, a page on a secure origin (loopback counts) with
 * the clipboard API; a LAN browser on plain http has neither, and selects the text itself.
 */
const copyText = (text: string): Promise<void> =>
  bridge ? bridge.copyText(text) : navigator.clipboard.writeText(text);
const canCopy = (): boolean => bridge !== undefined || window.isSecureContext;

function applyFilter(): void {
  store.filter = {
    text: ui.search.value,
    direction: ui.filterDirection.value as LogFilter['direction'],
    kind: ui.filterKind.value as LogFilter['kind'],
    hideTicks: ui.hideTicks.checked,
  };
  logView.filterChanged();
  scheduleCounts();
}

ui.languageSelect.addEventListener('change', () => {
  const next = ui.languageSelect.value;
  if (!isLanguage(next)) return;
  localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
  applyLanguage(next);
  // In the desktop window the header's choice is the app's setting too: one language, not two.
  hostPanels?.saveLanguage(next);
});
ui.binaryType.addEventListener('change', () => {
  connection.binaryType = ui.binaryType.value === 'blob' ? 'blob' : 'arraybuffer';
});
ui.connectButton.addEventListener('click', () => {
  reconnectDue = undefined;
  connection.connect();
});
ui.reconnectNow.addEventListener('click', () => connection.connect());
ui.closeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const request = parseCloseRequest(ui.closeCode.value, ui.closeReason.value);
  if (!request.ok) {
    ui.closeError.textContent = t(request.error);
    return;
  }
  ui.closeError.textContent = '';
  reconnectDue = undefined;
  outage = undefined;
  lostAt = undefined;
  connection.close(request.value.code, request.value.reason);
  renderState();
});
ui.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sendComposer();
});
ui.sendForm.addEventListener('change', renderPlaceholder);
touchScreen.addEventListener('change', renderPlaceholder);
ui.message.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && !touchScreen.matches) {
    event.preventDefault();
    sendComposer();
  }
});
ui.search.addEventListener('input', applyFilter);
for (const control of [ui.filterDirection, ui.filterKind, ui.hideTicks])
  control.addEventListener('change', applyFilter);
ui.clearLog.addEventListener('click', () => {
  store.clear();
  selected = undefined;
  renderDetails();
  logView.refresh();
  scheduleCounts();
});
ui.exportJsonLines.addEventListener('click', () =>
  download('ws-station-log.jsonl', 'application/x-ndjson', store.toJsonLines()),
);
ui.exportText.addEventListener('click', () => download('ws-station-log.txt', 'text/plain', store.toText()));
ui.prettyJson.addEventListener('change', renderDetails);
ui.copyEntry.addEventListener('click', () => {
  if (!selected) return;
  copyText(selected.text).then(
    () => setText(ui.detailsResult, t('copyEntry')),
    () => setText(ui.detailsResult, t('copyFailed')),
  );
});
ui.resendEntry.addEventListener('click', () => {
  if (!resendable(selected)) return;
  if (send(selected.binary ? 'binary' : 'text', selected.text)) setText(ui.detailsResult, t('resent'));
});
ui.closeDetails.addEventListener('click', () => {
  selected = undefined;
  renderDetails();
});

// bufferedAmount and the reconnect countdown change without events.
setInterval(() => {
  setText(ui.bufferedAmount, String(connection.socket?.bufferedAmount ?? 0));
  renderOutage();
}, 250);

const bridge = window[BRIDGE_GLOBAL];
const hostPanels = bridge ? new HostPanels(bridge, t) : undefined;

// Wide screens show the connection's facts; elsewhere its summary line opens them.
ui.connectionDetails.open = wideScreen.matches;
applyLanguage(language);
// The desktop window's bundled page, shown while the station is down, has nothing to connect to.
if (config.websocketUrl !== '') connection.connect();
