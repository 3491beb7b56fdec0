/**
 * The client page as a LAN peer meets it, in the browser its device brings: Chromium, Firefox
 * (Debian's firefox-esr over WebDriver BiDi) and WebKit (WebKitGTK, the stand-in for Safari here).
 * One description of each test, run by a real station in every engine. What only the desktop
 * window has (host panels, the bridge) is Chromium's alone, in client.test.ts: the desktop window
 * is always Electron's Chromium.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseStationConfig } from '../main/station/config';
import { startStation, type Station } from '../main/station/station';
import { peerById } from '../main/station/peers/host-actions';
import { ENGINE_NAMES, openFor, useEngine } from './helpers/browsers/engines';
import { DESKTOP_WINDOW, PHONE, TABLET, type EngineName, type PersonPage } from './helpers/browsers/person-page';
import { openClient as openWsClient } from './helpers/client';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

const WAIT_MS = 5000;
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const pageUrl = (station: Station, query = '') => `http://127.0.0.1:${station.port}/${query}`;
const rowTexts = (page: PersonPage, kind: string) => page.texts(`.log-row[data-kind="${kind}"] .text`);
const waitForRow = (page: PersonPage, kind: string, text: string | RegExp, timeoutMs = WAIT_MS) =>
  page.waitFor(`.log-row[data-kind="${kind}"] .text`, text, timeoutMs);
const waitForState = (page: PersonPage, label: string) => page.waitFor('#state-pill', label);
const waitConnected = (page: PersonPage) => page.waitFor('#state-word', /^(Connected|已连接)$/);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A page that threw nothing and wrote no error to its console while it ran (CSP violations included). */
async function assertNoPageErrors(page: PersonPage): Promise<void> {
  assert.deepEqual(await page.problems(), { exceptions: [], consoleErrors: [] });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}
declare const axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
declare const document: { documentElement: { scrollWidth: number } };
declare const innerWidth: number;
declare const matchMedia: (query: string) => { matches: boolean };

/** axe-core run inside the page (its CSP stays on); the serious and critical violations, readable. */
async function seriousViolations(page: PersonPage): Promise<string[]> {
  await page.run(AXE_SOURCE);
  const violations = await page.evaluate(
    async () => (await axe.run(document, { resultTypes: ['violations'] })).violations,
    null,
  );
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/**
 * Engines that can give a page a touch screen. WebKitGTK on a virtual display has none and no way
 * to pretend one, so there a phone is a phone-sized window with a mouse: its layout is checked,
 * what a touch screen changes (Enter starts a line, Send sends) is not.
 */
const EMULATES_TOUCH: readonly EngineName[] = ['chromium', 'firefox'];

/** Engines whose preferred language a test can choose (WebKitGTK takes it from the system locale). */
const CHOOSES_BROWSER_LANGUAGE: readonly EngineName[] = ['chromium', 'firefox'];

for (const engineName of ENGINE_NAMES) {
  describe(`client page in ${engineName}`, () => {
    const engine = useEngine(engineName);

    it('connects by itself: status walks CONNECTING → OPEN, greeting, ticks and a growing chart', async (t) => {
      const station = await startTestStation(t, { tickMs: 250 });
      const page = await openFor(t, engine, pageUrl(station));
      await waitForState(page, 'OPEN 1');
      await waitForRow(page, 'state', 'Connected (OPEN 1)');
      assert.deepEqual((await rowTexts(page, 'state')).slice(0, 2), [
        'Connecting… (CONNECTING 0)',
        'Connected (OPEN 1)',
      ]);
      assert.equal(await page.text('#state-word'), 'Connected');
      await waitForRow(page, 'greeting', '连接成功');
      assert.equal(await page.text('#protocol'), 'station.v1.json');
      assert.equal(await page.text('#url'), `ws://127.0.0.1:${station.port}/websocket/test`);

      const chartPoints = async () => Number(await page.attribute('#tick-chart', 'data-points'));
      await page.until('3 points on the chart', async () => (await chartPoints()) >= 3);
      const before = await chartPoints();
      await page.until('the chart to grow', async () => (await chartPoints()) > before);
      assert.match((await page.text('#tick-value')) ?? '', /^[01]\.\d\d$/);
      // Rows are drawn on the next frame after their tick.
      await page.until('3 tick rows in the log', async () => (await rowTexts(page, 'tick')).length >= 3);
      await page.screenshot('client-open');
      await assertNoPageErrors(page);
    });

    it('labels messages from the host as such, in both languages', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station, '?lang=zh-CN'));
      await waitForState(page, 'OPEN 1');
      const sent = await fetch(`http://127.0.0.1:${station.port}/api/broadcast`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'from the host',
      });
      assert.equal(sent.status, 200);
      await waitForRow(page, 'host', 'from the host');
      assert.equal(await page.text('.log-row[data-kind="host"] .kind'), '来自主机');
      await page.select('#language', 'en');
      await page.waitFor('.log-row[data-kind="host"] .kind', /^from host$/);
    });

    it('echoes text, JSON and binary (hex), and refuses invalid JSON and hex with a message', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station));
      await waitForState(page, 'OPEN 1');

      await page.fill('#message', 'hello, station');
      await page.press('#message', 'Enter');
      await waitForRow(page, 'echo', 'hello, station');
      assert.deepEqual(await rowTexts(page, 'sent'), ['hello, station']);

      await page.click('input[name="mode"][value="json"]');
      await page.fill('#message', '{"unfinished": ');
      await page.click('#send');
      await page.waitFor('#send-hint', 'Not valid JSON');
      assert.deepEqual(await rowTexts(page, 'sent'), ['hello, station'], 'nothing was sent');
      await page.fill('#message', '{"tick": "0.42"}');
      await page.press('#message', 'Enter');
      await waitForRow(page, 'echo', '{"tick": "0.42"}');

      await page.click('input[name="mode"][value="binary"]');
      await page.fill('#message', '48 6g');
      await page.press('#message', 'Enter');
      await page.waitFor('#send-hint', 'Hex must be pairs');
      await page.fill('#message', '48 65 6c 6c 6f 00 ff');
      await page.press('#message', 'Enter');
      await waitForRow(page, 'echo', '7 bytes: 48 65 6c 6c 6f 00 ff');
      await page.select('#binary-type', 'blob');
      await page.fill('#message', '0102');
      await page.click('#send');
      await waitForRow(page, 'echo', '2 bytes: 01 02');

      // An empty message is sent, and said so: in the hint and in the log.
      await page.click('input[name="mode"][value="text"]');
      await page.fill('#message', '');
      await page.click('#send');
      await page.waitFor('#send-hint', 'Sent an empty message.');
      await waitForRow(page, 'echo', '(empty message)');
      // A message of several lines shows as one row; the details show it whole.
      await page.fill('#message', 'first line');
      await page.press('#message', 'Shift+Enter');
      await page.type('#message', 'second line');
      await page.press('#message', 'Enter');
      await waitForRow(page, 'echo', 'first line ⏎ second line');
      await page.click('.log-row[data-kind="echo"]', 'first line');
      assert.match((await page.text('#details-body')) ?? '', /first line\nsecond line$/);
      // Send again, from the details.
      await page.click('#resend-entry');
      await page.waitFor('#details-result', 'Sent again.');
      const twice = async (kind: string) =>
        (await rowTexts(page, kind)).filter((text) => text.startsWith('first line')).length === 2;
      await page.until('the message sent again', () => twice('sent'));
      // And its echo in: the log follows the newest entry, so a row clicked sooner could move away.
      await page.until('the message echoed again', () => twice('echo'));

      // The whole message, pretty-printed on demand.
      await page.click('.log-row[data-kind="echo"]', '{"tick"');
      await page.click('#pretty-json');
      assert.match((await page.text('#details-body')) ?? '', /\{\n {2}"tick": "0\.42"\n\}/);
      await page.screenshot('client-echo');
      await assertNoPageErrors(page);
    });

    it('Disconnect closes with the given code and stays closed; Connect opens again', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station));
      await waitForState(page, 'OPEN 1');
      const closedAtStation = new Promise<[number, string]>((resolve) =>
        station.peers.once('disconnect', (_peer, code, reason) => resolve([code, reason])),
      );

      await page.fill('#close-code', '1001');
      await page.click('#disconnect');
      await page.waitFor('#close-error', '1000 or from 3000 to 4999');
      await page.fill('#close-code', '4000');
      await page.fill('#close-reason', 'done for today');
      await page.click('#disconnect');
      await waitForState(page, 'CLOSED 3');
      assert.deepEqual(await closedAtStation, [4000, 'done for today']);
      assert.equal(await page.text('#last-close'), 'code 4000, reason “done for today”, clean');
      assert.equal(await page.isDisabled('#send'), true);
      assert.match((await page.text('#send-hint')) ?? '', /it is Disconnected now/);
      await page.screenshot('client-closed');

      // The first automatic retry would come within 500 ms; after Disconnect there is none.
      await pause(1500);
      assert.equal(station.peers.size, 0);
      assert.equal(await page.isShown('#outage'), false);

      await page.click('#connect');
      await waitForState(page, 'OPEN 1');
      assert.equal(station.peers.size, 1);
    });

    it('rides out an outage: one banner with a countdown, one row counting attempts, no token hint', async (t) => {
      const first = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: 200 }));
      const port = first.port;
      const page = await openFor(t, engine, `http://127.0.0.1:${port}/`);
      await waitForState(page, 'OPEN 1');
      await page.waitFor('#tick-value:not(.muted)');
      const layoutBefore = await page.box('.log');
      await first.close();
      await waitForState(page, 'CLOSED 3');
      assert.match((await page.text('#last-close')) ?? '', /code 1001, reason “Station shutting down”/);
      await page.waitFor('#outage-text', 'Station unreachable — retrying');
      await page.waitFor('#reconnect-text', /^in \d+ s \(attempt \d+\)$/);
      await page.screenshot('client-outage');
      // Several failed attempts: still one row for the outage, counting them; no rows per attempt.
      await waitForRow(page, 'state', /Station unreachable since .*; [2-9]\d* attempt/, 20_000);
      const stateRows = await rowTexts(page, 'state');
      assert.equal(stateRows.filter((text) => text.startsWith('Station unreachable')).length, 1, stateRows.join(' | '));
      // The page's first connect, and the first try after the station went away; the rest are counted.
      assert.equal(stateRows.filter((text) => text.startsWith('Connecting')).length, 2, stateRows.join(' | '));
      // Nothing says to add a token: the station is down, not refusing.
      assert.equal(await page.text('#last-error'), '—');
      // Old values are shown as old; the banner overlays, so the log did not move (Firefox lays it
      // out again a fifth of a pixel off: not a move anyone sees).
      assert.equal(await page.attribute('#tick-value', 'class'), 'tick-value stale');
      assert.match((await page.text('#tick-count')) ?? '', /^last value, at \d\d:\d\d:\d\d/);
      const layoutAfter = await page.box('.log');
      assert.ok(layoutBefore && layoutAfter);
      for (const side of ['x', 'y', 'width', 'height'] as const) {
        assert.ok(Math.abs(layoutAfter[side] - layoutBefore[side]) < 1, `the log's ${side} moved`);
      }

      const second = await startStation(parseStationConfig({ host: '127.0.0.1', port, tickMs: 60_000 }));
      t.after(() => second.close());
      await waitFor('the page to reconnect', () => second.peers.size === 1, 35_000);
      await waitForState(page, 'OPEN 1');
      await page.until('a second greeting', async () => (await rowTexts(page, 'greeting')).length >= 2);
      assert.equal(await page.isShown('#outage'), false);
      await waitForRow(page, 'state', /^Connected again after \d+ attempt/);
      // Browsers log each failed attempt to the console; what must not happen is an exception.
      assert.deepEqual((await page.problems()).exceptions, []);
    });

    it('tells a close the station meant from an outage: the host closing the page is said, and not retried', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station));
      await waitForState(page, 'OPEN 1');
      const [first] = station.peers.list();
      assert.ok(first);
      // The host closes the page's connection, as the Peers panel or DELETE /api/peers/{id} does.
      const answer = await fetch(`http://127.0.0.1:${station.port}/api/peers/${first.id}?code=4000&reason=bye`, {
        method: 'DELETE',
      });
      assert.equal(answer.status, 200);
      await waitForState(page, 'CLOSED 3');
      await waitForRow(
        page,
        'state',
        'The station closed the connection: code 4000, reason “bye”. Connect opens a new one.',
      );
      assert.equal(await page.text('#last-close'), 'code 4000, reason “bye”, clean');
      assert.equal(await page.isShown('#connect'), true);
      // Longer than the first retry's delay (at most 0.5 s): nothing tried again, no outage.
      await pause(1500);
      assert.equal(station.peers.size, 0);
      assert.equal(await page.isShown('#outage'), false);
      assert.equal(await page.text('#last-close'), 'code 4000, reason “bye”, clean');
      assert.deepEqual(
        (await rowTexts(page, 'state')).filter((text) => /unreachable|attempt/.test(text)),
        [],
      );

      await page.click('#connect');
      await waitForState(page, 'OPEN 1');
      // Going away (a station restarting, an endpoint removed) is worth trying again at once: no outage.
      const [second] = station.peers.list();
      assert.ok(second);
      peerById(station.peers, second.id).closeWithin(1001, 'Endpoint removed', 1000);
      await waitFor('the page to be back', () => station.peers.list().some((peer) => peer.id > second.id), WAIT_MS);
      await waitForState(page, 'OPEN 1');
      assert.match((await page.text('#last-close')) ?? '', /^code 1001, reason “Endpoint removed”/);
      assert.deepEqual(
        (await rowTexts(page, 'state')).filter((text) => /unreachable|attempt/.test(text)),
        [],
      );
    });

    it('says the station refused the connection, and hints at the token, only when it is up', async (t) => {
      // Full: a station of one peer that already has it refuses the page's handshake (503).
      const station = await startTestStation(t, { maxPeers: 1 });
      const { socket } = await openWsClient(endpointUrl(station));
      t.after(() => socket.terminate());
      const page = await openFor(t, engine, pageUrl(station));
      await page.waitFor('#outage-text', 'The station is up but refused the connection');
      await page.waitFor('#last-error', '?token=');
      await waitForRow(page, 'state', /^Connection refused by the station since/);
    });

    it('takes its language from the address or the switch', async (t) => {
      const station = await startTestStation(t, { tickMs: 1000 });
      const page = await openFor(t, engine, pageUrl(station, '?lang=zh-CN'), { colorScheme: 'dark' });
      await waitForState(page, 'OPEN 1');
      assert.equal(await page.text('#connect'), '连接');
      assert.equal(await page.text('#send'), '发送');
      assert.equal(await page.attribute('html', 'lang'), 'zh-CN');
      await waitForRow(page, 'tick', /\d/);
      await page.screenshot('client-zh-dark');
      await page.select('#language', 'en');
      assert.equal(await page.text('#send'), 'Send');
      // Rows already drawn take the new language on the next frame.
      await page.waitFor('.log-row[data-kind="greeting"] .kind', /^greeting$/);
    });

    if (CHOOSES_BROWSER_LANGUAGE.includes(engineName)) {
      it("speaks the browser's language", async (t) => {
        const station = await startTestStation(t, { tickMs: 60_000 });
        const page = await openFor(t, engine, pageUrl(station), { locale: 'zh-CN' });
        await waitForState(page, 'OPEN 1');
        assert.equal(await page.text('#send'), '发送');
        assert.equal(await page.attribute('html', 'lang'), 'zh-CN');
      });
    }

    for (const colorScheme of ['light', 'dark'] as const) {
      it(`has no serious or critical axe-core violation, ${colorScheme}, in both languages and on a phone`, async (t) => {
        const station = await startTestStation(t, { tickMs: 200 });
        for (const [name, options, query] of [
          ['desktop', {}, ''],
          ['zh-CN', {}, '?lang=zh-CN'],
          ['phone', PHONE, ''],
        ] as const) {
          const page = await engine.open(pageUrl(station, query), { ...options, colorScheme });
          try {
            await waitConnected(page);
            await page.fill('#message', 'hello');
            await page.click('#send');
            await page.click('.log-row[data-kind="echo"]');
            assert.deepEqual(await seriousViolations(page), [], `${name}, ${colorScheme}`);
          } finally {
            await page.close();
          }
        }
      });
    }

    it('fits a phone: one-line header, the log and the composer on the first screen, no key chord', async (t) => {
      const station = await startTestStation(t, { tickMs: 500 });
      const page = await openFor(t, engine, pageUrl(station), PHONE);
      await waitConnected(page);
      const screenHeight = PHONE.size?.height ?? 0;
      const box = async (selector: string) => {
        const found = await page.box(selector);
        assert.ok(found, `${selector} is shown`);
        return found;
      };
      // The header on one line; the connection summarised in one line that expands.
      assert.ok((await box('.top')).height <= 60, 'header height');
      assert.equal(await page.attribute('#connection-details', 'open'), null);
      const connection = await box('.connection');
      assert.ok(connection.height <= 64, `connection summary ${connection.height} px high`);
      // The address in the summary ellipsised, not pushing the panel wider than the screen.
      assert.ok((await box('.connection-details > summary')).width <= connection.width, 'summary inside its panel');
      // Composer at the bottom of the first screen, the log above it.
      const composer = await box('#send');
      assert.ok(composer.y + composer.height <= screenHeight, `Send button at ${composer.y}`);
      // The log's buttons all on the screen: wrapped below its title, not cut off at the edge.
      const exportText = await box('#export-text');
      assert.ok(
        exportText.x + exportText.width <= (await box('.log')).x + (await box('.log')).width,
        'Export text shown whole',
      );
      const log = await box('#log-viewport');
      assert.ok(log.height >= 200 && log.y + log.height <= composer.y, `log at ${log.y}, ${log.height} high`);
      // Type at 16 px (no zoom on focus) and touch targets of 44 px.
      assert.equal(await page.style('#message', 'font-size'), '16px');
      assert.ok(composer.height >= 44, 'Send button height');
      const touchScreen = EMULATES_TOUCH.includes(engineName);
      assert.equal(await page.evaluate(() => matchMedia('(pointer: coarse)').matches, null), touchScreen);
      if (touchScreen) {
        // Enter starts a new line; the Send button sends.
        await page.fill('#message', 'one');
        await page.press('#message', 'Enter');
        await page.type('#message', 'two');
        assert.equal(await page.value('#message'), 'one\ntwo');
        assert.match((await page.attribute('#message', 'placeholder')) ?? '', /tap Send/);
      } else {
        await page.fill('#message', 'one\ntwo');
      }
      await page.click('#send');
      await waitForRow(page, 'echo', 'one ⏎ two');
      await page.screenshot('client-phone');
    });

    it('fits a phone in Chinese too: no sideways scroll, one filter row, a readable message in the details', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station, '?lang=zh-CN'), PHONE);
      await waitConnected(page);
      const [pageWidth, screenWidth] = await page.evaluate(
        () => [document.documentElement.scrollWidth, innerWidth],
        null,
      );
      assert.ok(pageWidth <= screenWidth, `page width ${pageWidth} > ${screenWidth}`);
      const send = await page.box('#send');
      assert.ok(send && send.x + send.width <= screenWidth, 'Send button on the screen');
      const hideTicks = await page.box('label.check:has(#hide-ticks)');
      assert.ok(hideTicks && hideTicks.height <= 48, `the "hide ticks" label on one line: ${hideTicks?.height} px`);
      await page.fill('#message', '第一行\n第二行\n第三行');
      await page.click('#send');
      await page.click('.log-row[data-kind="echo"]');
      await page.screenshot('client-phone-zh-CN-details');
      const body = await page.box('#details-body');
      // It was one clipped line (18 px); three lines of its 12 px type at least.
      assert.ok(body && body.height >= 54, `the details show the message, ${body?.height} px tall`);
    });

    it('keeps Disconnect inside the Connection panel in Chinese, in the 1280×860 window', async (t) => {
      const station = await startTestStation(t, { tickMs: 60_000 });
      const page = await openFor(t, engine, pageUrl(station, '?lang=zh-CN'), DESKTOP_WINDOW);
      await waitConnected(page);
      const panel = await page.box('section.connection');
      const disconnect = await page.box('#disconnect');
      assert.ok(panel && disconnect);
      assert.ok(disconnect.y + disconnect.height <= panel.y + panel.height, 'Disconnect inside its panel');
      await page.screenshot('client-desktop-zh-CN');
    });

    it('gives a tablet two columns: the log beside the connection and ticks', async (t) => {
      const station = await startTestStation(t, { tickMs: 500 });
      const page = await openFor(t, engine, pageUrl(station), TABLET);
      await waitConnected(page);
      const log = await page.box('.log');
      const ticks = await page.box('.ticks');
      const composer = await page.box('#send');
      assert.ok(log && ticks && composer);
      assert.ok(ticks.x > log.x + log.width - 1, 'ticks to the right of the log');
      assert.ok(composer.y + composer.height <= (TABLET.size?.height ?? 0), 'composer on the first screen');
      await page.screenshot('client-tablet');
    });

    it('searches and filters the log by text, direction and kind', async (t) => {
      const station = await startTestStation(t, { tickMs: 100 });
      const page = await openFor(t, engine, pageUrl(station));
      await waitConnected(page);
      for (const text of ['apple pie', 'Banana split', 'cherry APPLE']) {
        await page.fill('#message', text);
        await page.press('#message', 'Enter');
      }
      await waitForRow(page, 'echo', 'cherry');
      const shownTexts = () => page.texts('#log-viewport .log-row:not([hidden]) .text');
      await page.fill('#log-search', 'apple');
      await page.until('only the apples', async () => {
        const texts = await shownTexts();
        return texts.length === 4 && texts.every((text) => /apple/i.test(text));
      });
      await page.select('#filter-direction', 'out');
      await page.until('only the apples sent', async () => (await shownTexts()).join('|') === 'apple pie|cherry APPLE');
      assert.match((await page.text('#log-count')) ?? '', /^2 of \d+ shown$/);
      await page.fill('#log-search', '');
      await page.select('#filter-direction', 'all');
      await page.select('#filter-kind', 'tick');
      await page.until('only ticks', async () => {
        const kinds = await page.attributes('#log-viewport .log-row:not([hidden])', 'data-kind');
        return kinds.length > 0 && kinds.every((kind) => kind === 'tick');
      });
      await page.fill('#log-search', 'no such message');
      await page.waitFor('#log-empty', 'No message matches');
    });
  });
}
