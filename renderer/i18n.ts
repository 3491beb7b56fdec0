/** Every string a person sees, in English and Simplified Chinese. */
import { LANGUAGES, type Language } from '../common/client-config';

const en = {
  appTitle: 'WS Station',
  language: 'Language',
  connection: 'Connection',
  state: 'State',
  url: 'URL',
  protocol: 'Subprotocol',
  extensions: 'Extensions',
  bufferedAmount: 'Buffered bytes',
  binaryType: 'Binary type',
  lastClose: 'Last close',
  lastError: 'Last error',
  none: '—',
  connect: 'Connect',
  exit: 'Exit',
  closeCode: 'Close code',
  closeReason: 'Reason',
  optional: 'optional',
  ticks: 'Live ticks',
  currentTick: 'Current value',
  ticksReceived: '{count} ticks received',
  waitingForTicks: 'Waiting for the first tick…',
  log: 'Messages',
  logCount: '{count} in the log (the newest {capacity} are kept)',
  hideTicks: 'Hide ticks',
  clear: 'Clear',
  exportJsonLines: 'Export JSON lines',
  exportText: 'Export text',
  jumpToNewest: 'Jump to newest ({count} new)',
  details: 'Details',
  prettyJson: 'Pretty-print JSON',
  selectEntry: 'Select a message to see it whole.',
  truncated: '(shortened: the message had {bytes} bytes)',
  send: 'Send',
  sendMode: 'Send as',
  modeText: 'Text',
  modeJson: 'JSON',
  modeBinary: 'Binary (hex)',
  placeholderText: 'Type a message. Enter sends, Shift+Enter starts a new line.',
  placeholderJson: '{"hello": "station"}',
  placeholderBinary: 'Hex bytes, e.g. 48 65 6c 6c 6f',
  invalidJson: 'Not valid JSON: {detail}',
  invalidHex: 'Hex must be pairs of the digits 0–9 and a–f (spaces allowed).',
  emptyBinary: 'Enter at least one byte of hex.',
  notOpen: 'Sending needs an open connection; it is {state} now.',
  invalidCloseCode: 'A close code must be 1000 or from 3000 to 4999.',
  reasonTooLong: 'A close reason can be at most 123 bytes of UTF-8.',
  closeDescription: 'code {code}, reason “{reason}”, {clean}',
  closeClean: 'clean',
  closeUnclean: 'not clean',
  errorEvent: 'The connection failed or broke (browsers give no detail).',
  tokenHint: 'If the station asks for an access token, open this page with ?token=… in its address.',
  reconnectIn: 'Reconnecting in {seconds} s (attempt {attempt})…',
  reconnectNow: 'Reconnect now',
  announceState: 'Connection {state}',
  kindGreeting: 'greeting',
  kindTick: 'tick',
  kindEcho: 'echo',
  kindSent: 'sent',
  kindBinary: 'binary',
  kindMessage: 'message',
  kindNotice: 'notice',
  kindState: 'state',
  binarySummary: '{bytes} bytes: {hex}',
};

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  appTitle: 'WS Station',
  language: '语言',
  connection: '连接',
  state: '状态',
  url: '地址',
  protocol: '子协议',
  extensions: '扩展',
  bufferedAmount: '缓冲字节',
  binaryType: '二进制类型',
  lastClose: '上次关闭',
  lastError: '上次错误',
  none: '—',
  connect: '连接',
  exit: '断开',
  closeCode: '关闭码',
  closeReason: '原因',
  optional: '可选',
  ticks: '实时数据',
  currentTick: '当前值',
  ticksReceived: '已收到 {count} 个数据',
  waitingForTicks: '等待第一个数据…',
  log: '消息',
  logCount: '日志中 {count} 条（保留最新 {capacity} 条）',
  hideTicks: '隐藏定时数据',
  clear: '清空',
  exportJsonLines: '导出 JSON Lines',
  exportText: '导出文本',
  jumpToNewest: '跳到最新（{count} 条新消息）',
  details: '详情',
  prettyJson: '格式化 JSON',
  selectEntry: '选择一条消息以查看完整内容。',
  truncated: '（已截断：原消息共 {bytes} 字节）',
  send: '发送',
  sendMode: '发送格式',
  modeText: '文本',
  modeJson: 'JSON',
  modeBinary: '二进制（十六进制）',
  placeholderText: '输入消息。回车发送，Shift+回车换行。',
  placeholderJson: '{"hello": "station"}',
  placeholderBinary: '十六进制字节，例如 48 65 6c 6c 6f',
  invalidJson: 'JSON 无效：{detail}',
  invalidHex: '十六进制须为成对的 0–9、a–f（可含空格）。',
  emptyBinary: '请至少输入一个十六进制字节。',
  notOpen: '发送需要已打开的连接；当前状态为 {state}。',
  invalidCloseCode: '关闭码必须是 1000，或 3000 到 4999 之间。',
  reasonTooLong: '关闭原因最多 123 字节（UTF-8）。',
  closeDescription: '关闭码 {code}，原因“{reason}”，{clean}',
  closeClean: '正常关闭',
  closeUnclean: '非正常关闭',
  errorEvent: '连接失败或中断（浏览器不提供详情）。',
  tokenHint: '如果服务端需要访问令牌，请在本页地址后加上 ?token=… 再打开。',
  reconnectIn: '{seconds} 秒后重连（第 {attempt} 次）…',
  reconnectNow: '立即重连',
  announceState: '连接状态 {state}',
  kindGreeting: '问候',
  kindTick: '定时',
  kindEcho: '回显',
  kindSent: '发送',
  kindBinary: '二进制',
  kindMessage: '消息',
  kindNotice: '通知',
  kindState: '状态',
  binarySummary: '{bytes} 字节：{hex}',
};

const catalogs: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** The first of the browser's preferred languages that we have; Chinese of any region reads zh-CN. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((language) => language === value);
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const catalog = catalogs[language];
  return (key, params = {}) => catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
