/**
 * The client page in Chromium, served by a real station: a flood, scrolling back, the seed's
 * server, exports, and the desktop window's bridge and host panels (the desktop window is always
 * Electron's Chromium). What every LAN browser must show runs in each engine: client-browsers.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it, type TestContext } from 'node:test';
import type { Locator, Page } from 'playwright';
import type { Station } from '../main/station/station';
import { CLIENT_DIR } from '../main/station/http/client-route';
import { startSeedServer } from '../bench/servers/seed-server';
import type { SettingsSaveResult } from '../common/desktop';
import type { TrafficEntry } from '../common/station-status';
import { DEFAULT_SETTINGS } from '../main/desktop/settings';
import { assertNoPageErrors, launchBrowser, openPage, screenshot } from './helpers/browser';
import { sampleDesktopConfig } from './helpers/desktop-fixtures';
import { mockBridgeScript } from './helpers/mock-bridge';
import { startTestStation } from './helpers/station';
import { eventually } from './helpers/wait';

const WAIT_MS = 5000;
/** A flood of thousands of messages on a busy two-core machine: what is asserted is the DOM, not the time. */
const FLOOD_WAIT_MS = 30_000;

const pageUrl = (station: Station, query = '') => `http://127.0.0.1:${station.port}/${query}`;

interface ScrollBox {
  scrollTop: number;
  clientHeight: number;
  scrollHeight: number;
}

/** An element's scroll geometry, read in the page. */
const scrollBox = (locator: Locator): Promise<ScrollBox> =>
  locator.evaluate((element: ScrollBox) => ({
    scrollTop: element.scrollTop,
    clientHeight: element.clientHeight,
    scrollHeight: element.scrollHeight,
  }));

/** Texts of the log rows of one kind that are drawn now (the log is virtual: rows in view only). */
const rowTexts = (page: Page, kind: string) => page.locator(`.log-row[data-kind="${kind}"] .text`).allTextContents();

async function waitForRow(page: Page, kind: string, text: string | RegExp, timeout = WAIT_MS): Promise<void> {
  await page.locator(`.log-row[data-kind="${kind}"] .text`, { hasText: text }).last().waitFor({ timeout });
}

async function waitForState(page: Page, label: string): Promise<void> {
  await page.locator('#state-pill', { hasText: label }).waitFor({ timeout: WAIT_MS });
}

async function openClient(t: TestContext, url: string, options: Parameters<typeof openPage>[2] = {}) {
  const browser = await launchBrowser(t);
  const opened = await openPage(browser, url, options);
  return opened;
}

/** A page that printed no errors (CSP violations, exceptions) while it ran. */
describe('client page', () => {
  it('is served at / under a strict Content-Security-Policy', async (t) => {
    const station = await startTestStation(t);
    const response = await fetch(pageUrl(station));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${station.port} `));
    assert.match(await response.text(), /<script src="app.js" defer><\/script>/);
  });

  it('keeps the log bounded and following under 10,000 messages; ticks can be hidden', async (t) => {
    // Ticks slow enough that the newest echo stays in view (about ten rows) for seconds.
    const station = await startTestStation(t, { tickMs: 500 });
    // Test-only: keep a handle on the page's socket so the test can flood it from inside the page.
    const initScript = `{
      const NativeWebSocket = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends NativeWebSocket {
        constructor(...args) { super(...args); window.__sockets.push(this); }
      };
    }`;
    const opened = await openClient(t, pageUrl(station), { initScript });
    const { page } = opened;
    await waitForState(page, 'OPEN 1');
    const nodeCount = () => page.locator('*').count();
    const rowCount = () => page.locator('.log-row').count();
    const flood = (from: number, to: number) =>
      page.evaluate(`{
        const socket = window.__sockets[window.__sockets.length - 1];
        for (let i = ${from}; i < ${to}; i++) socket.send('flood ' + i);
      }`);

    // Once the view is full, the node count must not grow with the number of messages.
    await flood(0, 1000);
    await waitForRow(page, 'echo', 'flood 999', FLOOD_WAIT_MS);
    const nodesAfterFirstThousand = await nodeCount();
    await flood(1000, 10_000);
    await waitForRow(page, 'echo', 'flood 9999', FLOOD_WAIT_MS);
    assert.match((await page.locator('#log-count').textContent()) ?? '', /^5000 of at most 5000/);
    // Rows exist only for what is in view, plus a few above and below (6 each side, 28 px high).
    const viewportRows = Math.ceil((await scrollBox(page.locator('#log-viewport'))).clientHeight / 28);
    const rows = await rowCount();
    assert.ok(rows <= viewportRows + 13, `${rows} rows in the DOM for a view of ${viewportRows}`);
    // 9,000 more messages, at most a few more recycled rows: 5 nodes each, not one per message.
    const nodesAtTheEnd = await nodeCount();
    assert.ok(
      nodesAtTheEnd - nodesAfterFirstThousand <= 13 * 5,
      `DOM grew from ${nodesAfterFirstThousand} to ${nodesAtTheEnd} nodes`,
    );

    await page.locator('#hide-ticks').check();
    const tickRows = page.locator('.log-row[data-kind="tick"]');
    await eventually('tick rows to leave the log', async () => (await tickRows.count()) === 0);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // two more ticks arrive meanwhile
    assert.equal(await tickRows.count(), 0);
    await waitForRow(page, 'echo', 'flood 9999', FLOOD_WAIT_MS);
    await screenshot(page, 'client-flood');
    assertNoPageErrors(opened);
  });

  it('lets the person scroll up to read while messages arrive, then jump back to the newest', async (t) => {
    const station = await startTestStation(t, { tickMs: 20 });
    const { page } = await openClient(t, pageUrl(station));
    const logCount = async () => parseInt((await page.locator('#log-count').textContent()) ?? '0', 10);
    await eventually('60 entries in the log', async () => (await logCount()) >= 60);
    const viewport = page.locator('#log-viewport');
    await viewport.hover();
    await page.mouse.wheel(0, -300);
    const jump = page.locator('#jump-to-newest');
    await jump.waitFor({ state: 'visible', timeout: WAIT_MS });
    const scrollTop = async () => (await scrollBox(viewport)).scrollTop;
    const readingAt = await scrollTop();
    await page.locator('#jump-to-newest', { hasText: /\(\d{2,} new\)/ }).waitFor({ timeout: WAIT_MS });
    assert.ok(Math.abs((await scrollTop()) - readingAt) < 2, 'the view stayed where the person was reading');
    await jump.click();
    await jump.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await eventually('the view to be at the newest entry', async () => {
      const box = await scrollBox(viewport);
      return box.scrollTop + box.clientHeight >= box.scrollHeight - 28;
    });
  });

  it("works against the seed's server, which answers in plain text whatever it is offered", async (t) => {
    const seed = await startSeedServer(CLIENT_DIR);
    t.after(() => seed.close());
    const { page } = await openClient(t, `http://127.0.0.1:${seed.port}/`);
    await waitForState(page, 'OPEN 1');
    await waitForRow(page, 'greeting', '连接成功');
    await waitForRow(page, 'tick', /^[01]\.\d\d$/);
    // Text that looks like a tick, echoed back by the seed as a binary frame: still an echo.
    await page.locator('#message').fill('0.42');
    await page.locator('#message').press('Enter');
    await waitForRow(page, 'echo', '0.42');
    assert.deepEqual(await rowTexts(page, 'binary'), []);
  });

  it('exports the log as JSON lines and as text', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { page } = await openClient(t, pageUrl(station));
    await waitForRow(page, 'greeting', '连接成功');
    await page.locator('#message').fill('to be exported');
    await page.locator('#message').press('Enter');
    await waitForRow(page, 'echo', 'to be exported');

    const exported = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
      const path = await download.path();
      return { name: download.suggestedFilename(), content: await readFile(path, 'utf8') };
    };
    const jsonLines = await exported('#export-jsonl');
    assert.equal(jsonLines.name, 'ws-station-log.jsonl');
    const entries = jsonLines.content.split('\n').map((line) => JSON.parse(line) as { kind: string; text: string });
    assert.deepEqual(
      entries.filter((entry) => entry.kind !== 'state').map((entry) => [entry.kind, entry.text]),
      [
        ['greeting', '连接成功'],
        ['sent', 'to be exported'],
        ['echo', 'to be exported'],
      ],
    );
    const text = await exported('#export-text');
    assert.equal(text.name, 'ws-station-log.txt');
    assert.match(text.content, /Z -> sent: to be exported\n.*Z <- echo: to be exported$/);
  });

  it('takes its settings from the desktop bridge when the preload provides one', async (t) => {
    const station = await startTestStation(t, { token: 'bridge-token-1' });
    // Differs from what the page would derive from its own address: a token and a language.
    const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test?token=bridge-token-1`, 'zh-CN');
    const initScript = mockBridgeScript({ config, settings: DEFAULT_SETTINGS, saveResult: SAVED });
    const { page } = await openClient(t, pageUrl(station), { initScript, locale: 'en-US' });
    await waitForState(page, 'OPEN 1');
    assert.equal(await page.locator('#url').textContent(), config.websocketUrl);
    assert.equal(station.peers.size, 1);
    assert.equal(await page.locator('#send').textContent(), '发送');
  });
});

describe('host panels (desktop window only, with a mock bridge)', () => {
  it('are absent for a LAN browser, which has no bridge', async (t) => {
    const station = await startTestStation(t);
    const { page } = await openClient(t, pageUrl(station));
    await waitForState(page, 'OPEN 1');
    assert.equal(await page.locator('#host-panels').isHidden(), true);
  });

  it('share every LAN address with copy buttons and a QR code, and list the peers', async (t) => {
    const station = await startTestStation(t);
    const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test`, 'en');
    const { page } = await openClient(t, pageUrl(station), {
      initScript: mockBridgeScript({ config, settings: DEFAULT_SETTINGS, saveResult: SAVED }),
    });
    await waitForState(page, 'OPEN 1');
    assert.deepEqual(await page.locator('#share-list code').allTextContents(), [
      ...config.lanPageUrls,
      ...config.lanUrls,
    ]);
    assert.equal(await page.locator('#share-qr svg').count(), 1);
    await page.locator('#share-list button').first().click();
    await page.locator('#share-list button', { hasText: 'Copied' }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await bridgeCalls(page, 'copyText'), [['copyText', 'http://192.168.1.20:3000/']]);

    await page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: station.status() })})`);
    await page.locator('#tab-peers').click();
    await page.locator('#tab-peers', { hasText: 'Peers (1)' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.title(), 'WS Station (1 peers)');
    const cells = await page.locator('#peers-body tr').first().locator('td').allTextContents();
    // The device in words, this window marked (its id came with the welcome).
    assert.match(cells[1] ?? '', /^Chrome \d+ on Linux this window$/);
    // The address, and under it the endpoint the peer is on.
    assert.equal(cells[2], `127.0.0.1:${station.peers.list()[0]?.remotePort}endpoint /websocket/test`);
    await page.locator('#refusals', { hasText: 'No connection has been refused.' }).waitFor({ timeout: WAIT_MS });
    // Refusals by reason, as an attack from the LAN would leave them.
    const attacked = station.status();
    attacked.totals.rejected = { '401': 12, '429': 3 };
    attacked.totals.refusedConnections = { 'pending-per-address': 168 };
    attacked.totals.tokenLockouts = 1;
    await page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: attacked })})`);
    await page
      .locator('#refusals', {
        hasText:
          'Refused since the station started: 12 without the right token, 3 locked out after wrong tokens, ' +
          '168 over one address’s limit of connections not yet WebSockets. ' +
          '1 time(s) an address was locked out after wrong tokens.',
      })
      .waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'client-desktop-peers');
    await page.locator('#tab-share').click();
    await screenshot(page, 'client-desktop-share');
  });

  it('apply settings through the bridge and show the result or the reason', async (t) => {
    const station = await startTestStation(t);
    const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test`, 'en');
    const refused: SettingsSaveResult = {
      ok: false,
      setting: 'port',
      message: 'Port 3000 is already in use on 0.0.0.0. Choose another port in Settings, or 0 for any free port.',
    };
    const { page } = await openClient(t, pageUrl(station), {
      initScript: mockBridgeScript({ config, settings: DEFAULT_SETTINGS, saveResult: refused }),
    });
    await page.locator('#tab-settings').click();
    assert.equal(await page.locator('#setting-port').inputValue(), '3000');
    await page.locator('#setting-port').fill('4000');
    await page.locator('#setting-tick-ms').fill('500');
    assert.equal(await page.locator('#setting-max-connections').inputValue(), '1000');
    await page.locator('#setting-max-pending').fill('16');
    assert.equal(await page.locator('#setting-max-message-rate').inputValue(), '0');
    await page.locator('#setting-max-message-rate').fill('-1');
    await page.locator('#setting-max-message-rate-error', { hasText: 'a whole number from 0 to 1000000' }).waitFor({
      timeout: WAIT_MS,
    });
    await page.locator('#setting-max-message-rate').fill('250');
    await page.locator('#generate-token').click();
    await page.locator('#apply-settings').click();
    await page.locator('#settings-result', { hasText: 'Not applied: Port 3000 is already in use' }).waitFor({
      timeout: WAIT_MS,
    });
    const [[, sent]] = (await bridgeCalls(page, 'saveSettings')) as [[string, Record<string, unknown>]];
    assert.equal(sent.port, 4000);
    assert.equal(sent.tickMs, 500);
    assert.equal(sent.maxPendingPerAddress, 16);
    assert.equal(sent.maxConnectionsPerAddress, 1000);
    assert.equal(sent.maxMessagesPerSecond, 250);
    assert.equal(sent.tokenEnabled, true);
    assert.match(String(sent.token), /^[A-Za-z0-9_-]{24}$/);
    await screenshot(page, 'client-desktop-settings');
  });

  it('talk to one peer: its traffic, send to it or to all, close it; refusals in words', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test`, 'en');
    const traffic: TrafficEntry[] = [
      {
        seq: 1,
        peerId: 1,
        time: Date.now(),
        direction: 'out',
        kind: 'greeting',
        size: 12,
        binary: false,
        preview: '连接成功',
        truncated: false,
      },
      {
        seq: 2,
        peerId: 1,
        time: Date.now(),
        direction: 'in',
        kind: 'message',
        size: 9,
        binary: false,
        preview: 'from peer',
        truncated: false,
      },
      {
        seq: 3,
        peerId: 1,
        time: Date.now(),
        direction: 'out',
        kind: 'host',
        size: 2,
        binary: true,
        preview: '0102',
        truncated: false,
      },
    ];
    const { page } = await openClient(t, pageUrl(station), {
      initScript: mockBridgeScript({ config, settings: DEFAULT_SETTINGS, saveResult: SAVED, traffic }),
    });
    await waitForState(page, 'OPEN 1');
    await page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: station.status() })})`);
    await page.locator('#tab-peers').click();
    const [peer] = station.peers.list();
    assert.ok(peer);
    await page.locator(`#peers-body button[data-peer="${peer.id}"]`).click();
    await page
      .locator('#peer-console-title', { hasText: `Peer ${peer.id} · 127.0.0.1:` })
      .waitFor({ timeout: WAIT_MS });
    await page
      .locator('#peer-log-viewport .log-row[data-kind="message"]', { hasText: 'from peer' })
      .waitFor({ timeout: WAIT_MS });
    await page
      .locator('#peer-log-viewport .log-row[data-kind="host"]', { hasText: '2 bytes: 0102' })
      .waitFor({ timeout: WAIT_MS });

    await page.locator('#peer-send-input').fill('hello you');
    await page.locator('#peer-send-one').click();
    await page.locator('#peer-result', { hasText: 'Sent to 1 peer(s).' }).waitFor({ timeout: WAIT_MS });
    await page.locator('#peer-send-mode').selectOption('binary');
    await page.locator('#peer-send-input').fill('ff 00');
    await page.locator('#peer-send-all').click();
    await page.locator('#peer-send-mode').selectOption('json');
    await page.locator('#peer-send-input').fill('{"a":');
    await page.locator('#peer-send-one').click();
    await page.locator('#peer-result', { hasText: /^Not valid JSON: / }).waitFor({ timeout: WAIT_MS });
    await eventually('both sends', async () => (await bridgeCalls(page, 'sendToPeers')).length === 2);
    assert.deepEqual(await bridgeCalls(page, 'sendToPeers'), [
      ['sendToPeers', peer.id, 'hello you'],
      ['sendToPeers', 'all', [0xff, 0x00]],
    ]);

    await page.locator('#peer-close-code').fill('999');
    await page.locator('#peer-close').click();
    await page
      .locator('#peer-result', { hasText: 'A close code must be 1000 or from 3000 to 4999.' })
      .waitFor({ timeout: WAIT_MS });
    await page.locator('#peer-close-code').fill('4000');
    await page.locator('#peer-close-reason').fill('bye');
    await page.locator('#peer-close').click();
    await page.locator('#peer-result', { hasText: 'Closed with 4000.' }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await bridgeCalls(page, 'closePeer'), [
      ['closePeer', { peerId: peer.id, code: 4000, reason: 'bye' }],
    ]);
    await screenshot(page, 'client-desktop-peer-console');

    // The peer leaves: the console says so and stops offering to send to it.
    await page.evaluate(
      `window.__pushStatus(${JSON.stringify({ running: true, status: { ...station.status(), peers: [] } })})`,
    );
    await page.locator('#peer-console-title', { hasText: 'has left' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#peer-send-one').isDisabled(), true);
  });

  it('say in the window why the main process refused a host action, in Chinese too', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test`, 'zh-CN');
    const { page } = await openClient(t, pageUrl(station), {
      initScript: mockBridgeScript({
        config,
        settings: DEFAULT_SETTINGS,
        saveResult: SAVED,
        hostResult: { ok: false, refusal: 'unknown-peer', message: 'No peer 1 is connected' },
      }),
    });
    await waitForState(page, 'OPEN 1');
    await page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: station.status() })})`);
    await page.locator('#tab-peers').click();
    await page.locator('#peers-body button[data-peer]').first().click();
    await page.locator('#peer-send-input').fill('你好');
    await page.locator('#peer-send-one').click();
    await page.locator('#peer-result', { hasText: '该客户端已不再连接。' }).waitFor({ timeout: WAIT_MS });
  });

  it('show why the station is down, and do not try to connect', async (t) => {
    const station = await startTestStation(t);
    const config = {
      ...sampleDesktopConfig('', 'en'),
      stationError: 'Port 3000 is already in use on 0.0.0.0. Choose another port in Settings, or 0 for any free port.',
    };
    const { page } = await openClient(t, pageUrl(station), {
      initScript: mockBridgeScript({ config, settings: DEFAULT_SETTINGS, saveResult: SAVED }),
    });
    await page.locator('#banner', { hasText: 'The station is not running: Port 3000 is already in use' }).waitFor({
      timeout: WAIT_MS,
    });
    assert.equal(await page.locator('#state-word').textContent(), 'Disconnected');
    assert.equal(station.peers.size, 0);
  });
});

const SAVED: SettingsSaveResult = {
  ok: true,
  settings: DEFAULT_SETTINGS,
  urls: ['ws://127.0.0.1:3000/websocket/test'],
  restarted: true,
};

async function bridgeCalls(page: Page, name: string): Promise<unknown[][]> {
  const calls = await page.evaluate<unknown[][]>('window.__bridgeCalls');
  return calls.filter(([called]) => called === name);
}
