/**
 * The desktop window's Peers panel in a real browser (Debian's Chromium): the refused handshakes
 * under the counts and a peer's Handshake tab, with a mock bridge answered by a real StationHost.
 * Real sockets connect and are refused; the window shows what they sent and what was answered.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright';
import { JSON_SUBPROTOCOL, WEBSOCKET_ACCEPT_GUID } from '../common/protocol';
import { HANDSHAKES_KEPT, type StationStatus } from '../common/station-status';
import type { StationHost } from '../main/desktop/station-host';
import { seriousViolations } from './helpers/axe';
import { assertNoPageErrors, screenshot, type OpenedPage } from './helpers/browser';
import { openClient, type Client } from './helpers/client';
import {
  DESKTOP_WINDOW,
  NARROW_WINDOW,
  openHostWindow,
  startLoopbackHost,
  type HostWindowOptions,
} from './helpers/host-window';
import { rawUpgrade } from './helpers/raw-websocket';
import { eventually, waitFor } from './helpers/wait';

const WAIT_MS = 5000;
function portOf(host: StationHost): number {
  const port = host.station?.port;
  assert.ok(port);
  return port;
}

/** The window on the host's station, its Peers panel shown. */
async function openWindow(t: TestContext, host: StationHost, options: HostWindowOptions = {}): Promise<OpenedPage> {
  const opened = await openHostWindow(t, host, options);
  await pushStatus(opened.page, host);
  await opened.page.locator('#tab-peers').click();
  return opened;
}

/** Deflate on, so a handshake shows what was agreed. */
const startHost = (t: TestContext) => startLoopbackHost(t, { deflate: true });

/** What the main process pushes each second: here when the test says, with `change` applied. */
async function pushStatus(page: Page, host: StationHost, change: (status: StationStatus) => void = () => {}) {
  const status = host.status();
  if (status.running) change(status.status);
  await page.evaluate(`window.__pushStatus(${JSON.stringify(status)})`);
}

/** A device with a credential, the JSON subprotocol and deflate; its peer id is the newest. */
async function connectDevice(t: TestContext, host: StationHost, device: string): Promise<Client & { id: number }> {
  const client = await openClient(`ws://127.0.0.1:${portOf(host)}/websocket/test`, JSON_SUBPROTOCOL, {
    perMessageDeflate: true,
    headers: { 'X-Device': device, Authorization: 'Bearer abc.def-secret' },
  });
  t.after(() => client.socket.terminate());
  await client.inbox.next();
  const id = Math.max(...(host.station?.peers.list() ?? []).map((peer) => peer.id));
  return { ...client, id };
}

async function rowTexts(page: Page): Promise<string[]> {
  return (await page.locator('#refusal-list summary').allTextContents()).map((text) => text.replace(/^\S+ /, ''));
}

/** Refused as a wrong path and as an old version, oldest first. */
async function refuseTwo(host: StationHost): Promise<void> {
  const port = portOf(host);
  assert.equal((await rawUpgrade(port, '/nowhere', { 'X-Marker': 'wrong-path' })).status, 404);
  const old = await rawUpgrade(port, '/websocket/test', { 'X-Marker': 'old-version', 'Sec-WebSocket-Version': '8' });
  assert.equal(old.status, 426);
}

async function openHandshakeTab(page: Page, peerId: number): Promise<void> {
  await page.locator(`#peers-body button[data-peer="${peerId}"]`).click();
  await page.locator('#peer-tab-handshake').click();
}

/** A peer's console open on its Handshake tab, the accept worked through opened. */
async function showHandshake(page: Page, peerId: number): Promise<void> {
  await openHandshakeTab(page, peerId);
  await page.locator('#handshake-request:not(:empty)').waitFor({ timeout: WAIT_MS });
  await page.locator('#accept-derivation summary').click();
  await page.locator('#accept-check:not(:empty)').waitFor({ timeout: WAIT_MS });
}

/** Two refusals, the `open`th opened, and a device's Handshake tab with the accept worked through. */
async function showEverything(t: TestContext, host: StationHost, page: Page, open: 1 | 2): Promise<void> {
  const device = await connectDevice(t, host, 'phone');
  await refuseTwo(host);
  await pushStatus(page, host);
  await page.locator('#refusal-list li').nth(1).waitFor({ timeout: WAIT_MS });
  await page.locator(`#refusal-list li:nth-child(${open}) summary`).click();
  await showHandshake(page, device.id);
}

describe('Peers panel: refused handshakes and the Handshake tab (desktop window, mock bridge, real station host)', () => {
  it('lists refused handshakes newest first, each opening whole from the keyboard, new ones above', async (t) => {
    const host = await startHost(t);
    const port = portOf(host);
    const opened = await openWindow(t, host);
    const { page } = opened;
    assert.equal(await page.locator('#refusal-log').isHidden(), true, 'no list before a refusal');

    await refuseTwo(host);
    await pushStatus(page, host);
    await eventually('two refusals listed', async () => (await rowTexts(page)).length === 2);
    assert.deepEqual(await rowTexts(page), [
      '127.0.0.1 426 unsupported version GET /websocket/test',
      '127.0.0.1 404 no such endpoint GET /nowhere',
    ]);
    await page.locator('#refusals', { hasText: '1 for other paths' }).waitFor();

    // A summary is a keyboard stop; Enter opens the refusal whole.
    await page.locator('#refusal-list li:nth-child(2) summary').focus();
    await page.keyboard.press('Enter');
    const wrongPath = page.locator('#refusal-list li:nth-child(2) details[open]');
    await wrongPath.waitFor({ timeout: WAIT_MS });
    assert.equal(await wrongPath.locator('p').textContent(), 'Answered 404: No WebSocket endpoint at /nowhere');
    assert.deepEqual((await wrongPath.locator('pre').textContent())?.split('\n'), [
      'GET /nowhere HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: bwb9SFiJONXhQ/A4pLaXIg==',
      'X-Marker: wrong-path',
    ]);

    // A third, with secrets: it comes in on top, the open one stays open, nothing secret is shown.
    const foreign = await rawUpgrade(port, '/websocket/test?token=hunter2&room=7', {
      Origin: 'http://evil.example',
      Authorization: 'Basic c2VjcmV0OnNlY3JldA==',
      Cookie: 'session=s3cr3t',
    });
    assert.equal(foreign.status, 403);
    await pushStatus(page, host);
    await eventually('three refusals listed', async () => (await rowTexts(page)).length === 3);
    assert.equal((await rowTexts(page))[0], '127.0.0.1 403 not allowed GET /websocket/test?token=•••&room=7');
    assert.equal(await page.locator('#refusal-list details[open]').count(), 1);
    assert.equal(await page.locator('#refusal-list li:nth-child(3) details').getAttribute('open'), '');
    await page.locator('#refusal-list li:nth-child(1) summary').click();
    const secretOne = (await page.locator('#refusal-list li:nth-child(1) pre').textContent()) ?? '';
    assert.match(secretOne, /^Authorization: Basic •••$/m);
    assert.match(secretOne, /^Cookie: •••$/m);
    assert.doesNotMatch(secretOne, /hunter2|c2VjcmV0|s3cr3t/);
    assert.match(
      (await page.locator('#refusal-list li:nth-child(1) p').textContent()) ?? '',
      /^Answered 403: Origin http:\/\/evil\.example is not allowed/,
    );

    // The window asked only for what was new each time.
    const asked = await page.evaluate<unknown[]>(
      `window.__bridgeCalls.filter(([name]) => name === 'refusals').map(([, after]) => after)`,
    );
    assert.deepEqual(asked, [0, 2]);
    await screenshot(page, 'peers-refusals-en');
    assertNoPageErrors(opened);
  });

  it("shows a peer's handshake: both blocks, the accept worked through, subprotocol, extensions, round trip", async (t) => {
    const host = await startHost(t);
    const opened = await openWindow(t, host);
    const { page } = opened;
    const device = await connectDevice(t, host, 'esp32-kitchen');
    const peerId = device.id;
    await pushStatus(page, host);
    await page.locator(`#peers-body button[data-peer="${peerId}"]`).click();
    assert.equal(await page.locator('#peer-traffic-panel').isVisible(), true, 'traffic first');

    // Tabs by keyboard: one Tab stop, the arrow moves to Handshake.
    await page.locator('#peer-tab-traffic').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate('document.activeElement.id'), 'peer-tab-handshake');
    assert.equal(await page.locator('#peer-tab-handshake').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#peer-traffic-panel').isHidden(), true);
    await page.locator('#handshake-request:not(:empty)').waitFor({ timeout: WAIT_MS });

    const request = ((await page.locator('#handshake-request').textContent()) ?? '').split('\n');
    assert.equal(request[0], 'GET /websocket/test HTTP/1.1');
    for (const line of [
      'X-Device: esp32-kitchen',
      'Authorization: Bearer •••',
      `Sec-WebSocket-Protocol: ${JSON_SUBPROTOCOL}`,
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    ])
      assert.ok(request.includes(line), `${line} in ${request.join(' | ')}`);
    assert.ok(!request.join('\n').includes('abc.def-secret'), 'the credential is not shown');
    const key = request.find((line) => line.startsWith('Sec-WebSocket-Key: '))?.slice('Sec-WebSocket-Key: '.length);
    assert.ok(key);
    const digest = createHash('sha1')
      .update(key + WEBSOCKET_ACCEPT_GUID)
      .digest();

    const response = ((await page.locator('#handshake-response').textContent()) ?? '').split('\n');
    assert.equal(response[0], 'HTTP/1.1 101 Switching Protocols');
    assert.ok(response.includes(`Sec-WebSocket-Accept: ${digest.toString('base64')}`), response.join(' | '));
    assert.ok(response.includes(`Sec-WebSocket-Protocol: ${JSON_SUBPROTOCOL}`));
    assert.equal(
      await page.locator('#handshake-subprotocol').textContent(),
      `offered ${JSON_SUBPROTOCOL}; chosen ${JSON_SUBPROTOCOL}`,
    );
    // The station agrees to deflate without context takeover (each message compressed alone).
    const agreed = 'permessage-deflate; server_no_context_takeover';
    assert.ok(response.includes(`Sec-WebSocket-Extensions: ${agreed}`), response.join(' | '));
    assert.equal(device.socket.extensions, 'permessage-deflate', 'what the device took');
    assert.equal(
      await page.locator('#handshake-extensions').textContent(),
      `offered permessage-deflate; client_max_window_bits; agreed ${agreed}`,
    );

    // The accept, step by step, opened from the keyboard.
    await page.locator('#accept-derivation summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('#accept-derivation[open]').waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await page.locator('#accept-derivation code').allTextContents(), [
      key,
      key + WEBSOCKET_ACCEPT_GUID,
      digest.toString('hex'),
      digest.toString('base64'),
    ]);
    assert.equal(await page.locator('#accept-check').textContent(), 'the Sec-WebSocket-Accept the station sent. ✓');

    // The round trip follows the status the main process pushes.
    assert.equal(await page.locator('#peer-rtt').textContent(), 'Not measured yet: each heartbeat ping measures it.');
    await pushStatus(page, host, (status) => {
      const shown = status.peers.find((peer) => peer.id === peerId);
      if (shown) shown.rttMs = { last: 1.4, median: 1.2 };
    });
    await page.locator('#peer-rtt', { hasText: '1.4 ms; median of recent pings 1.2 ms' }).waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'peers-handshake-en');
    assertNoPageErrors(opened);
  });

  it('says when a peer has left before its handshake was asked for, and when it is older than those kept', async (t) => {
    const host = await startHost(t);
    const { page } = await openWindow(t, host);
    const early = await connectDevice(t, host, 'early');
    const earlyId = early.id;
    // Newer peers push the early one's handshake out of those kept.
    const port = portOf(host);
    for (let batch = 0; batch < HANDSHAKES_KEPT; batch += 8) {
      const opening = Array.from({ length: 8 }, () => openClient(`ws://127.0.0.1:${port}/websocket/test`));
      for (const client of await Promise.all(opening)) t.after(() => client.socket.terminate());
    }
    await pushStatus(page, host);
    await openHandshakeTab(page, earlyId);
    await page
      .locator('#handshake-missing', {
        hasText: `The station keeps the handshakes of its newest ${HANDSHAKES_KEPT} peers; this peer’s is no longer kept.`,
      })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#handshake-exchange').isHidden(), true);

    // Listed a moment ago, gone when opened.
    early.socket.close();
    await waitFor('the early peer gone', () => host.station?.peers.get(earlyId) === undefined);
    await page.locator(`#peers-body button[data-peer="${earlyId}"]`).click();
    await page
      .locator('#handshake-missing', { hasText: 'This peer has left; its handshake went with it.' })
      .waitFor({ timeout: WAIT_MS });

    // A restarted station numbers its peers from 1 again: the same number is another peer.
    const before = await connectDevice(t, host, 'before a restart');
    await pushStatus(page, host);
    await page.locator(`#peers-body button[data-peer="${before.id}"]`).click();
    await page.locator('#peer-console-title', { hasText: `Peer ${before.id} · 127.0.0.1:` }).waitFor();
    await pushStatus(page, host, (status) => {
      const sameNumber = status.peers.find((peer) => peer.id === before.id);
      if (sameNumber) sameNumber.connectedAt = new Date(Date.now() + 60_000).toISOString();
    });
    await page.locator('#peer-console-title', { hasText: 'has left' }).waitFor({ timeout: WAIT_MS });
    const row = page.locator(`#peers-body button[data-peer="${before.id}"]`);
    assert.equal(await row.getAttribute('aria-pressed'), 'false', 'the new peer of that number is not the one shown');
  });

  for (const language of ['en', 'zh-CN'] as const) {
    for (const [size, viewport] of [
      ['window', DESKTOP_WINDOW],
      ['narrow', NARROW_WINDOW],
    ] as const) {
      it(`shows refusals and a handshake in ${language}, ${size}, within the panel (screenshot)`, async (t) => {
        const host = await startHost(t);
        const opened = await openWindow(t, host, { language, viewport });
        const { page } = opened;
        await showEverything(t, host, page, 2);
        const words =
          language === 'en'
            ? ['Refused handshakes, newest first', 'no such endpoint', 'Handshake', 'Round trip']
            : ['被拒绝的握手（最新在前）', '没有该端点', '握手', '往返时间'];
        const panelText = (await page.locator('#peers-panel').textContent()) ?? '';
        for (const word of words) assert.ok(panelText.includes(word), `${word} shown`);
        const [scrollWidth, clientWidth] = await page.evaluate<number[]>(
          `(({ scrollWidth, clientWidth }) => [scrollWidth, clientWidth])(document.getElementById('peers-panel'))`,
        );
        assert.ok(
          (scrollWidth ?? 0) <= (clientWidth ?? 0),
          `nothing wider than the panel: ${scrollWidth} > ${clientWidth}`,
        );
        await screenshot(page, `peers-handshake-${language}-${size}`);
        // From the top of the panel: the peers, the refusals, the console (README's Peers screenshot).
        await page.evaluate(`document.getElementById('peers-panel').scrollTop = 0`);
        await screenshot(page, `peers-panel-${language}-${size}`);
        await page.locator('#accept-check').scrollIntoViewIfNeeded();
        await screenshot(page, `peers-handshake-${language}-${size}-scrolled`);
        assertNoPageErrors(opened);
      });
    }
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violation with a refusal open and a handshake shown, ${colorScheme}`, async (t) => {
      const host = await startHost(t);
      const { page } = await openWindow(t, host, { colorScheme });
      await showEverything(t, host, page, 1);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, `peers-handshake-${colorScheme}`);
    });
  }
});
