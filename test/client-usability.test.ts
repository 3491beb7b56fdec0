/**
 * The client page as people meet it: audited by axe-core in every view and theme, on a phone and
 * a tablet, by keyboard alone, searching and filtering the log, and reading it while the cap drops
 * old entries. A real Chromium and a real station; the desktop window's panels with a mock bridge.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright';
import { DEFAULT_SETTINGS } from '../main/desktop/settings';
import { sendToPeers } from '../main/station/peers/host-actions';
import type { Station } from '../main/station/station';
import { LOG_CAPACITY } from '../renderer/log-store';
import { launchBrowser, openPage, screenshot } from './helpers/browser';
import { sampleDesktopConfig } from './helpers/desktop-fixtures';
import { endpointsHostFunctions, mockBridgeScript } from './helpers/mock-bridge';
import { CONTRACT } from './helpers/endpoints-contract';
import { StationHost } from '../main/desktop/station-host';
import { startTestStation } from './helpers/station';
import { eventually } from './helpers/wait';

const WAIT_MS = 5000;
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const TABLET = { viewport: { width: 768, height: 1024 }, isMobile: true, hasTouch: true };
const DESKTOP_WINDOW = { viewport: { width: 1280, height: 860 } };

const pageUrl = (station: Station, query = '') => `http://127.0.0.1:${station.port}/${query}`;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core inside the page (evaluated, so the page's own Content-Security-Policy stays on)
 * and returns its serious and critical violations as readable lines.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)`,
  );
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

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
    expose: endpointsHostFunctions(endpointsHost),
  });
  await waitConnected(opened.page);
  await opened.page.evaluate(`window.__pushStatus(${JSON.stringify({ running: true, status: station.status() })})`);
  return opened;
}

describe('client page for people', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violation, ${colorScheme}, in both languages and on a phone`, async (t) => {
      const station = await startTestStation(t, { tickMs: 200 });
      const browser = await launchBrowser(t);
      for (const [name, options, query] of [
        ['desktop', {}, ''],
        ['zh-CN', {}, '?lang=zh-CN'],
        ['phone', PHONE, ''],
      ] as const) {
        const { page } = await openPage(browser, pageUrl(station, query), { ...options, colorScheme });
        await waitConnected(page);
        await page.locator('#message').fill('hello');
        await page.locator('#send').click();
        await page.locator('.log-row[data-kind="echo"]').first().click();
        assert.deepEqual(await seriousViolations(page), [], `${name}, ${colorScheme}`);
        await page.context().close();
      }
    });

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

  it('fits a phone: one-line header, the log and the composer on the first screen, no key chord', async (t) => {
    const station = await startTestStation(t, { tickMs: 500 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station), PHONE);
    await waitConnected(page);
    const screenHeight = PHONE.viewport.height;
    const box = async (selector: string) => {
      const found = await page.locator(selector).boundingBox();
      assert.ok(found, `${selector} is shown`);
      return found;
    };
    // The header on one line; the connection summarised in one line that expands.
    assert.ok((await box('.top')).height <= 60, 'header height');
    assert.equal(await page.locator('#connection-details').getAttribute('open'), null);
    assert.ok((await box('.connection')).height <= 64, 'connection summary height');
    // Composer at the bottom of the first screen, the log above it.
    const composer = await box('#send');
    assert.ok(composer.y + composer.height <= screenHeight, `Send button at ${composer.y}`);
    const log = await box('#log-viewport');
    assert.ok(log.height >= 200 && log.y + log.height <= composer.y, `log at ${log.y}, ${log.height} high`);
    // Type at 16 px (no zoom on focus) and touch targets of 44 px.
    assert.equal(await page.evaluate(`getComputedStyle(document.getElementById('message')).fontSize`), '16px');
    assert.ok(composer.height >= 44, 'Send button height');
    // Enter starts a new line; the Send button sends.
    await page.locator('#message').fill('one');
    await page.locator('#message').press('Enter');
    await page.locator('#message').pressSequentially('two');
    assert.equal(await page.locator('#message').inputValue(), 'one\ntwo');
    assert.match((await page.locator('#message').getAttribute('placeholder')) ?? '', /tap Send/);
    await page.locator('#send').tap();
    await page.locator('.log-row[data-kind="echo"] .text', { hasText: 'one ⏎ two' }).waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'client-phone');
  });

  it('fits a phone in Chinese too: no sideways scroll, one filter row, a readable message in the details', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station, '?lang=zh-CN'), PHONE);
    await waitConnected(page);
    const widths = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
    assert.ok((widths[0] ?? 0) <= (widths[1] ?? 0), `page width ${widths.join(' > ')}`);
    const send = await page.locator('#send').boundingBox();
    assert.ok(send && send.x + send.width <= PHONE.viewport.width, 'Send button on the screen');
    const hideTicks = await page.locator('label.check:has(#hide-ticks)').boundingBox();
    assert.ok(hideTicks && hideTicks.height <= 48, `the "hide ticks" label on one line: ${hideTicks?.height} px`);
    await page.locator('#message').fill('第一行\n第二行\n第三行');
    await page.locator('#send').tap();
    await page.locator('.log-row[data-kind="echo"]').first().tap();
    await screenshot(page, 'client-phone-zh-CN-details');
    const body = await page.locator('#details-body').boundingBox();
    // It was one clipped line (18 px); three lines of its 12 px type at least.
    assert.ok(body && body.height >= 54, `the details show the message, ${body?.height} px tall`);
  });

  it('keeps Disconnect inside the Connection panel in Chinese, in the 1280×860 window', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station, '?lang=zh-CN'), DESKTOP_WINDOW);
    await waitConnected(page);
    const panel = await page.locator('section.connection').boundingBox();
    const disconnect = await page.locator('#disconnect').boundingBox();
    assert.ok(panel && disconnect);
    assert.ok(disconnect.y + disconnect.height <= panel.y + panel.height, 'Disconnect inside its panel');
    await screenshot(page, 'client-desktop-zh-CN');
  });

  it('gives a tablet two columns: the log beside the connection and ticks', async (t) => {
    const station = await startTestStation(t, { tickMs: 500 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station), TABLET);
    await waitConnected(page);
    const log = await page.locator('.log').boundingBox();
    const ticks = await page.locator('.ticks').boundingBox();
    const composer = await page.locator('#send').boundingBox();
    assert.ok(log && ticks && composer);
    assert.ok(ticks.x > log.x + log.width - 1, 'ticks to the right of the log');
    assert.ok(composer.y + composer.height <= TABLET.viewport.height, 'composer on the first screen');
    await screenshot(page, 'client-tablet');
  });

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

  it('searches and filters the log by text, direction and kind', async (t) => {
    const station = await startTestStation(t, { tickMs: 100 });
    const browser = await launchBrowser(t);
    const { page } = await openPage(browser, pageUrl(station));
    await waitConnected(page);
    for (const text of ['apple pie', 'Banana split', 'cherry APPLE']) {
      await page.locator('#message').fill(text);
      await page.locator('#message').press('Enter');
    }
    await page.locator('.log-row[data-kind="echo"] .text', { hasText: 'cherry' }).waitFor({ timeout: WAIT_MS });
    const shownTexts = () => page.locator('#log-viewport .log-row:not([hidden]) .text').allTextContents();
    await page.locator('#log-search').fill('apple');
    await eventually('only the apples', async () => {
      const texts = await shownTexts();
      return texts.length === 4 && texts.every((text) => /apple/i.test(text));
    });
    await page.locator('#filter-direction').selectOption('out');
    await eventually('only the apples sent', async () => (await shownTexts()).join('|') === 'apple pie|cherry APPLE');
    assert.match((await page.locator('#log-count').textContent()) ?? '', /^2 of \d+ shown$/);
    await page.locator('#log-search').fill('');
    await page.locator('#filter-direction').selectOption('all');
    await page.locator('#filter-kind').selectOption('tick');
    await eventually('only ticks', async () => {
      const kinds = await page.evaluate<(string | null)[]>(
        `[...document.querySelectorAll('#log-viewport .log-row:not([hidden])')].map((row) => row.getAttribute('data-kind'))`,
      );
      return kinds.length > 0 && kinds.every((kind) => kind === 'tick');
    });
    await page.locator('#log-search').fill('no such message');
    await page.locator('#log-empty', { hasText: 'No message matches' }).waitFor({ timeout: WAIT_MS });
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
