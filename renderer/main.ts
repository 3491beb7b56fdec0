/** The client page: wires the connection, the log, the chart and the controls to the DOM. */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { BRIDGE_GLOBAL, type Language } from '../common/client-config';
import { chooseClientConfig } from './client-config';
import { isLanguage, pickLanguage, translator, type MessageKey, type Translate } from './i18n';
import { LogStore, type LogEntry } from './log-store';
import { byId } from './dom';
import { HostPanels } from './host-panels';
import { formatTime, KIND_LABEL, LogView } from './log-view';
import { MessageClassifier } from './message-classifier';
import { parseCloseRequest, parseOutgoing, toHex, type SendMode } from './send-input';
import { StationConnection, type CloseInfo } from './station-connection';
import { TickChart } from './tick-chart';

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;
const LANGUAGE_STORAGE_KEY = 'ws-station.language';
const BINARY_HEX_KEPT_BYTES = 4096;

const config = chooseClientConfig(window[BRIDGE_GLOBAL], location.href);
const storedLanguage = localStorage.getItem(LANGUAGE_STORAGE_KEY);
// An explicit choice (the desktop setting, or ?lang= in the address) first, then the last switch, then the browser.
let language: Language =
  config.language ?? (isLanguage(storedLanguage) ? storedLanguage : pickLanguage(navigator.languages));
let t: Translate = translator(language);

const ui = {
  statePill: byId('state-pill', HTMLOutputElement),
  languageSelect: byId('language', HTMLSelectElement),
  readyState: byId('ready-state', HTMLElement),
  url: byId('url', HTMLElement),
  protocol: byId('protocol', HTMLElement),
  extensions: byId('extensions', HTMLElement),
  bufferedAmount: byId('buffered-amount', HTMLElement),
  binaryType: byId('binary-type', HTMLSelectElement),
  lastClose: byId('last-close', HTMLElement),
  lastError: byId('last-error', HTMLElement),
  reconnect: byId('reconnect', HTMLElement),
  reconnectText: byId('reconnect-text', HTMLElement),
  reconnectNow: byId('reconnect-now', HTMLButtonElement),
  closeForm: byId('close-form', HTMLFormElement),
  closeCode: byId('close-code', HTMLInputElement),
  closeReason: byId('close-reason', HTMLInputElement),
  closeError: byId('close-error', HTMLElement),
  connectButton: byId('connect', HTMLButtonElement),
  exitButton: byId('exit', HTMLButtonElement),
  tickValue: byId('tick-value', HTMLOutputElement),
  tickCount: byId('tick-count', HTMLElement),
  tickChart: byId('tick-chart', HTMLElement),
  logCount: byId('log-count', HTMLElement),
  hideTicks: byId('hide-ticks', HTMLInputElement),
  clearLog: byId('clear-log', HTMLButtonElement),
  exportJsonLines: byId('export-jsonl', HTMLButtonElement),
  exportText: byId('export-text', HTMLButtonElement),
  prettyJson: byId('pretty-json', HTMLInputElement),
  detailsBody: byId('details-body', HTMLElement),
  sendForm: byId('send-form', HTMLFormElement),
  message: byId('message', HTMLTextAreaElement),
  sendButton: byId('send', HTMLButtonElement),
  sendHint: byId('send-hint', HTMLElement),
  announcer: byId('announcer', HTMLElement),
};

const store = new LogStore();
const classifier = new MessageClassifier();
const chart = new TickChart(ui.tickChart);
let selected: LogEntry | undefined;
let ticksReceived = 0;
let lastClose: CloseInfo | undefined;
let lastErrorKey: MessageKey | undefined;
let reconnectDue: { at: number; attempt: number } | undefined;

const logView = new LogView(
  store,
  { viewport: byId('log-viewport', HTMLElement), jumpButton: byId('jump-to-newest', HTMLButtonElement) },
  t,
  (entry) => {
    selected = entry;
    renderDetails();
  },
);

const stateLabel = (readyState: number) => `${READY_STATE_NAMES[readyState] ?? '?'} ${readyState}`;

function log(entry: Omit<LogEntry, 'id' | 'truncated' | 'time' | 'binary'> & { binary?: boolean }): void {
  store.add({ binary: false, ...entry, time: Date.now() });
  logView.refresh();
  scheduleCounts();
}

let countsQueued = false;
function scheduleCounts(): void {
  if (countsQueued) return;
  countsQueued = true;
  requestAnimationFrame(() => {
    countsQueued = false;
    ui.logCount.textContent = t('logCount', { count: store.visible().length, capacity: store.capacity });
    if (ticksReceived > 0) ui.tickCount.textContent = t('ticksReceived', { count: ticksReceived });
  });
}

const connection = new StationConnection(config, {
  onStateChange(readyState) {
    renderState();
    log({ direction: 'local', kind: 'state', text: stateLabel(readyState), bytes: 0 });
    ui.announcer.textContent = t('announceState', { state: stateLabel(readyState) });
    if (readyState === WebSocket.OPEN) {
      classifier.reset(connection.socket?.protocol ?? '', config.subprotocol);
      lastErrorKey = undefined;
      reconnectDue = undefined;
    }
  },
  onText(text) {
    const message = classifier.classify(text);
    if (message.tickValue !== undefined) {
      ticksReceived += 1;
      ui.tickValue.textContent = message.text;
      ui.tickValue.classList.remove('muted');
      chart.add(message.tickTime ?? Date.now(), message.tickValue);
    }
    // The size of what is shown (an echo's text, not its JSON envelope), comparable with what was sent.
    const bytes = new TextEncoder().encode(message.text).length;
    log({ direction: 'in', kind: message.kind, text: message.text, bytes });
  },
  onBinary(bytes) {
    const echo = classifier.classifyBinary(bytes);
    if (echo) log({ direction: 'in', kind: echo.kind, text: echo.text, bytes: bytes.length });
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
    lastErrorKey = 'errorEvent';
    renderState();
  },
  onClose(info, opened) {
    lastClose = info;
    if (!opened && !new URL(config.websocketUrl).searchParams.has('token')) lastErrorKey = 'tokenHint';
    log({ direction: 'local', kind: 'state', text: describeClose(info), bytes: 0 });
    renderState();
  },
  onReconnectScheduled(at, attempt) {
    reconnectDue = { at, attempt };
    renderState();
  },
});

function describeClose(info: CloseInfo): string {
  return t('closeDescription', {
    code: info.code,
    reason: info.reason,
    clean: t(info.wasClean ? 'closeClean' : 'closeUnclean'),
  });
}

/** Everything in the connection panel and the controls that depends on the socket. */
function renderState(): void {
  const readyState = connection.readyState;
  const socket = connection.socket;
  const label = stateLabel(readyState);
  ui.statePill.textContent = label;
  ui.statePill.dataset.state = String(readyState);
  ui.readyState.textContent = label;
  ui.url.textContent = socket?.url ?? config.websocketUrl;
  ui.protocol.textContent = readyState === WebSocket.OPEN ? socket?.protocol || t('none') : t('none');
  ui.extensions.textContent = readyState === WebSocket.OPEN ? socket?.extensions || t('none') : t('none');
  ui.bufferedAmount.textContent = String(socket?.bufferedAmount ?? 0);
  ui.binaryType.value = connection.binaryType;
  ui.lastClose.textContent = lastClose ? describeClose(lastClose) : t('none');
  ui.lastError.textContent = lastErrorKey ? t(lastErrorKey) : t('none');

  const open = readyState === WebSocket.OPEN;
  ui.sendButton.disabled = !open;
  ui.message.setAttribute('aria-disabled', String(!open));
  if (!open) ui.sendHint.textContent = t('notOpen', { state: label });
  else if (ui.sendHint.dataset.reason === 'state') ui.sendHint.textContent = '';
  ui.sendHint.dataset.reason = open ? '' : 'state';
  ui.connectButton.disabled = readyState !== WebSocket.CLOSED;
  ui.exitButton.disabled = readyState === WebSocket.CLOSED && !reconnectDue;
  renderReconnect();
}

function renderReconnect(): void {
  ui.reconnect.hidden = reconnectDue === undefined || connection.readyState !== WebSocket.CLOSED;
  if (!reconnectDue) return;
  const seconds = Math.max(0, Math.ceil((reconnectDue.at - Date.now()) / 1000));
  ui.reconnectText.textContent = t('reconnectIn', { seconds, attempt: reconnectDue.attempt });
}

function renderDetails(): void {
  if (!selected) {
    ui.detailsBody.textContent = t('selectEntry');
    return;
  }
  const head = `${formatTime(selected.time)} · ${t(KIND_LABEL[selected.kind])} · ${selected.bytes} B`;
  let body = selected.text;
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
  ui.message.placeholder = t(PLACEHOLDER[sendMode()]);
  ui.tickCount.textContent = ticksReceived > 0 ? t('ticksReceived', { count: ticksReceived }) : t('waitingForTicks');
  logView.setTranslator(t);
  hostPanels?.setTranslator(t);
  renderState();
  renderDetails();
  scheduleCounts();
}

const PLACEHOLDER = { text: 'placeholderText', json: 'placeholderJson', binary: 'placeholderBinary' } as const;

function sendMode(): SendMode {
  return (ui.sendForm.elements.namedItem('mode') as RadioNodeList).value as SendMode;
}

function send(): void {
  if (connection.readyState !== WebSocket.OPEN) return;
  const parsed = parseOutgoing(sendMode(), ui.message.value);
  if (!parsed.ok) {
    ui.sendHint.textContent = t(parsed.error, { detail: parsed.detail ?? '' });
    ui.sendHint.dataset.reason = 'input';
    return;
  }
  ui.sendHint.textContent = '';
  const data = parsed.value;
  connection.send(data);
  if (typeof data === 'string') {
    classifier.sent(data);
    log({ direction: 'out', kind: 'sent', text: data, bytes: new TextEncoder().encode(data).length });
  } else {
    log({ direction: 'out', kind: 'sent', text: toHex(data, BINARY_HEX_KEPT_BYTES), bytes: data.length, binary: true });
  }
  ui.message.value = '';
}

function download(name: string, type: string, content: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

ui.languageSelect.addEventListener('change', () => {
  const next = ui.languageSelect.value;
  if (!isLanguage(next)) return;
  localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
  applyLanguage(next);
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
  connection.close(request.value.code, request.value.reason);
  renderState();
});
ui.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
ui.sendForm.addEventListener('change', () => {
  ui.message.placeholder = t(PLACEHOLDER[sendMode()]);
});
ui.message.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
ui.hideTicks.addEventListener('change', () => {
  store.hideTicks = ui.hideTicks.checked;
  logView.refresh();
  scheduleCounts();
});
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

// bufferedAmount and the reconnect countdown change without events.
setInterval(() => {
  ui.bufferedAmount.textContent = String(connection.socket?.bufferedAmount ?? 0);
  renderReconnect();
}, 250);

const bridge = window[BRIDGE_GLOBAL];
const hostPanels = bridge ? new HostPanels(bridge, t) : undefined;

applyLanguage(language);
// The desktop window's bundled page, shown while the station is down, has nothing to connect to.
if (config.websocketUrl !== '') connection.connect();
