/**
 * The client page as people meet it in the desktop window (Electron's Chromium): its host panels
 * audited by axe-core in both themes, by keyboard alone, and the log read while the cap drops old
 * entries. A real Chromium and a real station; the panels with a mock bridge. What a LAN browser
 * shows (phone, tablet, search, axe on the page) runs in every engine: client-browsers.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright';
import { DEFAULT_SETTINGS } from '../main/desktop/settings';
import { sendToPeers } from '../main/station/peers/host-actions';
import type { Station } from '../main/station/station';
import { LOG_CAPACITY } from '../renderer/log/log-store';
import { seriousViolations } from './helpers/axe';
import { launchBrowser, openPage, screenshot } from './helpers/browser';
import { sampleDesktopConfig } from './helpers/desktop-fixtures';
import { stationHostFunctions, mockBridgeScript } from './helpers/mock-bridge';
import { CONTRACT } from './helpers/endpoints-contract';
import { StationHost } from '../main/desktop/station-host';
import { startTestStation } from './helpers/station';
import { eventually } from './helpers/wait';

const WAIT_MS = 5000;
const DESKTOP_WINDOW = { viewport: { width: 1280, height: 860 } };

const pageUrl = (station: Station, query = '') => `http://127.0.0.1:${station.port}/${query}`;

async function waitConnected(page: Page): Promise<void> {
  await page.locator('#state-word', { hasText: /^(Connected|已连接)$/ }).waitFor({ timeout: WAIT_MS });
}

async function openDesktopWindow(t: TestContext, station: Station, options: { colorScheme?: 'light' | 'dark' } = {}) {
  const browser = await launchBrowser(t);
  const config = sampleDesktopConfig(`ws://127.0.0.1:${station.port}/websocket/test`, 'en');
  // The Endpoints panel's functions answered by a host that runs no station of its own.
  const endpointsHost = new StationHost(DEFAULT_SETTINGS, '0.1.0');
  endpointsHost.applyEndpoints(CONTRACT.endpoints.map((endpoint) => JSON.stringify(endpoint, null, 2)));
  const opened = await openPage(browser, pageUrl(station), {
    ...DESKTOP_WINDOW,
    ...options,
    initScript: mockBridgeScript({
      config,
      settings: DEFAULT_SETTINGS,
      saveResult: { ok: true, settings: DEFAULT_SETTINGS, urls: [], restarted: true },
    }),
    expose: stationHostFunctions(endpointsHost),
  });
  await waitConnected(opened.page);
  await opened.page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: station.status() })})`);
  return opened;
}

describe('client page for people', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violation in each host panel, ${colorScheme}`, async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const { page } = await openDesktopWindow(t, station, { colorScheme });
      assert.deepEqual(await seriousViolations(page), [], 'share');
      await page.locator('#tab-peers').click();
      await page.locator('#peers-body button').first().click();
      await page.locator('#peer-console:not([hidden])').waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await seriousViolations(page), [], 'peers with a console open');
      await page.locator('#tab-endpoints').click();
      await page.locator('#endpoint-editor .cm-content').waitFor({ timeout: WAIT_MS });
      await page.locator('#try-message').fill('ping');
      await page.locator('#try-send').click();
      await page.locator('#try-result .try-payload').waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await seriousViolations(page), [], 'endpoints with a message tried');
      await screenshot(page, `client-desktop-endpoints-${colorScheme}`);
      await page.locator('#tab-settings').click();
      assert.deepEqual(await seriousViolations(page), [], 'settings');
      await screenshot(page, `client-desktop-settings-${colorScheme}`);
    });
  }

  it('shows the whole QR code with its address, and a readable Peers table, in the 1280×860 window', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { page } = await openDesktopWindow(t, station);
    const qr = await page.locator('#share-qr').boundingBox();
    const panel = await page.locator('#host-panels').boundingBox();
    assert.ok(qr && panel);
    assert.ok(qr.y >= panel.y && qr.y + qr.height <= panel.y + panel.height, 'QR code inside its panel');
    assert.equal(await page.locator('#share-qr-caption').textContent(), 'Scan to open http://192.168.1.20:3000/');
    await page.locator('#tab-peers').click();
    const table = page.locator('#peers-table');
    const widths = await page.evaluate<number[]>(
      `(({ scrollWidth, clientWidth }) => [scrollWidth, clientWidth])(document.getElementById('peers-table'))`,
    );
    assert.ok((widths[0] ?? 0) <= (widths[1] ?? 0), `every column of the Peers table in view: ${widths.join(' > ')}`);
    assert.equal(await table.getAttribute('tabindex'), '0', 'scrollable from the keyboard');
    await screenshot(page, 'client-desktop-peers');
  });

  it('asks before a restart that drops peers, and checks the fields as they are typed', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { page } = await openDesktopWindow(t, station);
    await page.locator('#tab-settings').click();
    await page.locator('#setting-port').fill('80a');
    await page
      .locator('#setting-port-error', { hasText: 'whole number from 0 to 65535' })
      .waitFor({ timeout: WAIT_MS });
    await page.locator('#apply-settings').click();
    await page
      .locator('#settings-result', { hasText: 'Correct the fields marked above.' })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await page.evaluate('window.__bridgeCalls.filter(([name]) => name === "saveSettings").length'), 0);
    await page.locator('#setting-port').fill('3100');
    assert.equal(await page.locator('#setting-port-error').textContent(), '');
    // The token cannot be edited while it is off.
    assert.equal(await page.locator('#setting-token').isDisabled(), true);
    await page.locator('#setting-token-enabled').check();
    assert.equal(await page.locator('#setting-token').isDisabled(), false);
    await page.locator('#setting-token-enabled').uncheck();
    await page.locator('#apply-settings').click();
    await page.locator('#settings-confirm-text', { hasText: 'Restarting disconnects 1 peer(s).' }).waitFor({
      timeout: WAIT_MS,
    });
    await page.locator('#cancel-restart').click();
    assert.equal(await page.evaluate('window.__bridgeCalls.filter(([name]) => name === "saveSettings").length'), 0);
    await page.locator('#apply-settings').click();
    await page.locator('#confirm-restart').click();
    await eventually(
      'the settings saved',
      async () =>
        (await page.evaluate<number>('window.__bridgeCalls.filter(([name]) => name === "saveSettings").length')) === 1,
    );
  });

  it('can be used by keyboard alone: skip link, one Tab stop for the log, arrow keys, tabs', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station));
    await waitConnected(page);
    // The first Tab reaches the skip link, which goes to the message box.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.className'), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'message');
    for (const text of ['first', 'second', 'third']) {
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
    }
    await page.locator('.log-row[data-kind="echo"] .text', { hasText: 'third' }).waitFor({ timeout: WAIT_MS });
    // From the log's search box, the log is one Tab stop away and the composer's controls follow it.
    await page.locator('#log-search').focus();
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate<string>('document.activeElement.id || document.activeElement.className'));
    }
    assert.equal(stops.filter((id) => id === 'log-viewport').length, 1, stops.join(' → '));
    assert.ok(!stops.some((id) => id.includes('log-row')), `no row is a Tab stop: ${stops.join(' → ')}`);
    // Arrow keys move the selection; the details follow it. (Sends and echoes may interleave in
    // any order, so positions are compared, not which message is two rows up.)
    await page.locator('#log-viewport').focus();
    await page.keyboard.press('End');
    const selected = page.locator('#log-viewport [role="option"][aria-selected="true"]');
    assert.equal(await selected.locator('.text').textContent(), 'third');
    const size = Number(await selected.getAttribute('aria-setsize'));
    assert.equal(await selected.getAttribute('aria-posinset'), String(size));
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await selected.count(), 1);
    assert.equal(await selected.getAttribute('aria-posinset'), String(size - 2));
    const text = (await selected.locator('.text').textContent()) ?? '';
    assert.match(text, /^(first|second|third)$/);
    const active = await page.locator('#log-viewport').getAttribute('aria-activedescendant');
    assert.equal(await page.locator(`#${active ?? 'none'}`).getAttribute('aria-selected'), 'true');
    assert.ok(((await page.locator('#details-body').textContent()) ?? '').endsWith(text), 'the details show it');
    await page.keyboard.press('Home');
    assert.equal(await page.locator('[role="option"][aria-posinset="1"]').getAttribute('aria-selected'), 'true');
  });

  it('keeps the entry being read in place, and counts exactly what is new, while the cap drops entries', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station));
    await waitConnected(page);
    // From the station's host side, in this process: thousands of messages without thousands of requests.
    const send = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) sendToPeers(station.peers, { binary: false, text: `m${i}` });
    };
    const viewport = page.locator('#log-viewport');
    send(0, LOG_CAPACITY);
    await page
      .locator('.log-row .text', { hasText: new RegExp(`^m${LOG_CAPACITY - 1}$`) })
      .waitFor({ timeout: 30_000 });
    // The person scrolls up a little to read.
    await viewport.hover();
    await page.mouse.wheel(0, -2000);
    const topRowText = () =>
      page.evaluate<string>(`(() => {
        const viewport = document.getElementById('log-viewport');
        const top = viewport.getBoundingClientRect().top;
        const rows = [...viewport.querySelectorAll('.log-row:not([hidden])')];
        const first = rows.find((row) => Math.abs(row.getBoundingClientRect().top - top) < 14);
        return first?.querySelector('.text')?.textContent ?? '';
      })()`);
    // The wheel scrolls in an animation: read once the view has come to rest.
    let reading = '';
    await eventually('the view to come to rest', async () => {
      const before = await topRowText();
      await new Promise((resolve) => setTimeout(resolve, 300));
      reading = await topRowText();
      return reading !== '' && reading === before;
    });
    assert.match(reading, /^m\d+$/);
    // 700 more: over the cap's slack, so the oldest entries are dropped while the person reads.
    send(LOG_CAPACITY, 700);
    await page.locator('#jump-to-newest', { hasText: '(700 new)' }).waitFor({ timeout: 30_000 });
    assert.equal(await topRowText(), reading);
    assert.match((await page.locator('#log-count').textContent()) ?? '', new RegExp(`^${LOG_CAPACITY} of`));
    await page.locator('#jump-to-newest').click();
    await page
      .locator('.log-row .text', { hasText: new RegExp(`^m${LOG_CAPACITY + 699}$`) })
      .waitFor({ timeout: WAIT_MS });
  });
});
