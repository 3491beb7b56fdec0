/** The client page's logic that needs no browser: what it infers, refuses, keeps and waits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF, backoffDelay } from '../renderer/connection/backoff';
import { chooseClientConfig, clientConfigFromPageUrl } from '../renderer/connection/client-config';
import { reconnectsAfter } from '../renderer/connection/close-policy';
import { LogStore, MAX_TEXT_CHARS, NO_FILTER, type EntryKind, type LogEntry } from '../renderer/log/log-store';
import { MessageClassifier } from '../renderer/log/message-classifier';
import { parseCloseRequest, parseHex, parseOutgoing, toHex } from '../renderer/send-input';

describe('client config', () => {
  it("comes from the page's own address in a LAN browser, token and language included", () => {
    assert.deepEqual(clientConfigFromPageUrl('http://192.168.1.20:3000/?token=abc12345&lang=zh-CN'), {
      websocketUrl: 'ws://192.168.1.20:3000/websocket/test?token=abc12345',
      subprotocol: 'station.v1.json',
      language: 'zh-CN',
    });
    assert.equal(
      clientConfigFromPageUrl('https://station.example/').websocketUrl,
      'wss://station.example/websocket/test',
    );
    assert.equal(clientConfigFromPageUrl('http://[::1]:3000/?lang=fr').language, null);
  });

  it('comes from the desktop bridge when there is one', () => {
    const bridged = {
      websocketUrl: 'ws://127.0.0.1:4000/websocket/test',
      subprotocol: 'station.v1.json',
      language: 'en',
    } as const;
    assert.equal(chooseClientConfig({ config: bridged }, 'http://127.0.0.1:3000/'), bridged);
    assert.equal(
      chooseClientConfig(undefined, 'http://127.0.0.1:3000/').websocketUrl,
      'ws://127.0.0.1:3000/websocket/test',
    );
  });
});

describe('telling messages apart', () => {
  it('reads the station.v1.json types', () => {
    const classifier = new MessageClassifier();
    classifier.reset('station.v1.json', 'station.v1.json');
    assert.deepEqual(classifier.classify('{"type":"welcome","text":"连接成功","peerId":1,"tickMs":1000,"time":1}'), {
      kind: 'greeting',
      text: '连接成功',
      peerId: 1,
    });
    assert.deepEqual(classifier.classify('{"type":"tick","seq":3,"time":1700000000000,"value":"0.40"}'), {
      kind: 'tick',
      text: '0.40',
      tickValue: 0.4,
      tickTime: 1700000000000,
    });
    assert.deepEqual(classifier.classify('{"type":"echo","data":"0.42"}'), { kind: 'echo', text: '0.42' });
    assert.equal(
      classifier.classify('{"type":"error","code":"ticks-skipped","message":"3 skipped","count":3}').kind,
      'notice',
    );
    assert.equal(classifier.classify('not json').kind, 'message');
  });

  it('falls back to inference when a server accepts the subprotocol but speaks plain text', () => {
    const classifier = new MessageClassifier();
    classifier.reset('station.v1.json', 'station.v1.json');
    assert.equal(classifier.classify('连接成功').kind, 'greeting');
    assert.equal(classifier.classify('0.42').kind, 'tick');
    assert.equal(classifier.classify('{"type":"other"}').kind, 'message');
    classifier.sent('0.42');
    assert.equal(classifier.classify('0.42').kind, 'echo');
  });

  it('knows bytes echoed back as the bytes it sent', () => {
    const classifier = new MessageClassifier();
    classifier.reset('', 'station.v1.json');
    classifier.sentBinary(new Uint8Array([0x48, 0x00, 0xff]));
    assert.deepEqual(classifier.classifyBinary(new Uint8Array([0x48, 0x00, 0xff])), {
      kind: 'echo',
      text: '48 00 ff',
      binary: true,
    });
    assert.equal(classifier.classifyBinary(new Uint8Array([0x48, 0x00, 0xff])), undefined, 'only once');
  });

  it('knows a text echoed back as a binary frame (the seed server does that)', () => {
    const classifier = new MessageClassifier();
    classifier.reset('', 'station.v1.json');
    classifier.sent('你好');
    assert.equal(classifier.classifyBinary(new Uint8Array([0xff, 0x00])), undefined, 'not UTF-8');
    assert.deepEqual(classifier.classifyBinary(new TextEncoder().encode('你好')), { kind: 'echo', text: '你好' });
    assert.equal(classifier.classifyBinary(new TextEncoder().encode('你好')), undefined, 'already echoed');
  });

  it('on the plain wire, knows an echo of tick-like text from a tick by what was sent', () => {
    const classifier = new MessageClassifier();
    classifier.reset('', 'station.v1.json');
    assert.equal(classifier.classify('连接成功').kind, 'greeting');
    assert.equal(classifier.classify('0.42').kind, 'tick');
    classifier.sent('0.42');
    classifier.sent('hello');
    assert.equal(classifier.classify('0.17').kind, 'tick', 'a tick that arrives before the echo');
    assert.equal(classifier.classify('0.42').kind, 'echo');
    assert.equal(classifier.classify('hello').kind, 'echo');
    assert.equal(classifier.classify('0.42').kind, 'tick', 'once echoed, the same text is a tick again');
    assert.equal(classifier.classify('something else').kind, 'message');
  });
});

describe('what the person types', () => {
  it('sends text as it is and JSON only when it parses', () => {
    assert.deepEqual(parseOutgoing('text', '{oops'), { ok: true, value: '{oops' });
    assert.deepEqual(parseOutgoing('json', '{"a": [1, 2]}'), { ok: true, value: '{"a": [1, 2]}' });
    // The engine's English message is turned into words the page translates.
    assert.deepEqual(parseOutgoing('json', '{"a": '), { ok: false, error: 'jsonErrorEnd' });
    const refused = parseOutgoing('json', '{"a": x}');
    assert.ok(!refused.ok);
    assert.ok(refused.error === 'invalidJson' || refused.error === 'jsonErrorAt', refused.error);
  });

  it('reads hex bytes, spaced or not, and refuses anything else', () => {
    const parsed = parseHex('48 65 6C 6c6f');
    assert.ok(parsed.ok);
    assert.deepEqual([...parsed.value], [0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert.deepEqual(parseHex('0x00ff'), { ok: true, value: new Uint8Array([0, 255]) });
    assert.deepEqual(parseHex('abc'), { ok: false, error: 'invalidHex' });
    assert.deepEqual(parseHex('zz'), { ok: false, error: 'invalidHex' });
    assert.deepEqual(parseHex('  '), { ok: false, error: 'emptyBinary' });
    assert.equal(toHex(new Uint8Array([1, 2, 255]), 2), '01 02 …');
  });

  it('allows only the close codes and reasons WebSocket.close() accepts', () => {
    assert.deepEqual(parseCloseRequest('', ''), { ok: true, value: {} });
    assert.deepEqual(parseCloseRequest('4000', 'bye'), { ok: true, value: { code: 4000, reason: 'bye' } });
    assert.deepEqual(parseCloseRequest('', 'bye'), { ok: true, value: { code: 1000, reason: 'bye' } });
    for (const code of ['1001', '999', '2999', '5000', '12.5', 'x']) {
      assert.deepEqual(parseCloseRequest(code, ''), { ok: false, error: 'invalidCloseCode' }, code);
    }
    assert.equal(parseCloseRequest('1000', '关'.repeat(41)).ok, true, '123 bytes');
    assert.deepEqual(parseCloseRequest('1000', '关'.repeat(42)), { ok: false, error: 'reasonTooLong' });
  });
});

describe('the log history', () => {
  const entry = (kind: EntryKind, text: string): Omit<LogEntry, 'id' | 'truncated'> => ({
    time: 0,
    direction: 'in',
    kind,
    text,
    bytes: text.length,
    binary: false,
  });

  it('keeps the newest entries only, and long messages shortened', () => {
    const store = new LogStore(100);
    for (let i = 0; i < 1000; i++) store.add(entry('echo', `m${i}`));
    const visible = store.visible();
    assert.equal(visible.length, 100);
    assert.equal(visible[0]?.text, 'm900');
    assert.equal(visible.at(-1)?.text, 'm999');
    const long = store.add(entry('echo', 'x'.repeat(MAX_TEXT_CHARS + 10)));
    assert.equal(long.truncated, true);
    assert.equal(long.text.length, MAX_TEXT_CHARS);
  });

  it('filters by text (any case), direction and kind, and keeps the filtered view as entries arrive', () => {
    const store = new LogStore(10);
    store.add(entry('echo', 'Hello station'));
    store.add({ ...entry('sent', 'hello again'), direction: 'out' });
    store.add(entry('tick', '0.42'));
    store.filter = { ...NO_FILTER, text: 'HELLO' };
    assert.deepEqual(
      store.visible().map((e) => e.text),
      ['Hello station', 'hello again'],
    );
    assert.equal(store.filtering, true);
    store.filter = { ...NO_FILTER, text: 'hello', direction: 'out' };
    assert.deepEqual(
      store.visible().map((e) => e.text),
      ['hello again'],
    );
    store.filter = { ...NO_FILTER, kind: 'echo' };
    store.visible();
    // Added after the view was computed: kept in step with the filter and the cap.
    for (let i = 0; i < 20; i++) store.add(entry(i % 2 === 0 ? 'echo' : 'tick', `e${i}`));
    assert.deepEqual(
      store.visible().map((e) => e.text),
      ['e10', 'e12', 'e14', 'e16', 'e18'],
    );
    assert.equal(store.size, 10);
    store.filter = NO_FILTER;
    assert.equal(store.visible().length, 10);
    assert.equal(store.filtering, false);
  });

  it('updates an entry’s text in place, and the filter sees the new text', () => {
    const store = new LogStore();
    const row = store.add({ ...entry('state', 'unreachable; 1 attempt'), direction: 'local' });
    store.filter = { ...NO_FILTER, text: '3 attempts' };
    assert.equal(store.visible().length, 0);
    assert.equal(store.update(row.id, 'unreachable; 3 attempts'), true);
    assert.equal(store.visible()[0]?.id, row.id);
    assert.equal(store.update(12345, 'gone'), false);
  });

  it('hides ticks on request, and exports what is shown', () => {
    const store = new LogStore();
    store.add(entry('tick', '0.42'));
    store.add(entry('echo', 'hi'));
    store.filter = { ...NO_FILTER, hideTicks: true };
    assert.deepEqual(
      store.visible().map((e) => e.text),
      ['hi'],
    );
    assert.equal(store.toText(), '1970-01-01T00:00:00.000Z <- echo: hi');
    assert.deepEqual(JSON.parse(store.toJsonLines()), {
      time: '1970-01-01T00:00:00.000Z',
      direction: 'in',
      kind: 'echo',
      text: 'hi',
      bytes: 2,
      binary: false,
      id: 2,
      truncated: false,
    });
    store.clear();
    assert.equal(store.visible().length, 0);
  });
});

describe('reconnect backoff', () => {
  it('doubles from 0.5 s to at most 30 s, jittered within the upper half of each step', () => {
    assert.equal(
      backoffDelay(1, () => 0),
      BACKOFF.initialMs / 2,
    );
    assert.equal(
      backoffDelay(1, () => 1),
      BACKOFF.initialMs,
    );
    assert.equal(
      backoffDelay(4, () => 1),
      4000,
    );
    assert.equal(
      backoffDelay(20, () => 1),
      BACKOFF.maxMs,
    );
    assert.equal(
      backoffDelay(20, () => 0),
      BACKOFF.maxMs / 2,
    );
  });
});

describe('after the station closes an open connection', () => {
  it('tries again when it went away for a while, and stays closed when it meant it', () => {
    for (const code of [1001, 1005, 1006, 1011, 1012, 1013, 1014]) assert.equal(reconnectsAfter(code), true, `${code}`);
    for (const code of [1000, 1002, 1003, 1007, 1008, 1009, 1010, 3000, 4000, 4999]) {
      assert.equal(reconnectsAfter(code), false, `${code}`);
    }
  });
});
