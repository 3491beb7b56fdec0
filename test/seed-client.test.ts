/**
 * The seed article's own client page, unchanged, in a real browser against the station: proof
 * that the plain-text wire is still the one that page was written for.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { launchBrowser, openPage, serveStatic } from './helpers/browser';
import { startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

// This file runs from dist/test/; the fixture is not compiled, so it is read from the source tree.
const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'seed-client.html');
const SCREENSHOT = join(ROOT, 'test-results', 'screenshots', 'seed-client.png');

const SEED_URL = 'ws://127.0.0.1:3000/websocket/test';
const TICK_PATTERN = /^[01]\.\d\d$/;
const OPEN_LOG = 'WebSocket 连接状态： 1';
const CLOSE_LOG = 'WebSocket连接已关闭';
const WAIT_MS = 5000;

/**
 * The article's page with its hard-coded URL pointed at the test station's port: the only
 * change made to it. The station listens on a free port, not on the article's 3000.
 */
async function seedPage(port: number): Promise<string> {
  const html = await readFile(FIXTURE, 'utf8');
  assert.equal(html.split(SEED_URL).length, 2, `the fixture holds ${SEED_URL} exactly once`);
  return html.replace(SEED_URL, `ws://127.0.0.1:${port}/websocket/test`);
}

describe("the seed article's client page", () => {
  it('connects unchanged: greeting, ticks, echo of what is typed, and exit', async (t) => {
    // The page server comes first: the station must know its origin to allow it, and the page
    // must know the station's port, so the page is added once the station listens.
    const files: Record<string, string> = {};
    const pageOrigin = await serveStatic(t, files);
    const station = await startTestStation(t, { tickMs: 100, allowedOrigins: [pageOrigin] });
    files['/seed-client.html'] = await seedPage(station.port);
    const browser = await launchBrowser(t);
    const { page, logs, errors } = await openPage(browser, `${pageOrigin}/seed-client.html`);
    const received = page.locator('#receiveBox p');

    await received.first().waitFor({ timeout: WAIT_MS });
    assert.equal(await received.first().textContent(), '连接成功');
    await waitFor(`the console to show "${OPEN_LOG}"`, () => logs.includes(OPEN_LOG), WAIT_MS);
    assert.equal(station.peers.size, 1);
    assert.equal(station.peers.list()[0]?.origin, pageOrigin);

    await received.filter({ hasText: TICK_PATTERN }).nth(2).waitFor({ timeout: WAIT_MS });
    const [greeting, ...ticks] = await received.allTextContents();
    assert.equal(greeting, '连接成功', 'the greeting comes first');
    for (const tick of ticks) assert.match(tick, TICK_PATTERN);

    const typed = 'hello from the seed page, 你好';
    await page.locator('#msgBox').fill(typed);
    await page.locator('#sendBtn').click();
    await page.locator('#receiveBox').getByText(typed, { exact: true }).waitFor({ timeout: WAIT_MS });
    assert.equal(station.peers.list()[0]?.messagesIn, 1);

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    await page.locator('#exit').click();
    await waitFor(`the console to show "${CLOSE_LOG}"`, () => logs.includes(CLOSE_LOG), WAIT_MS);
    await waitFor('the station to see the page leave', () => station.peers.size === 0, WAIT_MS);
    assert.equal(await page.evaluate('ws.readyState'), 3, 'CLOSED');
    assert.deepEqual(errors, [], 'the script ran without errors');
  });

  it('cannot connect from an origin the station does not allow (403)', async (t) => {
    const allowedOrigin = await serveStatic(t, {});
    const files: Record<string, string> = {};
    const otherOrigin = await serveStatic(t, files);
    const station = await startTestStation(t, { tickMs: 100, allowedOrigins: [allowedOrigin] });
    files['/seed-client.html'] = await seedPage(station.port);
    const browser = await launchBrowser(t);
    const { page, logs, messages, errors } = await openPage(browser, `${otherOrigin}/seed-client.html`);

    await waitFor(`the console to show "${CLOSE_LOG}"`, () => logs.includes(CLOSE_LOG), WAIT_MS);
    assert.equal(logs.includes(OPEN_LOG), false, 'never opened');
    assert.equal(await page.locator('#receiveBox p').count(), 0, 'no greeting, no ticks');
    const handshakeError = messages.find((message) => message.type() === 'error' && message.text().includes('403'));
    assert.ok(handshakeError, `Chromium reports the 403; console was: ${JSON.stringify(logs)}`);
    assert.deepEqual(station.status().totals.rejected, { '403': 1 });
    assert.equal(station.status().totals.accepted, 0);
    assert.equal(station.peers.size, 0);
    assert.deepEqual(errors, []);
  });
});
